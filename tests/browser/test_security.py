"""The Content-Security-Policy holds in a real browser: an injected inline script does not run."""

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_is_refused(browser, seeded_live_server):
    context = browser.new_context(base_url=seeded_live_server.url)
    page = context.new_page()
    sign_in(page, "demo.lead")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }"""
    )
    assert page.evaluate("() => window.injected") is None
    context.close()
    assert any("inline script" in v for v in browser.csp_violations)
    # Expected here: every other browser test fails on a violation (tests/browser/conftest.py).
    browser.csp_violations.clear()
