"""Maturity models (loaded from a file, authored as drafts, published with two keys) and rounds
(scored, submitted, compared with the last), through their services and pages."""

import dataclasses
import io
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from assurance.frameworks import FrameworkFileError
from assurance.maturity import exports, selectors, services
from assurance.maturity.files import DomainData, load_model, parse_model_file
from assurance.maturity.models import MaturityDescriptor, MaturityModel, MaturityRound, RoundState
from assurance.models import FrameworkStatus
from lmns.models import Role
from tests.assurance.maturity.records import LLS_FILE, make_model, score_all
from tests.factories import make_user
from tests.printing import assert_prints_readably

pytestmark = pytest.mark.django_db

EARLIER = {"purpose": 2, "learning": 2, "measurement": 1, "culture": 3, "leadership": 2, "voice": 1}
LATER = {"purpose": 3, "learning": 3, "measurement": 2, "culture": 2, "leadership": 2, "voice": 2}
NHS_NUMBER = "943 476 5919"  # a valid check digit: the guard refuses it outright


@pytest.fixture
def officer(world):
    return world.personas[f"lmns:{Role.LMNS_OFFICER}"]


@pytest.fixture
def safety_lead(world):
    return world.personas[f"lmns:{Role.LMNS_SAFETY_LEAD}"]


def _lmns_rounds(model, by, lead):
    """The LMNS's own rounds of ``model``: one submitted in January, one in progress in June."""
    first = services.maturity_round_start(model=model, provider=None, assessed_on=date(2026, 1, 10), by=by)
    score_all(first, by=by, levels=EARLIER)
    services.maturity_round_submit(round=first, by=lead)
    second = services.maturity_round_start(model=model, provider=None, assessed_on=date(2026, 6, 10), by=by)
    score_all(second, by=by, levels=LATER, note="Agreed at the LLS meeting.")
    return first, second


# --- The file ------------------------------------------------------------------------------------


def test_the_shipped_file_loads_as_an_unchecked_draft_once_per_lmns(world):
    call_command("load_maturity_models", stdout=io.StringIO())
    models = MaturityModel.objects.filter(slug="lls-maturity")
    assert {model.lmns for model in models} == {world.lmns_a, world.lmns_b}
    model = models.get(lmns=world.lmns_a)
    assert model.status == FrameworkStatus.DRAFT and not model.wording_checked
    assert "NOT CHECKED" in model.source_note
    assert (model.domains.count(), model.levels.count()) == (6, 5)
    assert MaturityDescriptor.objects.filter(domain__model=model).count() == 30
    # Loading again keeps what the LMNS corrected.
    model.domains.filter(code="voice").update(name="Corrected")
    call_command("load_maturity_models", "--lmns", world.lmns_a.code, stdout=io.StringIO())
    assert models.count() == 2
    assert model.domains.get(code="voice").name == "Corrected"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("      - Women and families co-lead improvement work across the system.\n", "needs one per level"),
        ("  - code: voice\n", "duplicate domain 'voice'"),
        ("slug: lls-maturity\n", "as the file name"),
    ],
)
def test_a_malformed_file_says_where_and_why(tmp_path, change, error):
    text = LLS_FILE.read_text()
    if change.startswith("slug"):
        text = text.replace(change, "slug: Not A Slug\n")
    elif "code" in change:
        text = text.replace("  - code: culture\n", change)
    else:
        text = text.replace(change, "")
    path = tmp_path / "lls-maturity.yaml"
    path.write_text(text)
    with pytest.raises(FrameworkFileError, match=rf"lls-maturity.yaml:\d+: .*{error}"):
        parse_model_file(path)


# --- Authoring: the safety lead edits a draft; a second person publishes -------------------------


def test_a_draft_is_published_with_two_keys(world, officer, safety_lead):
    model = make_model(world.lmns_a)
    with pytest.raises(PermissionDenied):
        services.maturity_model_prepare(model=model, by=officer)
    services.maturity_model_prepare(model=model, by=safety_lead)
    with pytest.raises(ValidationError, match="different person"):
        services.maturity_model_publish(model=model, by=safety_lead)
    with pytest.raises(PermissionDenied):
        services.maturity_model_publish(model=model, by=officer)
    second = make_user("second-lead", role=Role.LMNS_SAFETY_LEAD, lmns=world.lmns_a)
    services.maturity_model_publish(model=model, by=second)
    model.refresh_from_db()
    assert model.status == FrameworkStatus.PUBLISHED and model.approved_by == second
    with pytest.raises(ValidationError, match="cannot be edited"):
        services.maturity_model_update(model=model, by=safety_lead, domains={}, levels={}, descriptors={})


