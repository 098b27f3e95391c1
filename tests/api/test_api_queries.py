"""Every list endpoint runs a fixed number of queries, however many records it lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.services import assessment_start
from incidents.models import Theme
from lmns.models import Role
from lmns.months import add_months
from tests.api.conftest import client_with_token
from tests.api.test_api_scope import LIST_ROUTES
from tests.factories import (
    make_action,
    make_framework,
    make_incident,
    make_learning,
    make_meeting,
    make_unit,
    make_user,
    make_workforce_return,
)

pytestmark = pytest.mark.django_db

# The token, the page's count, the page, and each list's prefetches ("last used" is written
# at most once a minute, so not here).
MAX_QUERIES = {
    "api:incident-list": 4,  # and the referrals with their bodies
    "api:learning-list": 5,
    "api:safety-action-list": 3,
    "api:ssig-meeting-list": 5,
    "api:framework-list": 3,
    "api:assessment-list": 3,
    "api:assessment-item-list": 3,
    # The returns, their training, and each site's perinatal figures with the site (one prefetch).
    "api:workforce-return-list": 5,
    "api:incident-type-list": 3,
    "api:theme-list": 3,
    "api:unit-list": 3,
}


def _more_records(world, owner):
    """Several more records of every kind, each with its own links."""
    themes = list(Theme.objects.order_by("pk")[:3])
    for n in range(4):
        incident = make_incident(
            world.a1, pmrt_referred_on=timezone.localdate(), coroner_referred_on=timezone.localdate()
        )
        make_learning(world.a1, themes=themes, incidents=[incident])
        make_action(world.a1, owner=owner, incident=incident)
        make_meeting(world.lmns_a, meeting_on=timezone.localdate().replace(day=1).replace(year=2030 + n))
        assessment_start(provider=world.a1, framework=make_framework(), by=owner)
        make_workforce_return(world.a1, month=add_months(timezone.localdate().replace(day=1), -1 - n))
        make_unit(world.a1)


def test_every_list_route_has_a_bound():
    assert set(MAX_QUERIES) == set(LIST_ROUTES)


@pytest.mark.parametrize("name", LIST_ROUTES)
def test_lists_run_a_fixed_number_of_queries(world, name, django_assert_max_num_queries):
    lead = world.personas[f"provider:{Role.PROVIDER_LEAD}"]
    client = client_with_token(lead)
    url = reverse(name)
    client.get(url)  # "last used" is now recent: later requests need not write it
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more_records(world, owner=make_user("owner", role=Role.PROVIDER_LEAD, provider=world.a1))
    with django_assert_max_num_queries(MAX_QUERIES[name]) as many:
        response = client.get(url, {"page_size": 100})
    assert response.json()["count"] > 1
    assert len(many) == len(few)
