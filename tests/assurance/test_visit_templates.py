"""Visit templates: the shipped data files, authoring them in the product, and who sees what."""

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assurance.frameworks import FrameworkFileError
from assurance.models import FrameworkStatus, VisitTemplate, VisitTemplateLine
from assurance.visits import template_services as services
from assurance.visits.models import Visit
from assurance.visits.template_files import VISIT_TEMPLATES_DIR, load_template_files
from lmns.models import Role
from tests.assurance.visit_template_records import make_visit_template
from tests.factories import make_lmns, make_provider, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def lmns():
    return make_lmns()


@pytest.fixture
def officer(lmns):
    return make_user("officer", role=Role.LMNS_OFFICER, lmns=lmns)


@pytest.fixture
def safety_lead(lmns):
    return make_user("safety", role=Role.LMNS_SAFETY_LEAD, lmns=lmns)


@pytest.fixture
def provider_lead(lmns):
    return make_user("plead", role=Role.PROVIDER_LEAD, provider=make_provider(lmns))


@pytest.fixture
def loaded():
    return {template.slug: template for template, _ in load_template_files()}


# --- The shipped files -------------------------------------------------------------------------


def test_the_cqc_template_ships_published_and_the_self_assessment_as_a_draft(loaded):
    cqc, msat = loaded["cqc-five-key-questions"], loaded["nhse-maternity-self-assessment"]
    assert cqc.status == FrameworkStatus.PUBLISHED and cqc.lmns is None
    assert [s.title for s in cqc.sections.all()] == ["Safe", "Effective", "Caring", "Responsive", "Well-led"]
    assert "final hospitals framework" in cqc.revise_note
    assert msat.status == FrameworkStatus.DRAFT
    assert [s.title for s in msat.sections.all()] == [
        "Leadership",
        "Patient voice",
        "Staff engagement",
        "Governance",
        "Active quality improvement approach",
        "Safety culture",
    ]
    # No line's wording was compared with a source: every one says so.
    assert not VisitTemplateLine.objects.filter(wording_checked=True).exists()
    assert VisitTemplateLine.objects.filter(section__template=cqc).count() == 17


def test_loading_twice_changes_nothing(loaded):
    stamps = dict(VisitTemplate.objects.values_list("slug", "loaded_at"))
    lines = list(VisitTemplateLine.objects.values_list("pk", flat=True))
    out = StringIO()
    call_command("load_visit_templates", stdout=out)
    assert out.getvalue().splitlines() == [
        "Visit template CQC five key questions (2026): 5 sections, unchanged",
        "Visit template NHS England maternity self-assessment tool (2020): 6 sections, unchanged",
    ]
    assert dict(VisitTemplate.objects.values_list("slug", "loaded_at")) == stamps
    assert list(VisitTemplateLine.objects.values_list("pk", flat=True)) == lines


def test_a_published_template_is_never_changed_by_its_file(loaded, tmp_path):
    copy = tmp_path / "cqc-five-key-questions.yaml"
    text = (VISIT_TEMPLATES_DIR / copy.name).read_text()
    copy.write_text(text.replace("Is emergency equipment checked", "Is equipment checked"))
    with pytest.raises(
        FrameworkFileError, match=r"cqc-five-key-questions.yaml:\d+: .* is published and is never edited"
    ):
        load_template_files([copy])
    assert VisitTemplateLine.objects.filter(prompt__startswith="Is emergency equipment checked").exists()


def test_a_draft_template_follows_its_file(loaded, tmp_path):
    copy = tmp_path / "nhse-maternity-self-assessment.yaml"
    text = (VISIT_TEMPLATES_DIR / copy.name).read_text()
    copy.write_text(text.replace("title: Governance", "title: Governance and risk"))
    ((template, status),) = load_template_files([copy])
    assert status == "updated"
    assert template.sections.get(code="governance").title == "Governance and risk"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("code: L2", "code: L1"), r":\d+: duplicate line 'L1' \(first on line \d+\)"),
        (("    title: Leadership\n", "    titel: Leadership\n"), r":\d+: unknown key 'titel'"),
        (("status: draft", "status: live"), r":\d+: status 'live' must be one of"),
    ],
)
def test_a_broken_file_names_its_line_and_loads_nothing(tmp_path, change, message):
    copy = tmp_path / "nhse-maternity-self-assessment.yaml"
    copy.write_text((VISIT_TEMPLATES_DIR / copy.name).read_text().replace(*change, 1))
    with pytest.raises(FrameworkFileError, match=message):
        load_template_files([copy])
    assert not VisitTemplate.objects.exists()