def test_the_safety_lead_corrects_the_wording_on_one_page_and_nothing_identifying_is_saved(
    client, world, safety_lead
):
    model = make_model(world.lmns_a)
    url = reverse("assurance:maturity-model-edit", kwargs={"pk": model.pk})
    client.force_login(safety_lead)
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["wording_checked"] = "on"
    cell = MaturityDescriptor.objects.filter(domain__model=model).order_by("pk").first()
    data[f"descriptor-{cell.pk}"] = f"Checked against patient {NHS_NUMBER}."
    response = client.post(url, data)
    assert response.status_code == 200
    assert "nothing that could identify a patient" in response.content.decode()
    cell.refresh_from_db()
    assert NHS_NUMBER not in cell.text
    data[f"descriptor-{cell.pk}"] = "Corrected against the published assessment."
    assert client.post(url, data).status_code == 302
    cell.refresh_from_db()
    model.refresh_from_db()
    assert cell.text == "Corrected against the published assessment." and model.wording_checked


# --- Rounds ----------------------------------------------------------------------------------------


def test_a_provider_scores_only_a_published_model_and_the_lmns_may_try_a_draft(world, alice, officer):
    draft = make_model(world.lmns_a)
    with pytest.raises(ValidationError, match="published model only"):
        services.maturity_round_start(model=draft, provider=world.a1, assessed_on=date(2026, 1, 1), by=alice)
    with pytest.raises(PermissionDenied):
        services.maturity_round_start(model=draft, provider=None, assessed_on=date(2026, 1, 1), by=alice)
    round_ = services.maturity_round_start(
        model=draft, provider=None, assessed_on=date(2026, 1, 1), by=officer
    )
    assert round_.scores.count() == 6
    with pytest.raises(ValidationError, match="already has a round"):
        services.maturity_round_start(model=draft, provider=None, assessed_on=date(2026, 1, 1), by=officer)
    with pytest.raises(ValidationError, match="not yet scored"):
        services.maturity_round_submit(round=round_, by=officer)


def test_rounds_are_seen_by_their_organisation_and_its_lmns_only(world, alice, officer):
    model = make_model(world.lmns_a, status=FrameworkStatus.PUBLISHED)
    a1 = services.maturity_round_start(model=model, provider=world.a1, assessed_on=date(2026, 1, 1), by=alice)
    own = services.maturity_round_start(model=model, provider=None, assessed_on=date(2026, 1, 1), by=officer)
    board = world.personas[f"lmns:{Role.BOARD_VIEWER}"]
    other_lmns_officer = make_user("b-officer", role=Role.LMNS_OFFICER, lmns=world.lmns_b)
    sibling = make_user("a2-lead", role=Role.PROVIDER_LEAD, provider=world.a2)

    def seen(user):
        return set(MaturityRound.objects.visible_to(user))

    assert seen(alice) == {a1}  # not the LMNS's own round
    assert seen(officer) == seen(board) == {a1, own}
    assert seen(sibling) == seen(other_lmns_officer) == set()
    # A round of a draft is seen only by those who check the draft.
    draft = make_model(world.lmns_a, version="draft 2")
    trial = services.maturity_round_start(
        model=draft, provider=None, assessed_on=date(2026, 2, 1), by=officer
    )
    assert trial in seen(officer) and trial not in seen(board)


