import copy
import io
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
import yaml
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from incidents.improvement import selectors, services
from incidents.improvement.models import SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyRound
from lmns.models import Role
from tests.factories import make_lmns, make_provider, make_user
from tests.incidents.improvement.factories import answer, make_round
from tests.printing import assert_prints_readably

pytestmark = pytest.mark.django_db


@pytest.fixture
def lmns():
    return make_lmns("Otter LMNS")


@pytest.fixture
def officer(lmns):
    return make_user("officer", role=Role.LMNS_OFFICER, lmns=lmns)


@pytest.fixture
def member(lmns):
    return make_user("member", role=Role.PROVIDER_CONTRIBUTOR, provider=make_provider(lmns))


def _links(outbox) -> list[str]:
    return [re.search(r"http\S+token=\S+", message.body).group(0) for message in outbox]


def test_the_lls_survey_has_its_22_statements_in_four_groups():
    survey = selectors.survey_definitions()["lls-health"]
    assert [g["title"] for g in survey["groups"]] == ["Purpose", "Performance", "Operations", "Capacity"]
    assert [len(g["statements"]) for g in survey["groups"]] == [3, 9, 7, 3]
    # Each is a whole sentence: an unquoted comma in the YAML would cut one short.
    texts = [s["text"] for s in selectors.statements_of(survey)]
    assert all(text.endswith(".") and len(text) > 30 for text in texts)
    assert "Together, members have identified strategic goals and objectives for the network." in texts


def test_a_malformed_survey_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "broken.yaml"
    data = {"slug": "x", "title": "X", "groups": [{"key": "a", "title": "A", "statements": [{"key": "a1"}]}]}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(selectors.SurveyFileError, match=r"broken\.yaml: group a: key and text"):
        selectors._check_survey(path, yaml.safe_load(path.read_text()))


def test_the_lmns_opens_a_round_invites_members_and_they_answer_anonymously(
    client, officer, lmns, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    response = client.post(
        reverse("incidents:improvement-survey-create"),
        {"lmns": lmns.pk, "survey": "lls-health", "title": "Spring 2026"},
    )
    round_ = SurveyRound.objects.get()
    assert response.url == reverse("incidents:improvement-survey-invite", kwargs={"pk": round_.pk})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"emails": "a@example.invalid, b@example.invalid\nA@example.invalid"})
    links = _links(mail.outbox)
    assert len(links) == 2
    # Only hashes are kept: no address, no token.
    stored = list(SurveyInvitation.objects.values_list("token_hash", flat=True))
    assert all("@" not in h and h not in "".join(links) for h in stored)

    client.logout()
    link = urlsplit(links[0])
    path = f"{link.path}?{link.query}"
    page = client.get(path)
    assert page.status_code == 200 and "All members share a common purpose" in page.content.decode()
    token = path.split("token=")[1]
    keys = [s["key"] for s in selectors.statements_of(round_.definition)]
    incomplete = client.post(path, {"token": token, **{f"s_{k}": "4" for k in keys[1:]}})
    assert "Select an answer to statement 1" in incomplete.content.decode()
    assert not SurveyResponse.objects.exists()
    done = client.post(path, {"token": token, **{f"s_{k}": "4" for k in keys}})
    assert "Thank you" in done.content.decode()
    assert SurveyAnswer.objects.count() == 22
    # One answer per link.
    assert client.get(path).status_code == 404
    assert client.post(path, {"token": token, **{f"s_{k}": "5" for k in keys}}).status_code == 404
    assert SurveyResponse.objects.count() == 1


def test_an_answer_keeps_no_link_to_its_invitation():
    field_names = {f.name for f in SurveyResponse._meta.get_fields()}
    assert field_names == {"id", "round", "answers"}
    assert {f.name for f in SurveyInvitation._meta.get_fields()} == {"id", "round", "token_hash", "used"}


