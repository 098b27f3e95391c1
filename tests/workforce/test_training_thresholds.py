"""The training table flags a staff group below its LMNS's threshold (RagThreshold, or the default
in lmns.thresholds), the same line the quality view rates the module by: never a template literal."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from lmns.models import RagThreshold, Role
from tests.factories import make_workforce_return
from tests.workforce.test_returns import LAST_MONTH

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
    assert 'nhsuk-tag--red">Below' not in client.get(workforce_return.get_absolute_url()).content.decode()

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
