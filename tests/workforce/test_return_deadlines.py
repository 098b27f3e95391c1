"""A monthly return's deadline on the calendar links to that provider's return for the month, or
to the form started for that provider and month while there is none."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.calendar.selectors import calendar_entries
from lmns.models import Role
from lmns.months import first_of_month
from tests.factories import make_workforce_return
from workforce.deadlines import return_entries
from workforce.models import WorkforceReturn, return_due_on

pytestmark = pytest.mark.django_db

MONTH = date(2026, 3, 1)


def _returns_due(user) -> dict[str, str]:
    day = return_due_on(MONTH)
    entries = calendar_entries(user=user, first=day, last=day)
    return {entry.title: entry.url for entry in entries if entry.kind == "Return due"}


def test_each_providers_deadline_links_to_its_return_or_to_start_it(world, alice):
    start = reverse("workforce:return-create") + f"?provider={world.a1.pk}&month=2026-03"
    title = f"Workforce and perinatal return for March 2026 due ({world.a1.name})"
    assert _returns_due(alice) == {title: start}
    made = make_workforce_return(world.a1, month=MONTH)
    assert _returns_due(alice) == {title: made.get_absolute_url()}


def test_someone_who_does_not_submit_returns_is_taken_to_the_providers_page(world):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    made = make_workforce_return(world.a1, month=MONTH)
    assert _returns_due(officer) == {
        f"Workforce and perinatal return for March 2026 due ({world.a1.name})": made.get_absolute_url(),
        f"Workforce and perinatal return for March 2026 due ({world.a2.name})": reverse(
            "workforce:provider", kwargs={"ods_code": world.a2.ods_code}
        ),
    }


def test_a_month_not_yet_over_links_to_the_providers_page_not_the_form(world, alice):
    # The form offers only ended months: opened on this month it showed last month instead.
    this_month = first_of_month(timezone.localdate())
    WorkforceReturn.objects.filter(provider=world.a1, month=this_month).delete()
    day = return_due_on(this_month)
    entries = calendar_entries(user=alice, first=day, last=day)
    urls = {entry.url for entry in entries if entry.kind == "Return due"}
    assert urls == {reverse("workforce:provider", kwargs={"ods_code": world.a1.ods_code})}


def test_the_link_opens_the_form_on_that_provider_and_month(client, world, alice):
    client.force_login(alice)
    url = reverse("workforce:return-create")
    fields = client.get(url).context["form"].fields
    # A month the form offers other than its default (last month), so the link is what chose it.
    asked = fields["month"].choices[-1][0]
    assert asked != fields["month"].initial
    form = client.get(url, {"provider": world.a1.pk, "month": asked[:7]}).context["form"]
    assert (form["provider"].value(), form["month"].value()) == (world.a1.pk, asked)
    assert client.get(url, {"month": "March"}).status_code == 400


def test_the_calendar_asks_a_fixed_number_of_queries_for_the_returns(world, django_assert_max_num_queries):
    officer = world.personas[f"lmns:{Role.LMNS_OFFICER}"]
    with django_assert_max_num_queries(3):
        assert len(return_entries(user=officer, first=return_due_on(MONTH), last=date(2026, 8, 31))) == 10
