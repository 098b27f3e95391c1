"""Every response carries a Content-Security-Policy that allows no inline script or style."""

import pytest
from django.urls import reverse

from lmns.models import Role
from tests.factories import make_lmns, make_provider, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["login", "home", "lmns:quality", "workforce:speak-up"])
def test_pages_forbid_inline_script_and_other_origins(client, name):
    provider = make_provider(make_lmns(), "Heron NHS Trust", "HE1")
    client.force_login(make_user("reader", role=Role.PROVIDER_LEAD, provider=provider))
    policy = client.get(reverse(name))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
