"""Security headers on every response, the pages' strict CSP included."""

from __future__ import annotations

import pytest

from yoozak.security import CONTENT_SECURITY_POLICY


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


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/client_admin/",
        "/admin/order_admin/",
        "/admin/review_admin/",
    ],
)
def test_admin_pages_get_the_same_strict_policy(admin_client, path):
    # tests/browser/test_admin_csp.py proves in Chromium that the admin pages work under it.
    response = admin_client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_admin_templates_carry_no_inline_handler(admin_client, factories):
    factories.client("Amine", "Bénani")
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    assert "onclick=" not in html and "<script>" not in html
    assert 'data-admin-action="activate"' in html


def test_session_cookie_is_httponly_and_samesite(client, auth, admin_user):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