def test_a_round_compares_with_the_last_submitted_one_by_domain(world, officer, safety_lead):
    model = make_model(world.lmns_a)
    first, second = _lmns_rounds(model, officer, safety_lead)
    comparison = selectors.round_comparison(second)
    assert comparison.previous == first
    changes = {row.score.domain.code: row.change for row in comparison.rows}
    assert changes == {
        "purpose": "up",
        "learning": "up",
        "measurement": "up",
        "culture": "down",
        "leadership": "same",
        "voice": "up",
    }
    assert (comparison.mean, comparison.previous_mean, comparison.overall_change) == (
        selectors.mean_level(list(LATER.values())),
        selectors.mean_level(list(EARLIER.values())),
        "up",
    )
    assert (comparison.ups, comparison.downs, comparison.sames) == (4, 1, 1)
    # The first round has nothing before it; a later version's round compares with the last
    # version's, domain by domain.
    assert selectors.round_comparison(first).previous is None
    services.maturity_round_submit(round=second, by=safety_lead)
    revised = make_model(world.lmns_a, version="draft 2")
    third = services.maturity_round_start(
        model=revised, provider=None, assessed_on=date(2026, 9, 1), by=officer
    )
    score_all(third, by=officer, levels={**LATER, "voice": 1})
    later = selectors.round_comparison(third)
    assert later.previous == second
    assert {row.score.domain.code: row.change for row in later.rows}["voice"] == "down"


def test_the_lmns_scores_a_round_in_the_browser_form_and_sees_the_change(
    client, world, officer, safety_lead, django_assert_max_num_queries
):
    model = make_model(world.lmns_a)
    first, second = _lmns_rounds(model, officer, safety_lead)
    client.force_login(officer)
    url = reverse("assurance:maturity-round-score", kwargs={"pk": second.pk})
    with django_assert_max_num_queries(14):
        page = client.get(url)
    forms = page.context["forms"]
    level_one = model.levels.get(number=1)
    data = {f"{form.prefix}-level": form["level"].value() for form in forms}
    culture = next(form for form in forms if form.score.domain.code == "culture")
    data[f"{culture.prefix}-level"] = level_one.pk
    data[f"{culture.prefix}-note"] = f"Debrief with {NHS_NUMBER}"
    response = client.post(url, data)
    assert (
        response.status_code == 200 and "nothing that could identify a patient" in response.content.decode()
    )
    data[f"{culture.prefix}-note"] = "No debriefs held this half-year."
    assert client.post(url, data).status_code == 302
    with django_assert_max_num_queries(14):
        page = client.get(second.get_absolute_url())
    body = page.content.decode()
    assert "No debriefs held this half-year." in body
    assert "Unpublished draft: wording not checked" in body
    assert page.context["comparison"].previous == first
    # Four domains up and the mean level up (13/6 from 11/6); culture down.
    # The design system's tag macro puts its text on a line of its own.
    tags = [len(re.findall(rf">\s*{word}\s*<", body)) for word in ("Up", "Down", "Same")]
    assert tuple(tags) == (5, 1, 1)
    assert "4 domains up, 1 down, 1 the same" in body


def test_the_index_and_model_pages_run_a_fixed_number_of_queries(
    client, world, alice, officer, safety_lead, django_assert_max_num_queries
):
    model = make_model(world.lmns_a)
    _lmns_rounds(model, officer, safety_lead)
    published = make_model(world.lmns_a, status=FrameworkStatus.PUBLISHED, version="1")
    for day in (1, 2, 3):
        services.maturity_round_start(
            model=published, provider=world.a1, assessed_on=date(2026, 3, day), by=alice
        )
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("assurance:maturity")).content.decode()
    assert body.count("Aardvark Hospitals NHS Trust") == 3
    with django_assert_max_num_queries(10):
        body = client.get(model.get_absolute_url()).content.decode()
    assert "Women and families co-lead improvement work across the system." in body


def _model_of(lmns, size: int) -> MaturityModel:
    """The shipped model cut or stretched to ``size`` domains, its descriptors reused."""
    data = parse_model_file(LLS_FILE)
    domains = tuple(
        DomainData(
            code=f"domain-{n}",
            name=f"Domain {n}",
            descriptors=data.domains[n % len(data.domains)].descriptors,
        )
        for n in range(size)
    )
    return load_model(dataclasses.replace(data, domains=domains, version=f"{size} domains"), lmns=lmns)[0]


