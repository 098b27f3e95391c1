"""The Saving Babies' Lives pages: what each role sees and does, hostile answers, and query counts."""

from datetime import date

import pytest
from django.urls import reverse

from assurance.sbl import services
from assurance.sbl.models import Implementation, SblAnswer, SblAssessment, SblIntervention, SblState
from lmns.models import Role
from quality.work import work_for
from tests.assurance.sbl.records import answer_all, make_sbl_assessment
from tests.assurance.sbl.test_sbl import _sa6_item

pytestmark = pytest.mark.django_db

NHS_NUMBER = "943 476 5919"  # NHS Digital's published test number


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


def _element_post(assessment, number, implementation=Implementation.FULLY, **notes):
    data = {}
    for answer in assessment.answers.filter(intervention__element__number=number):
        data[f"answer-{answer.pk}-implementation"] = implementation
        data[f"answer-{answer.pk}-note"] = notes.get(answer.intervention.code, "")
    return data


def test_the_lmns_sees_every_quarter_of_its_providers_in_one_table(client, world, alice, officer):
    make_sbl_assessment(world.a1, by=alice)
    make_sbl_assessment(world.a2, by=alice)
    make_sbl_assessment(world.b1, by=world.personas["superuser"])
    client.force_login(officer)

    page = client.get(reverse("assurance:sbl")).content.decode()

    assert world.a1.name in page and world.a2.name in page
    assert world.b1.name not in page
    assert "Wording not checked against the published care bundle" in page
    assert "Fetal monitoring in labour" in page


def test_a_provider_sees_only_its_own_quarters(client, world, alice, bob):
    make_sbl_assessment(world.a1, by=alice)
    make_sbl_assessment(world.a2, by=alice)
    client.force_login(bob)
    page = client.get(reverse("assurance:sbl")).content.decode()
    assert world.a1.name in page and world.a2.name not in page


def test_list_pages_run_a_fixed_number_of_queries(
    client, world, alice, officer, django_assert_max_num_queries
):
    for year in (2024, 2025):
        for month in (4, 7, 10):
            for provider in (world.a1, world.a2):
                assessment = make_sbl_assessment(provider, by=alice, quarter_start=date(year, month, 1))
                answer_all(assessment, by=alice)
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("assurance:sbl")).status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assurance:sbl-provider", kwargs={"ods_code": world.a1.ods_code}))
    assert response.status_code == 200
    assert response.content.decode().count("100%") >= 6
    # A quarter's page, with every element's answers and their evidence.
    assessment = SblAssessment.objects.filter(provider=world.a1).first()
    with django_assert_max_num_queries(14):
        assert client.get(assessment.get_absolute_url()).status_code == 200


def test_the_quarter_page_shows_percentages_with_counts(client, world, alice):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(
        assessment,
        by=alice,
        overrides={"3.1": Implementation.NOT_APPLICABLE, "3.2": Implementation.PARTIALLY},
    )
    client.force_login(alice)
    page = client.get(assessment.get_absolute_url()).content.decode()
    total = SblIntervention.objects.count()
    assert f"{total - 2} of {total - 1} applicable" in page
    assert "0 of 1 applicable" in page  # element 3
    assert "Submit to the LMNS for validation" in page


def test_starting_a_quarter_from_the_page(client, world, alice):
    client.force_login(alice)
    form = client.get(reverse("assurance:sbl-start")).context["form"]
    assert list(form.fields["provider"].queryset) == [world.a1]
    response = client.post(
        reverse("assurance:sbl-start"), {"provider": world.a1.pk, "quarter_start": "2025-07-01"}
    )
    assessment = SblAssessment.objects.get(provider=world.a1)
    assert response.url == assessment.get_absolute_url()
    # The same quarter again is refused beside the field, and nothing is added.
    response = client.post(
        reverse("assurance:sbl-start"), {"provider": world.a1.pk, "quarter_start": "2025-07-01"}
    )
    assert response.status_code == 200 and "already has an assessment" in response.content.decode()
    # Another provider, or a day that is not offered, is not a valid choice.
    for data in (
        {"provider": world.b1.pk, "quarter_start": "2025-07-01"},
        {"provider": world.a1.pk, "quarter_start": "2025-08-01"},
    ):
        assert client.post(reverse("assurance:sbl-start"), data).status_code == 200
    assert SblAssessment.objects.count() == 1