def test_invitations_refuse_bad_addresses_and_closed_rounds(lmns, officer):
    round_ = make_round(lmns, by=officer)
    with pytest.raises(ValidationError, match="jo@ is not a complete email address"):
        services.survey_invite(round_=round_, emails=["ok@example.invalid", "jo@"], by=officer)
    assert not SurveyInvitation.objects.exists()
    services.survey_round_close(round_=round_, by=officer)
    with pytest.raises(ValidationError, match="closed"):
        services.survey_invite(round_=round_, emails=["ok@example.invalid"], by=officer)


def test_closing_a_round_spends_its_unused_links(lmns, officer):
    round_ = make_round(lmns, by=officer)
    SurveyInvitation.objects.create(round=round_, token_hash=services.token_hash("unused"))
    services.survey_round_close(round_=round_, by=officer)
    with pytest.raises(ValidationError, match="already been used"):
        services.survey_answer(token="unused", answers={})


def test_results_compare_with_the_previous_closed_round(client, lmns, officer, member):
    before = make_round(lmns, by=officer, title="Autumn", opened_on=date(2025, 10, 1))
    answer(before, lambda key: 2, count=5)
    SurveyRound.objects.filter(pk=before.pk).update(closed_on=date(2025, 11, 1))
    now = make_round(lmns, by=officer, title="Spring", opened_on=date(2026, 3, 1))
    answer(now, lambda key: 4, count=4)
    answer(now, lambda key: 0, count=1)
    SurveyRound.objects.filter(pk=now.pk).update(closed_on=date(2026, 4, 1))
    now.refresh_from_db()
    results = selectors.survey_results(round_=now)
    assert results.previous == before and results.responses == 5
    purpose = results.groups[0]
    row = purpose.rows[0]
    assert row.now.counts == {4: 4, 0: 1}
    assert row.now.agree_percent == 100 and row.before.agree_percent == 0 and row.change == 100
    assert purpose.summary.now.total == 15
    client.force_login(member)  # members of the network read the results
    body = client.get(now.get_absolute_url()).content.decode()
    assert "up 100" in body and "Autumn" in body
    response = client.get(reverse("incidents:improvement-survey-workbook", kwargs={"pk": now.pk}))
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    statement = next(r for r in rows if r[1] == "All members share a common purpose for the network.")
    assert statement[2:8] == (0, 4, 0, 0, 0, 1) and statement[-3:] == (100, 0, 100)
    assert_prints_readably(workbook)  # six answer columns beside the statement printed at 8 pt


def test_a_group_whose_statements_changed_has_no_group_change(lmns, officer):
    """Only statements asked both times are compared; a group total would mix the two sets."""
    before = make_round(lmns, by=officer, title="Autumn", opened_on=date(2025, 10, 1))
    before.definition = copy.deepcopy(before.definition)  # the loaded definitions are shared
    del before.definition["groups"][0]["statements"][0]
    before.save()
    answer(before, lambda key: 2, count=5)
    SurveyRound.objects.filter(pk=before.pk).update(closed_on=date(2025, 11, 1))
    now = make_round(lmns, by=officer, title="Spring", opened_on=date(2026, 3, 1))
    answer(now, lambda key: 4, count=5)
    SurveyRound.objects.filter(pk=now.pk).update(closed_on=date(2026, 4, 1))
    now.refresh_from_db()
    changed, unchanged = selectors.survey_results(round_=now).groups[:2]
    assert changed.summary.before is None and changed.rows[0].before is None
    assert changed.rows[1].before is not None
    assert unchanged.summary.before is not None


def test_an_open_round_shows_no_figures_or_count(client, lmns, officer):
    """Otherwise each new answer could be read as the difference between two looks."""
    round_ = make_round(lmns, by=officer)
    answer(round_, lambda key: 5, count=5)
    client.force_login(officer)
    body = client.get(round_.get_absolute_url()).content.decode()
    assert "Answers are counted when the round closes" in body
    assert "Strongly agree 5" not in body and "5 answers" not in body
    listing = client.get(reverse("incidents:improvement-surveys")).content.decode()
    assert "Counted at close" in listing
    response = client.get(reverse("incidents:improvement-survey-workbook", kwargs={"pk": round_.pk}))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "The round is still open: answers are counted and shown when it closes." in cells
    assert not any(isinstance(c, int) for c in cells)
    services.survey_round_close(round_=round_, by=officer)
    assert "Strongly agree 5" in client.get(round_.get_absolute_url()).content.decode()


