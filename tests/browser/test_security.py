"""The Content-Security-Policy holds in a real browser: an injected inline script does not run."""

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_is_refused(browser, seeded_live_server):
    # Its own context: the shared ``page`` fixture fails any test that meets a violation.
    context = browser.new_context(base_url=seeded_live_server.url)
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    sign_in(page, "demo.lead")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }"""
    )
    assert page.evaluate("() => window.injected") is None
    assert any("Content Security Policy" in text for text in refused)
    context.close()