def test_load_frameworks_loads_the_visit_templates_too():
    call_command("load_frameworks", stdout=StringIO())
    assert set(VisitTemplate.objects.values_list("slug", flat=True)) == {
        "cqc-five-key-questions",
        "nhse-maternity-self-assessment",
    }


def test_the_command_reports_a_broken_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("slug: broken\nname: [\n")
    with pytest.raises(CommandError, match=r"broken\.yaml:"):
        call_command("load_visit_templates", str(broken), stdout=StringIO())


# --- Authoring: new version, edit, two keys ----------------------------------------------------


def test_an_officer_makes_a_local_version_and_a_safety_lead_publishes_it(loaded, lmns, officer, safety_lead):
    source = loaded["nhse-maternity-self-assessment"]
    draft = services.visit_template_copy(
        source=source, by=officer, name="Our six elements", version="2026", lmns=lmns
    )
    assert draft.previous == source and draft.is_draft
    assert [s.code for s in draft.sections.all()] == [s.code for s in source.sections.all()]
    section = draft.sections.get(code="governance")
    line = services.line_save(section=section, by=officer, code="G3", prompt="Is the risk register current?")
    services.line_save(
        section=section, by=officer, line=line, code="G3", prompt="Is it current?", wording_checked=True
    )
    services.line_retire(line=section.lines.get(code="G1"), by=officer)
    services.template_item_move(item=draft.sections.get(code="safety_culture"), by=officer, up=True)
    assert [ln.code for ln in section.lines.order_by("order")] == ["G2", "G3"]
    assert list(draft.sections.order_by("order").values_list("code", flat=True))[-2:] == [
        "safety_culture",
        "quality_improvement",
    ]
    services.visit_template_prepare(template=draft, by=officer)
    with pytest.raises(ValidationError, match="different person"):
        services.visit_template_publish(template=draft, by=officer)
    # Another officer is not a second key either: approving is a safety lead's.
    with pytest.raises(PermissionDenied):
        services.visit_template_publish(
            template=draft, by=make_user("officer2", role=Role.LMNS_OFFICER, lmns=lmns)
        )
    services.visit_template_publish(template=draft, by=safety_lead)
    draft.refresh_from_db()
    assert draft.is_published and draft.approved_by == safety_lead
    # Published: never edited in place.
    with pytest.raises(ValidationError, match="cannot be edited"):
        services.line_save(section=section, by=officer, code="G4", prompt="Late addition?")


def test_the_person_who_prepared_it_cannot_approve_it(lmns, safety_lead):
    draft = make_visit_template(lmns=lmns, status="draft")
    services.visit_template_prepare(template=draft, by=safety_lead)
    with pytest.raises(ValidationError, match="different person"):
        services.visit_template_publish(template=draft, by=safety_lead)


def test_a_section_without_lines_cannot_be_prepared(lmns, officer):
    draft = make_visit_template(lmns=lmns, status="draft")
    services.section_save(template=draft, by=officer, code="extra", title="Extra")
    with pytest.raises(ValidationError, match="Extra has none"):
        services.visit_template_prepare(template=draft, by=officer)


def test_a_duplicate_line_code_is_refused(lmns, officer):
    draft = make_visit_template(lmns=lmns, status="draft")
    with pytest.raises(ValidationError, match="coded S1"):
        services.line_save(
            section=draft.sections.get(code="well_led"), by=officer, code="S1", prompt="Again?"
        )


def test_only_the_deployment_administrator_writes_a_deployment_wide_template(officer, safety_lead):
    national = make_visit_template(status="draft")
    for person in (officer, safety_lead):
        with pytest.raises(PermissionDenied):
            services.section_save(template=national, by=person, code="x", title="X")
    with pytest.raises(PermissionDenied):
        services.visit_template_copy(source=national, by=officer, name="Copy", version="2")


