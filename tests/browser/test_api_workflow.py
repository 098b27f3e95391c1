"""A provider lead creates an API token, the secret works once copied, and the API's
documentation renders from our own origin without breaking the Content-Security-Policy."""

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_lead_creates_a_token_and_reads_the_api_docs(page, artifacts):
    sign_in(page, "demo.lead")
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/accounts/api-tokens/")
    page.get_by_role("button", name="Create a token").click()
    page.locator("#id_name").fill("Datix export")
    # 90 days unless another lifetime is chosen.
    assert page.get_by_label("90 days", exact=False).is_checked()
    page.get_by_label("180 days", exact=False).check()
    page.screenshot(path=str(artifacts / "api-token-form.png"), full_page=True)
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-secret").inner_text()
    assert secret.startswith("lmns_")
    page.screenshot(path=str(artifacts / "api-token-created.png"), full_page=True)

    api = page.context.request
    response = api.get("/api/v1/incidents/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 200 and "results" in response.json()

    page.get_by_role("button", name="Done").click()
    page.screenshot(path=str(artifacts / "api-tokens.png"), full_page=True)
    page.get_by_role("button", name="Revoke Datix export").click()
    assert page.locator(".nhsuk-tag", has_text="Revoked").is_visible()
    response = api.get("/api/v1/incidents/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 401

    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "LMNS Safety API" in page.locator(".swagger-ui .info .title").inner_text()
    page.get_by_text("/api/v1/incidents/", exact=True).first.wait_for()
    page.screenshot(path=str(artifacts / "api-docs.png"))
