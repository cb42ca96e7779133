"""Helpers for the REST API tests: tokens and a client that sends them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from yoozak.api.tokens import SCOPES, create_token
from yoozak.extensions import db

PROBLEM = "application/problem+json"


class ApiClient:
    """A test client that sends `Authorization: Bearer <secret>` (and JSON bodies)."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def open(self, method: str, url: str, json=None, headers=None, **kwargs):
        """Send one request with the token; `json` is sent as the body."""
        all_headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        all_headers.update(headers or {})
        return self.client.open(url, method=method, json=json, headers=all_headers, **kwargs)

    def get(self, url: str, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url: str, json=None, **kwargs):
        return self.open("POST", url, json=json, **kwargs)

    def patch(self, url: str, json=None, **kwargs):
        return self.open("PATCH", url, json=json, **kwargs)


def issue(scopes=SCOPES, name: str = "test", expires_in: timedelta | None = None, user_id=None):
    """Create and commit a token; return (token, secret)."""
    issued = create_token(db.session, name, list(scopes), expires_in=expires_in, user_id=user_id)
    db.session.commit()
    return issued.token, issued.secret


@pytest.fixture
def api(app, client, admin_user):
    """Return an API client holding a token with every scope, created by the admin."""
    _, secret = issue(user_id=admin_user.id, name="crm")
    return ApiClient(client, secret)


@pytest.fixture
def api_as(app, client):
    """Return a factory of API clients with the given scopes."""

    def make(*scopes: str, **kwargs) -> ApiClient:
        _, secret = issue(scopes, **kwargs)
        return ApiClient(client, secret)

    return make


def assert_problem(response, status: int, field: str | None = None) -> dict:
    """Assert a problem+json answer with this status (and this invalid field); return its body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM, response.mimetype
    body = response.get_json(force=True)
    assert set(body) >= {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    if field is not None:
        assert field in {e["field"] for e in body["errors"]}, body["errors"]
    return body
