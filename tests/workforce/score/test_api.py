"""The API serves no SCORE results: a wave's results stay on its pages, for its own teams."""

import pytest
from django.urls import reverse

from tests.api.conftest import client_with_token
from tests.workforce.score.factories import FIRST_DOMAIN, make_setting, make_wave

pytestmark = pytest.mark.django_db


def test_no_api_route_or_figure_carries_a_score_result(world, bob):
    wave = make_wave(world.a1)
    make_setting(wave, "Labour ward escalation", 40, responses=22, percents={FIRST_DOMAIN.code: "71.3"})
    make_setting(wave, "Community outreach", 9, responses=4, percents={FIRST_DOMAIN.code: "13.7"})
    client = client_with_token(bob)
    for path in ["/api/v1/score/", "/api/v1/score-waves/", "/api/v1/score-results/"]:
        assert client.get(path).status_code == 404
    paths = [
        reverse(f"api:{name}-list") for name in ["incident", "learning", "safety-action", "workforce-return"]
    ]
    for path in [*paths, "/api/v1/quality/AA1/", reverse("api:schema")]:
        body = client.get(path).content.decode()
        for secret in ["71.3", "13.7", "Labour ward escalation", "Community outreach"]:
            assert secret not in body, (path, secret)