def test_answering_an_element(client, world, bob):
    assessment = make_sbl_assessment(world.a1, by=bob)
    evidence = world.record("evidence", world.a1)
    url = reverse("assurance:sbl-element-edit", kwargs={"pk": assessment.pk, "number": 3})
    client.force_login(bob)
    page = client.get(url).content.decode()
    assert "Wording not checked" in page and evidence.description in page

    data = _element_post(assessment, 3, **{"3.1": "Leaflet given at 20 weeks."})
    first = assessment.answers.get(intervention__code="3.1")
    data[f"answer-{first.pk}-evidence"] = [evidence.pk]
    response = client.post(url, data)

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.implementation == Implementation.FULLY and first.note == "Leaflet given at 20 weeks."
    assert list(first.evidence.all()) == [evidence]
    assert first.updated_by == bob


def test_a_hostile_element_post_saves_nothing(client, world, bob):
    assessment = make_sbl_assessment(world.a1, by=bob)
    url = reverse("assurance:sbl-element-edit", kwargs={"pk": assessment.pk, "number": 3})
    client.force_login(bob)
    theirs = world.record("evidence", world.a2)
    good = _element_post(assessment, 3)
    first, second = assessment.answers.filter(intervention__element__number=3).order_by("intervention__code")
    for bad in (
        {f"answer-{second.pk}-implementation": "perfectly"},
        {f"answer-{second.pk}-note": f"Woman {NHS_NUMBER} declined."},
        {f"answer-{second.pk}-evidence": [theirs.pk]},
        {f"answer-{second.pk}-evidence": ["99999999999999999999"]},
        {f"answer-{first.pk}-implementation": Implementation.NOT_ANSWERED},
    ):
        response = client.post(url, {**good, **bad})
        assert response.status_code == 200, bad
        assert "There is a problem" in response.content.decode(), bad
    assert set(assessment.answers.values_list("implementation", flat=True)) == {Implementation.NOT_ANSWERED}
    assert SblAnswer.history.filter(history_type="~").count() == 0
    # An element that does not exist is not found.
    missing = reverse("assurance:sbl-element-edit", kwargs={"pk": assessment.pk, "number": 99})
    assert client.get(missing).status_code == 404


def test_the_two_keys_through_the_pages(client, world, alice, officer):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(assessment, by=alice)
    client.force_login(alice)
    client.post(reverse("assurance:sbl-submit", kwargs={"pk": assessment.pk}))
    assessment.refresh_from_db()
    assert assessment.state == SblState.AWAITING
    # Answers are locked while the LMNS has the quarter.
    edit = reverse("assurance:sbl-element-edit", kwargs={"pk": assessment.pk, "number": 1})
    assert client.post(edit, _element_post(assessment, 1, Implementation.PARTIALLY)).status_code == 302
    assert not assessment.answers.filter(implementation=Implementation.PARTIALLY).exists()

    client.force_login(officer)
    page = client.get(assessment.get_absolute_url())
    assert page.context["validate_form"] is not None
    validate = reverse("assurance:sbl-validate", kwargs={"pk": assessment.pk})
    client.post(validate, {"decision": "challenge", "comment": ""})
    assessment.refresh_from_db()
    assert assessment.state == SblState.AWAITING
    client.post(validate, {"decision": "accept"})
    assessment.refresh_from_db()
    assert assessment.state == SblState.VALIDATED and assessment.validated_by == officer