def test_too_few_answers_show_no_figures(client, lmns, officer):
    """Four answers are too few: with three, two who compare their answers could work out a third's."""
    round_ = make_round(lmns, by=officer)
    answer(round_, lambda key: 5, count=4)
    services.survey_round_close(round_=round_, by=officer)
    client.force_login(officer)
    body = client.get(round_.get_absolute_url()).content.decode()
    assert "Results appear once 5 people have answered" in body
    assert "Strongly agree 4" not in body


def test_closing_asks_first_and_only_a_post_closes(client, lmns, officer):
    round_ = make_round(lmns, by=officer)
    url = reverse("incidents:improvement-survey-close", kwargs={"pk": round_.pk})
    client.force_login(officer)
    assert f'href="{url}"' in client.get(round_.get_absolute_url()).content.decode()
    page = client.get(url).content.decode()
    assert f"Close {round_.title}?" in page and "cannot be opened again" in page
    round_.refresh_from_db()
    assert round_.is_open
    response = client.post(url)
    assert response.status_code == 302
    round_.refresh_from_db()
    assert not round_.is_open
    # Once closed, the question is not asked again.
    assert client.get(url)["Location"] == round_.get_absolute_url()


def test_the_bars_are_drawn_to_scale_without_inline_style(client, lmns, officer):
    round_ = make_round(lmns, by=officer)
    answer(round_, lambda key: 5, count=3)
    answer(round_, lambda key: 2, count=1)
    answer(round_, lambda key: 0, count=4)
    services.survey_round_close(round_=round_, by=officer)
    client.force_login(officer)
    body = client.get(round_.get_absolute_url()).content.decode()
    assert "style=" not in body
    bar = re.search(r'<svg class="app-likert".*?</svg>', body).group(0)
    parts = re.findall(r'<rect x="([\d.]+)%" y="0" width="([\d.]+)%"', bar)
    # Strongly agree 3 of 8, disagree 1, don't know 4: side by side, from the left.
    assert [(float(x), float(w)) for x, w in parts] == [(0, 37.5), (37.5, 12.5), (50, 50)]


def test_only_lmns_staff_run_rounds(client, lmns, officer, member):
    round_ = make_round(lmns, by=officer)
    client.force_login(member)
    assert client.get(reverse("incidents:improvement-survey-create")).status_code == 403
    assert (
        client.get(reverse("incidents:improvement-survey-invite", kwargs={"pk": round_.pk})).status_code
        == 403
    )
    assert (
        client.post(reverse("incidents:improvement-survey-close", kwargs={"pk": round_.pk})).status_code
        == 403
    )
    client.force_login(make_user("stranger", role=Role.LMNS_OFFICER, lmns=make_lmns()))
    assert client.get(round_.get_absolute_url()).status_code == 404


@pytest.fixture
def clean_cache():
    # The limit's count lives in the cache, which outlives the test: leave none behind.
    cache.clear()
    yield
    cache.clear()


def test_the_answer_page_needs_a_link_and_is_rate_limited(client, clean_cache):
    url = reverse("incidents:improvement-survey-answer")
    assert "Open the link from your invitation email" in client.get(url).content.decode()
    assert client.get(url + "?token=nonsense").status_code == 404
    for _ in range(60):
        client.get(url + "?token=nonsense")
    assert client.get(url + "?token=nonsense").status_code == 429


def test_the_round_list_answers_in_few_queries(client, lmns, officer, django_assert_max_num_queries):
    for n in range(5):
        make_round(lmns, by=officer, title=f"Round {n}")
    client.force_login(officer)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("incidents:improvement-surveys")).status_code == 200
    round_ = SurveyRound.objects.first()
    answer(round_, lambda key: 4, count=5)
    with django_assert_max_num_queries(12):
        assert client.get(round_.get_absolute_url()).status_code == 200
