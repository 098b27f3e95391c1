"""A visit template's kept source document, and a published template corrected as a revision."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assurance.models import FrameworkStatus, VisitTemplate
from assurance.visits import template_services as services
from lmns.models import Role
from tests.assurance.test_authoring import PDF
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
def published(lmns):
    template = make_visit_template(slug="local-cqc", lmns=lmns)
    line = template.sections.first().lines.first()
    line.wording_checked = True
    line.save()
    return template


def _draft(lmns, slug="local-draft"):
    return make_visit_template(slug=slug, lmns=lmns, status=FrameworkStatus.DRAFT)


# --- The source document -----------------------------------------------------------------------


def test_the_source_document_is_kept_on_a_draft_and_downloaded_from_the_template_page(client, lmns, officer):
    draft = _draft(lmns)
    client.force_login(officer)

    response = client.post(
        reverse("assurance:visit-template-source", kwargs={"slug": draft.slug}),
        {"source_document": SimpleUploadedFile("cqc-framework.pdf", PDF)},
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.source_document_name == "cqc-framework.pdf"
    # Stored under an opaque name, never the uploaded one.
    assert "cqc-framework" not in draft.source_document.name
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Download the kept copy" in page and "cqc-framework.pdf" in page
    download = client.get(reverse("assurance:visit-template-source-download", kwargs={"slug": draft.slug}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "cqc-framework.pdf" in download["Content-Disposition"]


def test_a_file_that_is_not_a_document_is_refused_beside_the_field_and_nothing_is_kept(client, lmns, officer):
    draft = _draft(lmns)
    client.force_login(officer)

    response = client.post(
        reverse("assurance:visit-template-source", kwargs={"slug": draft.slug}),
        {"source_document": SimpleUploadedFile("framework.pdf", b"MZ\x90\x00 not a pdf at all")},
    )

    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.source_document and draft.source_document_name == ""


def test_a_published_templates_source_document_is_not_replaced(published, officer):
    with pytest.raises(ValidationError):
        services.visit_template_attach_source(
            template=published, by=officer, file=SimpleUploadedFile("later.pdf", PDF)
        )


def test_no_kept_document_is_a_404(client, published, officer):
    client.force_login(officer)
    url = reverse("assurance:visit-template-source-download", kwargs={"slug": published.slug})
    assert client.get(url).status_code == 404


# --- Corrections as revisions ------------------------------------------------------------------


def test_a_revision_keeps_the_checks_and_document_and_replaces_the_published_one_when_approved(
    lmns, officer, safety_lead, published
):
    published.source_title = "CQC assessment framework"
    published.save()
    # A draft's document kept, then published, is carried into a revision of it.
    VisitTemplate.objects.filter(pk=published.pk).update(status=FrameworkStatus.DRAFT)
    published.refresh_from_db()
    services.visit_template_attach_source(
        template=published, by=officer, file=SimpleUploadedFile("g.pdf", PDF)
    )
    VisitTemplate.objects.filter(pk=published.pk).update(status=FrameworkStatus.PUBLISHED)
    published.refresh_from_db()

    revision = services.visit_template_copy(
        source=published,
        by=officer,
        name=published.name,
        version="1, revised",
        lmns=lmns,
        change_note="S1 asked about triage in the wrong words.",
        revision=True,
    )

    assert revision.revises == published and revision.previous_id == published.previous_id
    assert revision.source_document.name == published.source_document.name
    assert revision.source_title == "CQC assessment framework"
    checked = {line.code: line.wording_checked for s in revision.sections.all() for line in s.lines.all()}
    assert checked == {"S1": True, "W1": False}
    services.visit_template_prepare(template=revision, by=officer)
    services.visit_template_publish(template=revision, by=safety_lead)
    published.refresh_from_db()
    assert published.status == FrameworkStatus.CLOSED and published.closed_at


def test_a_new_version_starts_unchecked_and_leaves_the_one_it_came_from_published(
    lmns, officer, safety_lead, published
):
    version = services.visit_template_copy(
        source=published, by=officer, name=published.name, version="2026 final", lmns=lmns
    )

    assert version.previous == published and version.revises is None
    assert not any(line.wording_checked for s in version.sections.all() for line in s.lines.all())
    services.visit_template_prepare(template=version, by=officer)
    services.visit_template_publish(template=version, by=safety_lead)
    published.refresh_from_db()
    assert published.status == FrameworkStatus.PUBLISHED


def test_a_revision_needs_a_change_note_and_a_published_template(lmns, officer, published):
    with pytest.raises(ValidationError, match="what the revision corrects"):
        services.visit_template_copy(
            source=published, by=officer, name="x", version="1, revised", lmns=lmns, revision=True
        )
    with pytest.raises(ValidationError, match="Only a published template"):
        services.visit_template_copy(
            source=_draft(lmns), by=officer, name="x", version="y", lmns=lmns, change_note="z", revision=True
        )


def test_an_officer_corrects_a_published_template_through_its_page(
    client, lmns, officer, published, django_assert_max_num_queries
):
    client.force_login(officer)
    with django_assert_max_num_queries(20):
        page = client.get(published.get_absolute_url()).content.decode()
    assert "Correct it (new revision)" in page
    url = reverse("assurance:visit-template-revise", kwargs={"slug": published.slug})

    refused = client.post(url, {"change_note": ""})
    assert refused.status_code == 200 and "nhsuk-error-summary" in refused.content.decode()
    response = client.post(url, {"change_note": "W1 named the wrong role."})

    revision = VisitTemplate.objects.get(revises=published)
    assert response.status_code == 302 and response["Location"] == revision.get_absolute_url()
    assert revision.is_draft and revision.change_note == "W1 named the wrong role."
    page = client.get(revision.get_absolute_url()).content.decode()
    assert "Corrects" in page and "W1 named the wrong role." in page


def test_a_draft_is_not_revised_and_a_provider_cannot_revise(client, lmns, published):
    provider_lead = make_user("plead", role=Role.PROVIDER_LEAD, provider=make_provider(lmns))
    client.force_login(provider_lead)
    assert (
        client.get(reverse("assurance:visit-template-revise", kwargs={"slug": published.slug})).status_code
        == 403
    )
    client.force_login(make_user("officer2", role=Role.LMNS_OFFICER, lmns=lmns))
    draft = _draft(lmns)
    assert (
        client.get(reverse("assurance:visit-template-revise", kwargs={"slug": draft.slug})).status_code == 404
    )


# --- The template's History page ---------------------------------------------------------------


def test_the_history_page_shows_section_and_line_changes_at_a_fixed_query_cost(
    client, lmns, officer, django_assert_max_num_queries
):
    draft = _draft(lmns)
    section = draft.sections.get(code="safe")
    services.section_save(template=draft, by=officer, section=section, code="safe", title="Safe care")
    line = section.lines.get(code="S1")
    services.line_save(
        section=section, by=officer, line=line, code="S1", prompt="Is triage within 15 minutes?", guidance=""
    )
    services.line_save(section=section, by=officer, code="S2", prompt="Is the CTG reviewed hourly?")
    client.force_login(officer)
    url = reverse("assurance:visit-template-history", kwargs={"slug": draft.slug})

    with django_assert_max_num_queries(15):
        page = client.get(url).content.decode()

    assert "Section Safe care: changed by" in page
    assert "Is triage timely?" in page and "Is triage within 15 minutes?" in page
    assert "Line of enquiry S2 (Safe care): created by" in page
    for n in range(5):
        services.line_save(section=section, by=officer, code=f"X{n}", prompt="More?")
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


def test_a_provider_does_not_see_a_drafts_history(client, lmns):
    draft = _draft(lmns)
    client.force_login(make_user("plead", role=Role.PROVIDER_LEAD, provider=make_provider(lmns)))
    assert (
        client.get(reverse("assurance:visit-template-history", kwargs={"slug": draft.slug})).status_code
        == 404
    )