@pytest.mark.parametrize("name", ["maturity-round", "maturity-round-score"])
def test_a_rounds_pages_take_the_same_queries_however_many_domains(
    client, world, officer, safety_lead, name, django_assert_num_queries
):
    """Each domain is shown with its level, descriptor, note and change since the last round."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def url_of(size: int) -> str:
        model = _model_of(world.lmns_a, size)
        first = services.maturity_round_start(
            model=model, provider=None, assessed_on=date(2026, 1, 10), by=officer
        )
        score_all(first, by=officer, levels={d.code: 1 + n % 5 for n, d in enumerate(model.domains.all())})
        services.maturity_round_submit(round=first, by=safety_lead)
        second = services.maturity_round_start(
            model=model, provider=None, assessed_on=date(2026, 6, 10), by=officer
        )
        score_all(
            second,
            by=officer,
            levels={d.code: 1 + (n + 1) % 5 for n, d in enumerate(model.domains.all())},
            note="Agreed.",
        )
        return reverse(f"assurance:{name}", kwargs={"pk": second.pk})

    client.force_login(officer)
    few_url, many_url = url_of(2), url_of(8)
    with CaptureQueriesContext(connection) as few:
        assert client.get(few_url).status_code == 200
    with django_assert_num_queries(len(few)):
        assert client.get(many_url).status_code == 200


def test_a_provider_lead_submits_and_the_start_form_offers_only_what_they_may_score(client, world, alice):
    model = make_model(world.lmns_a, status=FrameworkStatus.PUBLISHED)
    make_model(world.lmns_a, version="draft 2")  # a draft: not for a provider
    client.force_login(alice)
    form = client.get(reverse("assurance:maturity-start")).context["form"]
    assert list(form.fields["model"].queryset) == [model]
    assert [value for value, _ in form.fields["organisation"].choices] == [world.a1.ods_code]
    response = client.post(
        reverse("assurance:maturity-start"),
        {"model": model.pk, "organisation": world.a1.ods_code, "assessed_on": "2026-04-01"},
    )
    round_ = MaturityRound.objects.get(provider=world.a1)
    assert response.url == reverse("assurance:maturity-round-score", kwargs={"pk": round_.pk})
    score_all(round_, by=alice, levels=LATER)
    client.post(reverse("assurance:maturity-round-submit", kwargs={"pk": round_.pk}))
    round_.refresh_from_db()
    assert round_.state == RoundState.SUBMITTED and round_.submitted_by == alice


def test_the_board_workbook_prints_readably_and_says_the_wording_is_unchecked(world, officer, safety_lead):
    model = make_model(world.lmns_a)
    _first, second = _lmns_rounds(model, officer, safety_lead)
    workbook = exports.round_workbook(round_=second, generated_by=officer)
    assert_prints_readably(workbook)
    cells = [cell for row in workbook["Round"].iter_rows(values_only=True) for cell in row if cell]
    assert any("NOT been checked" in str(cell) for cell in cells)
    assert any("4 up, 1 down, 1 the same" in str(cell) for cell in cells)
    culture = next(row for row in workbook["Round"].iter_rows(values_only=True) if row[0] == "Safety culture")
    assert culture[:4] == ("Safety culture", "2. Emerging", "3. Developing", "Down")


def test_a_published_model_is_corrected_as_a_new_version_which_closes_it_once_published(
    client, world, safety_lead
):
    model = make_model(world.lmns_a, status=FrameworkStatus.PUBLISHED)
    model.wording_checked = True
    model.save()
    url = reverse("assurance:maturity-model-new-version", kwargs={"pk": model.pk})
    client.force_login(safety_lead)
    response = client.post(url, {"version": model.version})
    assert response.status_code == 200 and "already has a version called" in response.content.decode()
    response = client.post(url, {"version": "2027"})
    draft = MaturityModel.objects.get(lmns=world.lmns_a, slug=model.slug, version="2027")
    assert response.url == draft.get_absolute_url()
    assert draft.is_draft and not draft.wording_checked
    assert sorted(selectors.descriptor_texts(draft.pk).values()) == sorted(
        selectors.descriptor_texts(model.pk).values()
    )
    services.maturity_model_prepare(model=draft, by=safety_lead)
    services.maturity_model_publish(model=draft, by=world.personas["superuser"])
    model.refresh_from_db()
    assert model.status == FrameworkStatus.CLOSED
