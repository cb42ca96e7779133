"""Every route refuses anonymous visitors and non-admins: walks app.url_map, so a new route is covered."""

from __future__ import annotations

import re

import pytest

from tests.conftest import USER_PASSWORD
from yoozak.auth.access import LOGIN_ONLY_ENDPOINTS, PUBLIC_ENDPOINTS, uses_token_auth

SAMPLE_VALUES = {"int": "1", "string": "x", "path": "x/y", "default": "x"}


def concrete_urls(app) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, url) for every rule, with sample values for its arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.endswith(".static"):
            continue
        url = rule.rule
        for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule):
            pattern = r"<(?:\w+(?:\([^)]*\))?:)?" + name + ">"
            url = re.sub(pattern, SAMPLE_VALUES.get(converter or "default", "x"), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((rule.endpoint, method, url))
    return urls


def test_the_walk_covers_the_known_surface(app):
    endpoints = {endpoint for endpoint, _, _ in concrete_urls(app)}
    for expected in (
        "clients.client_list",
        "clients.api_stats",
        "clients.api_toggle_status",
        "admin.index",
        "client_admin.action_view",
        "review_admin.resolve",
        "auth.logout",
        "api_v1_clients.Clients",
        "api_v1_orders.OrderItem",
        "api-docs.openapi_json",
        "api_docs_page.docs",
    ):
        assert expected in endpoints


def test_anonymous_visitors_are_refused_everywhere(app, client):
    for endpoint, method, url in concrete_urls(app):
        response = client.open(url, method=method)
        assert response.status_code in (302, 400, 401), (endpoint, method, url, response.status_code)
        if url.startswith("/api/"):  # the REST API and its docs never answer with a page
            assert response.status_code == 401 and response.mimetype == "application/problem+json", url
        if response.status_code == 302:
            assert response.location.startswith("/auth/login"), (endpoint, url)


def test_non_admins_are_refused_everywhere(app, client, auth, plain_user):
    assert auth.login("user@yoozak.ma", USER_PASSWORD).status_code == 302
    token = auth.csrf_token("/client/")  # the 403 page carries the session's token too
    for endpoint, method, url in concrete_urls(app):
        if endpoint in LOGIN_ONLY_ENDPOINTS or uses_token_auth(endpoint):
            continue  # the API's token check is walked below
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data, headers={"X-CSRFToken": token})
        assert response.status_code == 403, (endpoint, method, url, response.status_code)


@pytest.mark.parametrize("path", ["/static/css/app.css", "/auth/login"])
def test_public_paths_stay_public(client, path):
    with client.get(path) as response:
        assert response.status_code == 200


def token_urls(app) -> list[tuple[str, str, str]]:
    """Return the API endpoints that authenticate with a token (the description excepted)."""
    urls = [u for u in concrete_urls(app) if uses_token_auth(u[0]) and u[0] != "api-docs.openapi_json"]
    assert len(urls) >= 15
    return urls


def test_every_api_endpoint_needs_a_token(app, admin_client):
    # Even an admin's session opens nothing in the API: only a token does (no cookies, no CSRF).
    for endpoint, method, url in token_urls(app):
        response = admin_client.open(url, method=method, json={} if method in ("POST", "PATCH") else None)
        assert response.status_code == 401, (endpoint, method, url, response.status_code)
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 401


def test_every_api_endpoint_needs_its_scope(app, client):
    from tests.support.api import issue

    _, secret = issue([], name="no-scope")
    headers = {"Authorization": f"Bearer {secret}"}
    for endpoint, method, url in token_urls(app):
        response = client.open(
            url, method=method, headers=headers, json={} if method in ("POST", "PATCH") else None
        )
        assert response.status_code == 403, (endpoint, method, url, response.status_code)
        assert response.mimetype == "application/problem+json"
