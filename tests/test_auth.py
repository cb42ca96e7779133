"""Authentication: who may reach what, and how sessions start and end."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD
from yoozak.auth.views import safe_next
from yoozak.extensions import db
from yoozak.models import User

PROTECTED_PAGES = ["/client/", "/admin/", "/admin/client_admin/", "/admin/order_admin/", "/admin/user_admin/"]


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_anonymous_visitor_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")


def test_anonymous_api_call_gets_401_json(client):
    response = client.get("/client/api/stats/")
    assert response.status_code == 401
    assert response.is_json and "error" in response.get_json()


@pytest.mark.parametrize("path", [*PROTECTED_PAGES, "/client/api/stats/"])
def test_logged_in_non_admin_gets_403(client, auth, plain_user, path):
    assert auth.login("user@yoozak.ma", USER_PASSWORD).status_code == 302
    assert client.get(path).status_code == 403


def test_admin_logs_in_and_reaches_the_client_list(client, auth, admin_user):
    response = auth.login()
    assert response.status_code == 302
    assert response.location == "/client/"
    assert client.get("/client/").status_code == 200


def test_email_is_case_insensitive(client, auth, admin_user):
    assert auth.login("  ADMIN@Yoozak.MA ", ADMIN_PASSWORD).status_code == 302


def test_wrong_password_is_refused(client, auth, admin_user):
    response = auth.login(password="not-the-password")
    assert response.status_code == 401
    assert "incorrect" in response.get_data(as_text=True)
    assert client.get("/client/").status_code == 302


def test_unknown_email_gets_the_same_message(client, auth, admin_user):
    response = auth.login(email="nobody@yoozak.ma")
    assert response.status_code == 401
    assert "E-mail ou mot de passe incorrect" in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, auth, admin_user):
    admin_user.is_active = False
    db.session.commit()
    response = auth.login()
    assert response.status_code == 403
    assert client.get("/client/").status_code == 302


def test_deactivating_a_user_ends_their_session(admin_client, admin_user):
    admin_user.is_active = False
    db.session.commit()
    assert admin_client.get("/client/").status_code == 302


def test_login_without_csrf_token_is_rejected(client, admin_user):
    response = client.post("/auth/login", data={"email": "admin@yoozak.ma", "password": ADMIN_PASSWORD})
    assert response.status_code == 400
    assert client.get("/client/").status_code == 302


def test_logout_requires_post(admin_client):
    assert admin_client.get("/auth/logout").status_code == 405
    assert admin_client.get("/client/").status_code == 200


def test_logout_without_csrf_token_is_rejected(admin_client):
    assert admin_client.post("/auth/logout").status_code == 400
    assert admin_client.get("/client/").status_code == 200


def test_logout_ends_the_session_and_voids_copied_cookies(app, admin_client, auth):
    saved_cookie = admin_client.get_cookie("session").value
    assert auth.logout().status_code == 303
    assert admin_client.get("/client/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", saved_cookie)
    assert replay.get("/client/").status_code == 302


def test_password_change_voids_existing_sessions(admin_client, admin_user):
    admin_user.set_password("a-brand-new-password")
    db.session.commit()
    assert admin_client.get("/client/").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "http:/evil.example",
        "/\tx",
    ],
)
def test_off_site_next_is_ignored(client, auth, admin_user, target):
    response = auth.login(next=target)
    assert response.status_code == 302
    assert response.location == "/client/"


def test_local_next_is_followed(client, auth, admin_user):
    response = auth.login(next="/admin/order_admin/?page=2")
    assert response.location == "/admin/order_admin/?page=2"


@pytest.mark.parametrize("value", [None, "", "   ", "https://x.y", "//x", "relative/path"])
def test_safe_next_refuses_anything_but_local_paths(value):
    assert safe_next(value) is None


def test_login_page_has_csrf_token_and_fields(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert 'name="email"' in html and 'name="password"' in html


def test_logged_in_user_visiting_login_is_redirected(admin_client):
    assert admin_client.get("/auth/login").status_code == 302


def test_stored_email_is_lower_case(factories):
    user = factories.user(email="  Mixed.Case@Example.COM ")
    assert db.session.get(User, user.id).email == "mixed.case@example.com"


def test_password_is_hashed(factories):
    user = factories.user(password="secret-password-1")
    assert user.password_hash and "secret-password-1" not in user.password_hash
    assert user.check_password("secret-password-1")
    assert not user.check_password("secret-password-2")
