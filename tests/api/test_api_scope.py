"""Every API route, for every role holding a token, against own, sibling and other-LMNS providers.

Routes are discovered from the URL configuration, so a new endpoint is covered without
editing this file; one this file cannot place fails ``test_every_api_route_is_classified``.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from incidents.models import IncidentType, Theme
from lmns.models import Role
from tests.api.conftest import client_with_token
from tests.test_access_matrix import MAY, PERSONAS, _other_names

pytestmark = pytest.mark.django_db


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


API_ROUTES = sorted(name for name in _walk(get_resolver().url_patterns) if name.startswith("api:"))

# Each viewset's basename, and the world's record of one provider it serves.
RECORD_KINDS = {
    "incident": "incident",
    "learning": "learning",
    "safety-action": "action",
    "ssig-meeting": "meeting",
    "assessment": "assessment",
    "assessment-item": "item",
    "workforce-return": "workforce_return",
    "unit": "unit",
}
# Records owned by an LMNS: seen by everyone in it, its providers included.
LMNS_SCOPED = {"ssig-meeting"}
# Reference lists: every LMNS's entries for everyone, an LMNS's own only for those in it.
REFERENCE = {"incident-type": IncidentType, "theme": Theme}
# Reference data every signed-in user reads; it holds no provider's data.
GLOBAL = {"framework"}
# Routes that are about one provider, named by its ODS code.
PROVIDER_ROUTES = {"api:quality"}
# The schema and its documentation page describe the API and hold no records.
DESCRIPTIONS = {"api:schema", "api:docs"}
# Who may change a record through the API: exactly who may on its page.
WRITERS = {
    "incident": MAY["incidents:incident-edit"],
    "learning": MAY["incidents:learning-edit"],
    "safety-action": MAY["incidents:action-edit"],
    "assessment-item": MAY["assurance:item-edit"],
}
CREATORS = {
    "incident": MAY["incidents:incident-create"],
    "learning": MAY["incidents:learning-create"],
    "safety-action": MAY["incidents:action-create"],
    "workforce-return": MAY["workforce:return-create"],
}
# Superusers may not hold tokens (tests/api/test_tokens.py).
TOKEN_PERSONAS = [persona for persona in PERSONAS if persona != "superuser"]


def _basename(name: str) -> str:
    return name.removeprefix("api:").rsplit("-", 1)[0]


LIST_ROUTES = sorted(name for name in API_ROUTES if name.endswith("-list"))
DETAIL_ROUTES = sorted(name for name in API_ROUTES if name.endswith("-detail"))


def test_every_api_route_is_classified():
    known = set(RECORD_KINDS) | GLOBAL | set(REFERENCE)
    unclassified = [
        name
        for name in API_ROUTES
        if name not in PROVIDER_ROUTES | DESCRIPTIONS and _basename(name) not in known
    ]
    assert not unclassified, f"Say in RECORD_KINDS how to reach a provider's record for: {unclassified}"
    assert set(CREATORS) | set(WRITERS) <= set(RECORD_KINDS)


def _visible(world, persona, basename, provider) -> bool:
    if basename in GLOBAL:
        return True
    if basename in LMNS_SCOPED or basename in REFERENCE:
        return provider.lmns in world.visible_lmnss(persona)
    return provider in world.visible_providers(persona)


def _detail_url(world, name, provider):
    basename = _basename(name)
    if basename in GLOBAL:
        return reverse(name, kwargs={"slug": world.framework.slug})
    if basename in REFERENCE:
        return reverse(name, kwargs={"pk": _own_entry(REFERENCE[basename], provider.lmns).pk})
    if basename == "unit":
        return reverse(name, kwargs={"pk": provider.units.get().pk})
    return reverse(name, kwargs={"pk": world.record(RECORD_KINDS[basename], provider).pk})


def _own_entry(model, lmns):
    """An LMNS's own entry of a reference list, made on first use."""
    fields = {"group": IncidentType.Group.MATERNAL} if model is IncidentType else {}
    entry, _ = model.objects.get_or_create(lmns=lmns, name=f"Own entry of {lmns.code}", defaults=fields)
    return entry


