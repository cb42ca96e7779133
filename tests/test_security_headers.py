"""Security headers on every response, the pages' strict CSP included."""

from __future__ import annotations

import pytest

from yoozak.security import ADMIN_CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/auth/login", "/client/", "/client/api/stats/", "/nope"])
def test_pages_get_the_strict_policy_and_hardening_headers(admin_client, path):
    response = admin_client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_anonymous_login_page_is_framed_by_nobody(client):
    assert "frame-ancestors 'none'" in client.get("/auth/login").headers["Content-Security-Policy"]


def test_admin_pages_get_their_own_policy(admin_client):
    response = admin_client.get("/admin/client_admin/")
    assert response.headers["Content-Security-Policy"] == ADMIN_CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in ADMIN_CONTENT_SECURITY_POLICY
    assert "http" not in ADMIN_CONTENT_SECURITY_POLICY  # still no foreign origin


def test_session_cookie_is_httponly_and_samesite(client, auth, admin_user):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