def test_a_closed_template_is_no_longer_offered(lmns, safety_lead):
    template = make_visit_template(lmns=lmns)
    services.visit_template_close(template=template, by=safety_lead)
    assert not VisitTemplate.objects.visible_to(safety_lead).published().exists()


# --- Pages and who sees them -------------------------------------------------------------------


def test_a_provider_never_sees_a_draft(client, loaded, provider_lead, django_assert_max_num_queries):
    client.force_login(provider_lead)
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("assurance:visit-template-list"))
    assert "CQC five key questions" in listing.content.decode()
    assert "self-assessment" not in listing.content.decode()
    draft = reverse("assurance:visit-template-detail", kwargs={"slug": "nhse-maternity-self-assessment"})
    assert client.get(draft).status_code == 404


def test_the_template_page_shows_its_sections_and_what_is_unchecked(
    client, loaded, officer, django_assert_max_num_queries
):
    client.force_login(officer)
    url = reverse("assurance:visit-template-detail", kwargs={"slug": "cqc-five-key-questions"})
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert "To be revised" in page and "17 lines of enquiry have wording not yet checked" in page
    assert "Well-led" in page and "Start a new version from this one" in page


def test_an_officer_authors_a_local_template_through_the_pages(
    client, loaded, lmns, officer, safety_lead, provider_lead
):
    client.force_login(officer)
    response = client.post(
        reverse("assurance:visit-template-copy", kwargs={"slug": "cqc-five-key-questions"}),
        {"name": "Our CQC questions", "version": "2027", "lmns": lmns.pk, "change_note": "Local"},
    )
    draft = VisitTemplate.objects.get(name="Our CQC questions")
    assert response.url == draft.get_absolute_url() and draft.lmns == lmns
    section = draft.sections.get(code="safe")
    response = client.post(
        reverse("assurance:visit-template-line-add", kwargs={"pk": section.pk}),
        {"code": "S9", "prompt": "Are handovers recorded?", "guidance": "SBAR."},
    )
    assert response.status_code == 302
    assert section.lines.get(code="S9").prompt == "Are handovers recorded?"
    line = section.lines.get(code="S1")
    client.post(reverse("assurance:visit-template-line-change", kwargs={"pk": line.pk}), {"step": "retire"})
    assert not section.lines.filter(code="S1").exists()
    # A code already used is explained beside what was typed, and nothing is saved.
    refused = client.post(
        reverse("assurance:visit-template-line-add", kwargs={"pk": section.pk}),
        {"code": "S9", "prompt": "Typed again"},
    )
    assert "coded S9" in refused.content.decode() and "Typed again" in refused.content.decode()
    client.post(
        reverse("assurance:visit-template-transition", kwargs={"slug": draft.slug}), {"step": "prepare"}
    )
    client.force_login(safety_lead)
    client.post(
        reverse("assurance:visit-template-transition", kwargs={"slug": draft.slug}), {"step": "publish"}
    )
    draft.refresh_from_db()
    assert draft.is_published
    form = client.get(reverse("assurance:visit-create"))
    assert draft in form.context["form"].fields["template"].queryset


def test_a_provider_user_cannot_author(client, loaded, lmns, provider_lead):
    client.force_login(provider_lead)
    url = reverse("assurance:visit-template-copy", kwargs={"slug": "cqc-five-key-questions"})
    assert client.get(url).status_code == 403


def test_the_demo_plans_visits_with_the_cqc_template_and_the_lmnss_own_self_assessment(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    local = VisitTemplate.objects.get(lmns__isnull=False)
    assert local.is_published and local.prepared_by != local.approved_by
    assert local.previous.slug == "nhse-maternity-self-assessment"
    used = {
        visit.provider.ods_code: visit.template.slug for visit in Visit.objects.select_related("template")
    }
    assert used["ZZA"] == used["ZZB"] == "cqc-five-key-questions"
    assert used["ZZC"] == local.slug
