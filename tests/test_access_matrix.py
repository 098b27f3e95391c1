"""Every URL in the project, for every role, against own, sibling and other-LMNS providers.

URLs are discovered from the URL configuration, so a new page is covered
without editing this file; a new page that takes parameters must say below how
to point it at a provider's record, or ``test_every_url_is_classified`` fails.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lmns.models import Role

pytestmark = pytest.mark.django_db

# Pages anyone may open without signing in.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
}
# Signing out takes a POST (a signed-in GET answers 405); it is tested in test_auth.
POST_ONLY = {"logout"}
# The Django admin has its own sign-in and permission checks; see test_admin_is_for_superusers_only.
EXCLUDED_NAMESPACES = {"admin"}

# How to point each URL that takes parameters at a record of a given provider.
OBJECT_KWARGS = {
    "lmns:provider-detail": lambda provider: {"ods_code": provider.ods_code},
    "lmns:unit-create": lambda provider: {"ods_code": provider.ods_code},
}
FIXED_KWARGS = {"password_reset_confirm": {"uidb64": "MQ", "token": "set-password"}}

# The specification of who may do what, written independently of lmns.access.
# A URL not listed here may be read by every role that can see the provider.
MAY = {
    "lmns:unit-create": {
        f"provider:{Role.PROVIDER_LEAD}",
        f"lmns:{Role.LMNS_SAFETY_LEAD}",
        f"lmns:{Role.SYSTEM_ADMINISTRATOR}",
        "superuser",
    },
}

PERSONAS = [
    *(
        f"provider:{role}"
        for role in sorted(
            {Role.PROVIDER_CONTRIBUTOR, Role.PROVIDER_LEAD, Role.PROVIDER_FTSU_GUARDIAN, Role.BOARD_VIEWER}
        )
    ),
    *(
        f"lmns:{role}"
        for role in sorted(
            {Role.LMNS_OFFICER, Role.LMNS_SAFETY_LEAD, Role.BOARD_VIEWER, Role.SYSTEM_ADMINISTRATOR}
        )
    ),
    "superuser",
    "nobody",
]


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", set(entry.pattern.converters)


ALL_URLS = {
    name: params
    for name, params in _walk(get_resolver().url_patterns)
    if name.split(":")[0] not in EXCLUDED_NAMESPACES
}
PRIVATE_PAGES = sorted(
    name for name, params in ALL_URLS.items() if not params and name not in PUBLIC | POST_ONLY
)
OBJECT_PAGES = sorted(OBJECT_KWARGS)


class _UnknownProvider:
    ods_code = "ZZZ"


def _sign_in(client, world, persona):
    client.force_login(world.personas[persona])


def _other_names(world, persona):
    hidden = set(world.providers) - world.visible_providers(persona)
    names = [provider.name for provider in hidden]
    if persona != "superuser":
        names.append(world.lmns_b.name)
    return names


def test_every_url_is_classified():
    unclassified = [
        name
        for name, params in ALL_URLS.items()
        if params and name not in OBJECT_KWARGS and name not in FIXED_KWARGS
    ]
    assert not unclassified, f"Say in OBJECT_KWARGS how to reach a provider's record for: {unclassified}"


@pytest.mark.parametrize("name", sorted(ALL_URLS))
def test_anonymous_is_sent_to_sign_in_except_on_public_pages(client, name):
    url = reverse(
        name, kwargs=FIXED_KWARGS.get(name) or OBJECT_KWARGS.get(name, lambda _: None)(_UnknownProvider)
    )
    response = client.get(url)
    if name in PUBLIC:
        assert response.status_code in {200, 302}
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login"))
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", PRIVATE_PAGES)
def test_pages_show_only_what_the_role_may_see(client, world, persona, name):
    _sign_in(client, world, persona)
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    for other in _other_names(world, persona):
        assert other not in body, f"{persona} sees {other!r} on {name}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", OBJECT_PAGES)
def test_records_answer_by_scope_and_role(client, world, persona, name):
    _sign_in(client, world, persona)
    visible = world.visible_providers(persona)
    allowed = MAY.get(name)
    for provider in world.providers:
        response = client.get(reverse(name, kwargs=OBJECT_KWARGS[name](provider)))
        if provider not in visible:
            expected = 404
        elif allowed is not None and persona not in allowed:
            expected = 403
        else:
            expected = 200
        assert response.status_code == expected, f"{persona} on {name} for {provider.ods_code}"
        if expected == 200:
            body = response.content.decode()
            for other in _other_names(world, persona):
                assert other not in body, f"{persona} sees {other!r} on {name}"


def test_admin_is_for_superusers_only(client, world):
    for persona in PERSONAS:
        _sign_in(client, world, persona)
        response = client.get(reverse("admin:index"))
        if persona == "superuser":
            assert response.status_code == 200
        else:
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))
