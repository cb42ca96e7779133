"""REST API authentication: tokens (hashed, scoped, revocable, expiring), rate limit, docs access."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.api import PROBLEM, ApiClient, assert_problem, issue
from yoozak.api.tokens import TokenError, find_token, hash_secret, parse_duration
from yoozak.extensions import db
from yoozak.models import ApiToken
from yoozak.timeutil import utcnow


def test_a_token_is_stored_as_its_hash_with_a_display_prefix(app):
    token, secret = issue(["clients:read"], name="crm")
    assert secret.startswith("yzk_") and len(secret) > 40
    assert token.token_hash == hash_secret(secret) and secret not in token.token_hash
    assert secret.startswith(token.prefix) and len(token.prefix) == 12
    assert find_token(db.session, secret).id == token.id
    assert find_token(db.session, secret + "x") is None


def test_unknown_scopes_and_blank_names_are_refused(app):
    with pytest.raises(TokenError, match="unknown scope"):
        issue(["clients:delete"])
    with pytest.raises(TokenError, match="name"):
        issue(["clients:read"], name="  ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30m", timedelta(minutes=30)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "0d", "10", "d", "5y", "-1d"])
def test_bad_durations(text):
    with pytest.raises(TokenError):
        parse_duration(text)


def test_no_token_is_a_401_problem_with_a_bearer_challenge(client):
    response = client.get("/api/v1/clients")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer yzk_unknown"])
def test_bad_credentials_are_refused(client, header):
    assert_problem(client.get("/api/v1/stats", headers={"Authorization": header}), 401)


def test_a_revoked_token_stops_working(app, client):
    token, secret = issue(["stats:read"])
    api = ApiClient(client, secret)
    assert api.get("/api/v1/stats").status_code == 200
    token.revoked_at = utcnow()
    db.session.commit()
    body = assert_problem(api.get("/api/v1/stats"), 401)
    assert "revoked" in body["detail"]


def test_an_expired_token_stops_working(app, client):
    token, secret = issue(["stats:read"], expires_in=timedelta(days=1))
    api = ApiClient(client, secret)
    assert api.get("/api/v1/stats").status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    body = assert_problem(api.get("/api/v1/stats"), 401)
    assert "expired" in body["detail"]


def test_a_missing_scope_is_a_403_naming_it(api_as):
    api = api_as("clients:read")
    assert api.get("/api/v1/clients").status_code == 200
    body = assert_problem(api.get("/api/v1/stats"), 403)
    assert "stats:read" in body["detail"]
    assert_problem(api.post("/api/v1/clients", json={"email": "a@b.ma"}), 403)


def test_last_use_is_recorded(app, client):
    token, secret = issue(["stats:read"])
    assert token.last_used_at is None
    ApiClient(client, secret).get("/api/v1/stats")
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_changes_made_through_the_api_name_the_token_in_history(app, api, admin_user):
    from yoozak.history import current_actor, current_source

    seen = {}

    @app.after_request
    def _capture(response):
        seen["actor"], seen["source"] = current_actor(), current_source()
        return response

    assert api.get("/api/v1/stats").status_code == 200
    assert seen == {"actor": (admin_user.id, "api:crm"), "source": "api"}


def test_rate_limit_per_token_gives_429_with_retry_after(database_url):
    from tests.conftest import IsolatedClient, make_app

    app = make_app(database_url, API_RATE_LIMIT="3 per minute")
    app.test_client_class = IsolatedClient
    with app.app_context():
        _, first = issue(["stats:read"], name="one")
        _, second = issue(["stats:read"], name="two")
        client = app.test_client()
        one, two = ApiClient(client, first), ApiClient(client, second)
        assert [one.get("/api/v1/stats").status_code for _ in range(3)] == [200, 200, 200]
        response = one.get("/api/v1/stats")
        assert_problem(response, 429)
        assert int(response.headers["Retry-After"]) >= 0
        assert two.get("/api/v1/stats").status_code == 200  # another token has its own budget
        db.session.remove()
        db.engine.dispose()


# ----------------------------------------------------------------------------- the command


def test_create_api_token_command(app, runner, admin_user):
    result = runner.invoke(
        args=[
            "create-api-token",
            "erp",
            "--scope",
            "orders:read",
            "--scope",
            "orders:write",
            "--expires-in",
            "90d",
            "--user",
            admin_user.email,
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    token = find_token(db.session, secret)
    assert token.name == "erp" and token.scopes == ["orders:read", "orders:write"]
    assert token.user_id == admin_user.id
    assert timedelta(days=89) < token.expires_at - token.created_at <= timedelta(days=90)


@pytest.mark.parametrize(
    "args",
    [
        ["x", "--scope", "nope:read"],
        ["x", "--scope", "orders:read", "--expires-in", "soon"],
        ["x", "--scope", "orders:read", "--user", "nobody@yoozak.ma"],
        ["x"],
    ],
)
def test_create_api_token_command_refuses_bad_input(app, runner, args):
    result = runner.invoke(args=["create-api-token", *args])
    assert result.exit_code != 0
    assert db.session.scalar(select(ApiToken.id)) is None


# ----------------------------------------------------------------------------- the admin


def test_admin_creates_a_token_and_sees_its_secret_once(admin_client, auth, admin_user):
    page = admin_client.get("/admin/apitoken_admin/new/")
    assert page.status_code == 200
    token = auth.csrf_token("/admin/apitoken_admin/new/")
    response = admin_client.post(
        "/admin/apitoken_admin/new/",
        data={
            "csrf_token": token,
            "name": "crm",
            "scopes": ["clients:read", "stats:read"],
            "expires_in_days": "30",
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    secret = re.search(r"(yzk_[A-Za-z0-9_-]{40,})", html).group(1)
    stored = find_token(db.session, secret)
    assert stored.user_id == admin_user.id and stored.scopes == ["clients:read", "stats:read"]
    again = admin_client.get("/admin/apitoken_admin/").get_data(as_text=True)
    assert secret not in again and stored.prefix in again


def test_admin_revokes_a_token_with_csrf(admin_client, auth, client):
    token, secret = issue(["stats:read"])
    url = f"/admin/apitoken_admin/revoke/{token.id}"
    assert admin_client.post(url).status_code == 400  # no CSRF token
    assert ApiClient(client, secret).get("/api/v1/stats").status_code == 200
    csrf = auth.csrf_token("/admin/apitoken_admin/")
    assert admin_client.post(url, data={"csrf_token": csrf}).status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert_problem(ApiClient(client, secret).get("/api/v1/stats"), 401)


# ----------------------------------------------------------------------------- description and docs


def test_openapi_for_token_holders_and_admins_only(app, client, admin_client, api_as):
    assert_problem(app.test_client().get("/api/v1/openapi.json"), 401)
    spec = api_as().get("/api/v1/openapi.json")  # any valid token, even without scopes
    assert spec.status_code == 200 and spec.get_json()["openapi"].startswith("3.")
    assert admin_client.get("/api/v1/openapi.json").status_code == 200


def test_docs_page_is_for_admins_and_has_no_inline_script(admin_client):
    response = admin_client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "http://" not in html and "https://" not in html  # no CDN
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        with admin_client.get(path) as asset:
            assert asset.status_code == 200, path


def test_docs_page_refuses_anonymous_visitors(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 401 and response.mimetype == PROBLEM
