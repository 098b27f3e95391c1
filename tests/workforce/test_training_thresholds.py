"""The training table flags a staff group below its LMNS's threshold (RagThreshold, or the default
in lmns.thresholds), the same line the quality view rates the module by: never a template literal."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from lmns.models import RagThreshold, Role
from tests.factories import make_workforce_return
from tests.workforce.test_returns import LAST_MONTH
from workforce import selectors

pytestmark = pytest.mark.django_db

FETAL = "fetal_monitoring"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _midwives_at(world, compliant: int):
    return make_workforce_return(world.a1, month=LAST_MONTH, training={(FETAL, "midwives"): (100, compliant)})


def test_the_default_threshold_flags_a_group_below_it(client, world):
    workforce_return = _midwives_at(world, 89)
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])

    page = client.get(workforce_return.get_absolute_url()).content.decode()

    assert "Lowest staff group: Midwives, 89" in page
    assert "Below 90%" in page


def test_the_lmnss_own_threshold_moves_the_line(client, world):
    workforce_return = _midwives_at(world, 92)
    client.force_login(world.personas[f"lmns:{Role.LMNS_OFFICER}"])
    # The design system's tag macro puts its text on a line of its own: any whitespace between.
    page = client.get(workforce_return.get_absolute_url()).content.decode()
    assert not re.search(r'nhsuk-tag--red">\s*Below', page)

    RagThreshold.objects.create(
        lmns=world.lmns_a, measure=f"{FETAL}_rate", direction="higher", amber=96, red=90,
        effective_from=LAST_MONTH, note="Held to 96%",
    )  # fmt: skip
    # The provider's page shows its latest return (the world's, every group at 95%).
    provider_page = reverse("workforce:provider", kwargs={"ods_code": world.a1.ods_code})
    for url in [workforce_return.get_absolute_url(), provider_page]:
        page = client.get(url).content.decode()
        assert "Below 96%" in page, url


def test_no_template_compares_a_rate_with_a_number_of_its_own():
    compared = re.compile(r"\{%[^%]*\b\w*(rate|percent|compliance)\w*\s*(<|>|<=|>=)\s*\d")
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in compared.finditer(path.read_text())
    ]
    assert offenders == []


def _held_to_85(world):
    RagThreshold.objects.create(
        lmns=world.lmns_a, measure=f"{FETAL}_rate", direction="higher", amber=85, red=80,
        effective_from=LAST_MONTH, note="Held to 85%",
    )  # fmt: skip


def test_the_workforce_pages_chart_target_line_is_the_lmnss_threshold(world):
    targets = {row.measure.key: row.target for row in selectors.provider_trends(provider=world.a1)[1]}
    assert (targets[f"{FETAL}_rate"], targets["emergencies_rate"], targets["one_to_one_rate"]) == (
        90,
        90,
        100,
    )
    assert targets["vacancy_rate"] is None

    _held_to_85(world)

    row = next(
        row for row in selectors.provider_trends(provider=world.a1)[1] if row.measure.key == f"{FETAL}_rate"
    )
    assert row.target == 85
    assert row.spc.target == 85
    # Another LMNS's threshold does not move this provider's line.
    other = {row.measure.key: row.target for row in selectors.provider_trends(provider=world.b1)[1]}
    assert other[f"{FETAL}_rate"] == 90


def test_no_training_page_names_a_line_other_than_the_lmnss_threshold(client, world, alice):
    workforce_return = _midwives_at(world, 84)
    _held_to_85(world)
    client.force_login(alice)
    provider_page = reverse("workforce:provider", kwargs={"ods_code": world.a1.ods_code})
    edit_page = reverse("workforce:return-edit", kwargs={"pk": workforce_return.pk})
    assert "Below 85%" in client.get(workforce_return.get_absolute_url()).content.decode()
    for url in [workforce_return.get_absolute_url(), provider_page]:
        page = client.get(url).content.decode()
        # The scheme's ask may be named as such, never as the line a group is rated against.
        assert not re.search(r"(group|groups) reaches 90%|Below 90%", page), url

    grid = client.get(edit_page).content.decode()
    assert "rated on its own against 90%" not in grid
    assert "Each group is rated against 85%." in grid  # fetal monitoring, this LMNS's
    assert "Each group is rated against 90%." in grid  # the other modules, the default