@pytest.mark.parametrize("persona", TOKEN_PERSONAS)
@pytest.mark.parametrize("name", DETAIL_ROUTES)
def test_records_answer_by_scope_and_role(world, persona, name):
    client = client_with_token(world.personas[persona])
    basename = _basename(name)
    for provider in world.providers:
        url = _detail_url(world, name, provider)
        visible = _visible(world, persona, basename, provider)
        response = client.get(url)
        assert response.status_code == (200 if visible else 404), f"{persona} reads {url}"
        if visible:
            for other in _other_names(world, persona):
                assert other not in response.content.decode(), f"{persona} sees {other!r} at {url}"
        methods = resolve(url).func.actions
        if "patch" not in methods:
            assert client.patch(url, {}, format="json").status_code == 405
            continue
        response = client.patch(url, {}, format="json")
        if not visible:
            expected = {404}
        elif persona not in WRITERS[basename]:
            expected = {403}
        else:
            # Allowed: saved, or refused only by the form's rules (the world's action owner
            # belongs to no provider, which the safety action form now refuses).
            expected = {200, 400}
        assert response.status_code in expected, f"{persona} changes {url}: {response.content[:300]}"


@pytest.mark.parametrize("persona", TOKEN_PERSONAS)
@pytest.mark.parametrize("name", LIST_ROUTES)
def test_lists_hold_exactly_what_the_role_may_see(world, persona, name):
    client = client_with_token(world.personas[persona])
    basename = _basename(name)
    if basename in REFERENCE:
        for lmns in (world.lmns_a, world.lmns_b):
            _own_entry(REFERENCE[basename], lmns)
    response = client.get(reverse(name), {"page_size": 100})
    assert response.status_code == 200
    results = response.json()["results"]
    if basename in GLOBAL:
        assert [result["slug"] for result in results] == [world.framework.slug]
        return
    if basename in REFERENCE:
        assert response.json()["count"] == len(results), "every entry on one page"
        seen = {result["lmns"]["code"] if result["lmns"] else None for result in results}
        assert seen == {None} | {lmns.code for lmns in world.visible_lmnss(persona)}
        return
    if basename in LMNS_SCOPED:
        seen = {result["lmns"]["code"] for result in results}
        assert seen == {lmns.code for lmns in world.visible_lmnss(persona)}
    else:
        seen = {_ods_code(result["provider"]) for result in results}
        assert seen == {provider.ods_code for provider in world.visible_providers(persona)}
    for other in _other_names(world, persona):
        assert other not in response.content.decode(), f"{persona} sees {other!r} in {name}"


def _ods_code(provider) -> str:
    return provider["ods_code"] if isinstance(provider, dict) else provider


@pytest.mark.parametrize("persona", TOKEN_PERSONAS)
@pytest.mark.parametrize("basename", sorted(CREATORS))
def test_creating_at_a_provider_the_role_may_not_act_at_is_refused(world, persona, basename):
    client = client_with_token(world.personas[persona])
    url = reverse(f"api:{basename}-list")
    for provider in world.providers:
        before = client.get(url).json()["count"]
        response = client.post(url, {"provider": provider.ods_code}, format="json")
        if persona not in CREATORS[basename]:
            # Like the page: no provider to act at, so no form at all.
            assert response.status_code == 403
        elif provider == world.a1:
            # Allowed here: refused only for the missing fields, never for the provider.
            assert response.status_code == 400
            assert "provider" not in response.json()
        else:
            assert response.status_code == 400
            (message,) = response.json()["provider"]
            assert message.startswith("Give the ODS code or id of a provider you may")
            assert provider.name not in response.content.decode()
        assert client.get(url).json()["count"] == before


@pytest.mark.parametrize("persona", TOKEN_PERSONAS)
def test_quality_figures_answer_by_scope(world, persona):
    client = client_with_token(world.personas[persona])
    for provider in world.providers:
        response = client.get(reverse("api:quality", kwargs={"ods_code": provider.ods_code}))
        visible = provider in world.visible_providers(persona)
        assert response.status_code == (200 if visible else 404), f"{persona} on {provider.ods_code}"
        if visible:
            assert response.json()["provider"]["ods_code"] == provider.ods_code


def test_a_provider_lead_token_is_refused_everything_of_another_lmns(world):
    """The plain statement of the matrix above, for the persona integrations use most."""
    client = client_with_token(world.personas[f"provider:{Role.PROVIDER_LEAD}"])
    for name in DETAIL_ROUTES:
        if _basename(name) in GLOBAL:
            continue
        url = _detail_url(world, name, world.b1)
        assert client.get(url).status_code == 404
        assert client.put(url, {}, format="json").status_code in {404, 405}