def test_citing_a_validated_quarter_from_its_page(client, world, alice, bob, officer):
    item = _sa6_item(world.a1, alice)
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(assessment, by=alice)
    services.sbl_assessment_submit(assessment=assessment, by=alice)
    services.sbl_assessment_validate(assessment=assessment, by=officer, accept=True)
    client.force_login(bob)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Evidence for MIS safety action 6" in page and item.requirement.title in page

    cite = reverse("assurance:sbl-cite", kwargs={"pk": assessment.pk})
    assert client.post(cite, {"items": ["99999999999999999999"]}).status_code == 302
    assert not item.evidence.exists()
    client.post(cite, {"items": [item.pk]})
    evidence = item.evidence.get()
    assert evidence.url.endswith(assessment.get_absolute_url())
    # The requirement's page now lists the quarter among its evidence.
    assert (
        "Saving Babies&#39; Lives v3 self-assessment" in client.get(item.get_absolute_url()).content.decode()
    )


def test_the_care_bundle_is_the_deployment_administrators_to_correct(client, world):
    intervention = SblIntervention.objects.get(code="1.1")
    change = reverse("admin:assurance_sblintervention_change", args=[intervention.pk])
    client.force_login(world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"])
    assert client.get(reverse("admin:assurance_sblintervention_changelist")).status_code == 200
    client.raise_request_exception = False
    assert client.post(change, {"text": "Changed by a safety lead"}).status_code == 403
    intervention.refresh_from_db()
    assert intervention.text != "Changed by a safety lead"

    client.force_login(world.personas["superuser"])
    response = client.post(
        change,
        {
            "element": intervention.element_id,
            "code": "1.1",
            "text": "Checked against the published bundle.",
            "order": 1,
            "is_active": "on",
            "wording_checked": "on",
            "source": "SBL v3, checked",
        },
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (
        intervention.wording_checked
        and intervention.history.latest().history_user == world.personas["superuser"]
    )


def test_lmns_officers_are_told_of_quarters_awaiting_validation(client, world, alice, officer):
    assessment = make_sbl_assessment(world.a1, by=alice)
    answer_all(assessment, by=alice)
    services.sbl_assessment_submit(assessment=assessment, by=alice)
    other = make_sbl_assessment(world.b1, by=world.personas["superuser"])
    answer_all(other, by=world.personas["superuser"])
    services.sbl_assessment_submit(assessment=other, by=world.personas["superuser"])
    client.force_login(officer)
    page = " ".join(client.get(reverse("home")).content.decode().split())
    # The home page is a Jinja template: it escapes an apostrophe as &#39; where Django wrote &#x27;.
    assert "Saving Babies&#39; Lives quarters awaiting your validation" in page
    # Only the LMNS's own providers' quarters are counted.
    items = [item for role in work_for(officer) for item in role.items if "Saving Babies" in item.label]
    assert [item.count for item in items] == [1]
    client.force_login(alice)
    assert "awaiting your validation" not in client.get(reverse("home")).content.decode()


def test_the_history_page_lists_the_quarters_changes_and_its_answers(
    client, world, alice, bob, officer, django_assert_max_num_queries
):
    assessment = make_sbl_assessment(world.a1, by=bob)
    answer_all(assessment, by=bob)
    answer = assessment.answers.get(intervention__code="1.2")
    services.sbl_answers_update(
        assessment=assessment,
        by=alice,
        answers={answer.pk: {"implementation": Implementation.PARTIALLY, "note": "Audit: 80%."}},
    )
    services.sbl_assessment_submit(assessment=assessment, by=alice)
    services.sbl_assessment_validate(
        assessment=assessment, by=officer, accept=False, comment="Show the audit."
    )
    client.force_login(officer)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("assurance:sbl-history", kwargs={"pk": assessment.pk}))
    page = " ".join(response.content.decode().split())
    assert "Show the audit." in page
    assert "Intervention 1.2: changed by" in page
    assert "Partially implemented" in page and "Audit: 80%." in page
    # Creating the quarter's answers is not listed once per intervention.
    assert "Intervention 1.1: created" not in page


def test_the_warning_about_unchecked_wording_goes_once_every_intervention_is_checked(client, world, bob):
    client.force_login(bob)
    total = SblIntervention.objects.count()
    page = client.get(reverse("assurance:sbl")).content.decode()
    assert f"{total} of the {total} interventions asked have not been checked" in page
    SblIntervention.objects.update(wording_checked=True)
    assert "not checked" not in client.get(reverse("assurance:sbl")).content.decode()
