"""Two-factor sign-in: the code step after the password, enrolment, recovery codes, and the
LMNS's rule that its staff must use it."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lmns.models import Role
from lmns.two_factor import services
from tests.factories import PASSWORD, app_code

pytestmark = pytest.mark.django_db


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = services.app_device_start(user=user)
    codes = services.app_device_confirm(device=device, code=app_code(device))
    device.refresh_from_db()
    return device, codes


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def enter(client, value):
    return client.post(reverse("two-factor-verify"), {"code": value})


@pytest.fixture
def officer(world):
    """LMNS staff at Alpha LMNS."""
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def required(world):
    world.lmns_a.two_factor_required = True
    world.lmns_a.save()


def test_password_then_code_signs_in(client, bob):
    device, _ = enrol(bob)
    response = sign_in(client, bob)
    assert response.url == reverse("two-factor-verify")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).url.startswith(reverse("login"))

    response = enter(client, app_code(device))
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(bob.pk)
    assert client.get(reverse("home")).status_code == 200


def test_sign_in_without_an_app_is_unchanged(client, bob):
    assert sign_in(client, bob).url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_code_step_keeps_where_the_user_was_going(client, bob):
    device, _ = enrol(bob)
    target = reverse("incidents:index")
    client.post(
        f"{reverse('login')}?next={target}", {"username": bob.username, "password": PASSWORD, "next": target}
    )
    assert enter(client, app_code(device)).url == target


def test_wrong_code_is_refused_and_not_signed_in(client, bob):
    enrol(bob)
    sign_in(client, bob)
    response = enter(client, "000000")
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert services.WRONG_CODE in body
    assert "_auth_user_id" not in client.session


def test_the_code_step_needs_a_password_first(client, bob):
    enrol(bob)
    assert client.get(reverse("two-factor-verify")).url == reverse("login")
    assert enter(client, "123456").url == reverse("login")


def test_the_wait_for_a_code_expires(client, bob, settings):
    device, _ = enrol(bob)
    sign_in(client, bob)
    settings.TWO_FACTOR_PENDING_SECONDS = -1
    assert enter(client, app_code(device)).url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(client, bob):
    _, codes = enrol(bob)
    assert len(codes) == services.RECOVERY_CODE_COUNT
    sign_in(client, bob)
    assert enter(client, codes[0].upper()).url == reverse("home")
    assert services.recovery_codes_left(bob) == services.RECOVERY_CODE_COUNT - 1

    client.post(reverse("logout"))
    sign_in(client, bob)
    assert enter(client, codes[0]).status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_codes_lock_the_account(client, bob):
    device, codes = enrol(bob)
    sign_in(client, bob)
    responses = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # Past the app's own throttling (1, 2, 4 ... seconds), which would refuse to check.
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        responses.append(enter(client, "000000"))
    assert [r.status_code for r in responses] == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert "locked" in responses[-1].content.decode()
    assert "_auth_user_id" not in client.session
    # Locked for the password too, and the right code no longer gets a hearing.
    assert sign_in(client, bob).status_code == 429
    assert enter(client, codes[0]).url == reverse("login")


def test_wrong_codes_and_wrong_passwords_add_up(client, bob):
    enrol(bob)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, bob, "not-the-password")
    sign_in(client, bob)
    assert enter(client, "000000").status_code == 429


def test_the_app_throttles_fast_retries(client, bob):
    device, _ = enrol(bob)
    sign_in(client, bob)
    enter(client, "000000")
    response = enter(client, app_code(device))
    assert "Wait a few seconds" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_enrolment_confirms_with_a_code_and_shows_recovery_codes_once(client, bob):
    client.force_login(bob)
    page = client.get(reverse("two-factor-enrol"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=bob, confirmed=False)
    # Reloading keeps the secret the phone may already have scanned.
    client.get(reverse("two-factor-enrol"))
    assert TOTPDevice.objects.get(user=bob).pk == device.pk

    wrong = client.post(reverse("two-factor-enrol"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not services.is_enrolled(bob)

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # past the 1 s wait
    done = client.post(reverse("two-factor-enrol"), {"code": app_code(device)})
    assert done.status_code == 200
    tokens = StaticToken.objects.filter(device__user=bob).values_list("token", flat=True)
    assert len(tokens) == services.RECOVERY_CODE_COUNT
    assert all(token in done.content.decode() for token in tokens)
    assert "no-store" in done["Cache-Control"]
    # The session that enrolled counts as verified; the codes are not shown again.
    overview = client.get(reverse("two-factor"))
    assert overview.status_code == 200
    assert not any(token in overview.content.decode() for token in tokens)


def test_new_recovery_codes_need_a_code_and_replace_the_old(client, bob):
    device, old = enrol(bob)
    client.force_login(bob)
    client.get(reverse("two-factor"))  # force_login is not a two-factor sign-in
    sign_in(client, bob)
    enter(client, app_code(device))

    refused = client.post(reverse("two-factor-recovery-codes"), {"codes-code": "000000"})
    assert refused.status_code == 200
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(reverse("two-factor-recovery-codes"), {"codes-code": old[0]})
    new = set(StaticToken.objects.values_list("token", flat=True))
    assert response.status_code == 200
    assert len(new) == services.RECOVERY_CODE_COUNT and not new & set(old)


def test_turning_off_needs_a_code(client, bob):
    device, _ = enrol(bob)
    sign_in(client, bob)
    enter(client, app_code(device))
    assert client.post(reverse("two-factor-turn-off"), {"off-code": "000000"}).status_code == 200
    assert services.is_enrolled(bob)

    assert client.post(reverse("two-factor-turn-off"), {"off-code": "not-a-code"}).status_code == 200
    assert services.is_enrolled(bob)


def test_turned_off_signs_in_with_the_password_alone(client, bob):
    device, codes = enrol(bob)
    sign_in(client, bob)
    enter(client, app_code(device))
    assert client.post(reverse("two-factor-turn-off"), {"off-code": codes[0]}).url == reverse("two-factor")
    assert not TOTPDevice.objects.filter(user=bob).exists()
    assert not StaticToken.objects.filter(device__user=bob).exists()
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert sign_in(client, bob).url == reverse("home")


def test_turning_off_is_refused_while_the_lmns_requires_it(client, officer, required):
    device, codes = enrol(officer)
    sign_in(client, officer)
    enter(client, app_code(device))
    response = client.post(reverse("two-factor-turn-off"), {"off-code": codes[0]})
    assert response.status_code == 200
    assert "Your LMNS requires two-factor sign-in" in response.content.decode()
    assert services.is_enrolled(officer)
    # The refusal came before the code was checked: the recovery code is still good.
    assert services.recovery_codes_left(officer) == services.RECOVERY_CODE_COUNT


def test_lmns_staff_without_an_app_must_enrol_first(client, officer, required):
    assert sign_in(client, officer).url == reverse("home")
    for name in ["home", "incidents:index", "two-factor", "password_change", "admin:index"]:
        assert client.get(reverse(name)).url == reverse("two-factor-enrol"), name
    assert client.get(reverse("two-factor-enrol")).status_code == 200
    assert client.post(reverse("logout")).url == reverse("login")


def test_enrolling_lets_lmns_staff_through(client, officer, required):
    client.force_login(officer)
    client.get(reverse("two-factor-enrol"))
    device = TOTPDevice.objects.get(user=officer)
    client.post(reverse("two-factor-enrol"), {"code": app_code(device)})
    assert client.get(reverse("home")).status_code == 200


def test_a_session_with_an_app_but_no_code_is_sent_to_the_code_step(client, officer):
    device, _ = enrol(officer)
    client.force_login(officer)
    assert client.get(reverse("home")).url == reverse("two-factor-verify")
    response = client.post(reverse("two-factor-verify"), {"code": app_code(device)})
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_provider_staff_are_not_bound_by_the_lmns_rule(client, bob, required):
    client.force_login(bob)
    assert client.get(reverse("home")).status_code == 200
    assert not services.required_for(bob)


def test_the_api_prefix_is_left_to_the_apis_own_authentication(rf, officer, required):
    from lmns.two_factor.middleware import TwoFactorMiddleware

    middleware = TwoFactorMiddleware(lambda request: None)
    for path, expected in [("/api/v1/incidents/", None), ("/incidents/", reverse("two-factor-enrol"))]:
        request = rf.get(path)
        request.user = officer
        officer.is_verified = lambda: False
        request.resolver_match = None
        response = middleware.process_view(request, None, (), {})
        assert (response and response.url) == expected, path


def test_the_check_costs_one_query_a_page(bob, settings):
    def queries():
        client = Client()  # a new client loads the middleware as it is set now
        client.force_login(bob)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    with_check = queries()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("TwoFactorMiddleware")]
    assert with_check == queries() + 1


def test_safety_leads_set_the_rule_for_their_own_lmns_in_the_admin(client, world):
    lead = world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]
    client.force_login(lead)
    url = reverse("admin:lmns_lmns_change", args=[world.lmns_a.pk])
    assert client.get(reverse("admin:lmns_lmns_add")).status_code == 403
    other = client.get(reverse("admin:lmns_lmns_change", args=[world.lmns_b.pk]))
    assert other.url == reverse("admin:index")  # "does not exist": another LMNS is not revealed
    page = client.get(url)
    assert page.status_code == 200
    assert "two_factor_required" in page.content.decode()
    response = client.post(url, {"two_factor_required": "on", "name": "Renamed", "code": "renamed"})
    assert response.status_code == 302
    world.lmns_a.refresh_from_db()
    assert world.lmns_a.two_factor_required
    assert world.lmns_a.name == "Alpha LMNS"
    # The rule binds the lead who set it, from the next page on.
    assert client.get(url).url == reverse("two-factor-enrol")


def test_other_lmns_staff_cannot_open_the_lmns_settings(client, officer, world):
    client.force_login(officer)
    response = client.get(reverse("admin:lmns_lmns_change", args=[world.lmns_a.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_another_persons_unfinished_sign_in_does_not_linger(client, bob, alice):
    enrol(bob)
    sign_in(client, bob)
    assert sign_in(client, alice).url == reverse("home")
    assert "two_factor_pending" not in client.session
    assert client.get(reverse("two-factor-verify")).url == reverse("home")


def test_a_session_that_owes_a_code_is_signed_out_when_locked(client, bob):
    device, _ = enrol(bob)
    client.force_login(bob)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        response = enter(client, "000000")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_api_refuses_a_session_that_owes_a_code(client, officer, required):
    """The middleware leaves /api/ alone; the API's session authentication holds the line."""
    client.force_login(officer)
    assert client.get("/api/v1/incidents/").status_code == 401
    device, _ = enrol(officer)
    client.force_login(officer)
    assert client.get("/api/v1/incidents/").status_code == 401
    client.post(reverse("two-factor-verify"), {"code": app_code(device)})
    assert client.get("/api/v1/incidents/").status_code == 200
