"""History names a visit record's section by its template's title, not its stored code."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance.visits import services
from assurance.visits.models import KeyLineOfEnquiry, VisitStatus
from lmns.history import record_history
from lmns.models import Role
from tests.assurance.visit_template_records import make_visit_template
from tests.factories import make_finding, make_lmns, make_provider, make_user, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    provider = make_provider(make_lmns())
    officer = make_user("officer", role=Role.LMNS_OFFICER, lmns=provider.lmns)
    return make_visit(
        provider,
        created_by=officer,
        template=make_visit_template(),
        visit_on=timezone.localdate() - timedelta(days=1),
        status=VisitStatus.VISITED,
    )


def _fields(change):
    return {field.label: (field.old, field.new) for field in change.fields}


def test_a_findings_change_of_section_shows_both_titles(visit):
    finding = make_finding(visit, domain="safe")
    services.finding_update(finding=finding, by=visit.created_by, domain="well_led")

    changed, created = record_history(finding).object_list

    assert _fields(changed)["Section"] == ("Safe", "Well-led")
    assert _fields(created)["Section"] == ("", "Safe")


def test_staff_feedback_keeps_history_with_its_section_by_title(visit):
    item = services.staff_feedback_record(
        visit=visit,
        by=visit.created_by,
        staff_group="midwife",
        domain="well_led",
        feedback="Leaders walk round.",
    )

    (created,) = record_history(item).object_list

    assert _fields(created)["Section"] == ("", "Well-led")


def test_a_line_of_enquiry_names_its_section_by_title_and_leaves_other_fields_alone(visit):
    line = KeyLineOfEnquiry(visit=visit, domain="safe", text="Is triage timely?")
    assert line.history_display("domain", "safe") == "Safe"
    assert line.history_display("text", "safe") is None


def test_a_code_the_template_no_longer_has_is_shown_as_stored(visit):
    finding = make_finding(visit, domain="retired")
    (created,) = record_history(finding).object_list
    assert _fields(created)["Section"] == ("", "retired")


def test_labels_cost_no_query_per_change(visit):
    finding = make_finding(visit, domain="safe")
    services.finding_update(finding=finding, by=visit.created_by, domain="well_led")

    def queries():
        fresh = type(finding).objects.get(pk=finding.pk)
        with CaptureQueriesContext(connection) as captured:
            record_history(fresh)
        return len(captured)

    two = queries()
    for n in range(6):
        services.finding_update(finding=finding, by=visit.created_by, domain="safe" if n % 2 else "well_led")
    assert queries() == two
