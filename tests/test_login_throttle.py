"""Login throttling: five failures per account or per address in 15 minutes, then 429."""

from __future__ import annotations

from tests.conftest import ADMIN_PASSWORD


def fail(auth, email="admin@yoozak.ma"):
    return auth.login(email=email, password="wrong-password")


def test_sixth_failure_for_one_account_gets_429_with_retry_after(client, auth, admin_user):
    for _ in range(5):
        assert fail(auth).status_code == 401
    response = fail(auth)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    # Even the right password waits: the account is throttled, not the guess.
    assert auth.login(password=ADMIN_PASSWORD).status_code == 429


def test_failures_on_many_accounts_from_one_address_are_throttled(client, auth, admin_user):
    for n in range(5):
        assert fail(auth, email=f"nobody{n}@yoozak.ma").status_code == 401
    assert fail(auth, email="someone-else@yoozak.ma").status_code == 429


def test_successful_logins_are_not_counted(client, auth, admin_user):
    for _ in range(8):
        assert auth.login().status_code == 302
        assert auth.logout().status_code == 303
    assert fail(auth).status_code == 401


def test_throttle_answers_json_to_api_clients(client, auth, admin_user):
    for _ in range(5):
        fail(auth)
    token = auth.csrf_token()
    response = client.post(
        "/auth/login",
        data={"email": "admin@yoozak.ma", "password": "x", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 429
    assert response.is_json and "error" in response.get_json()
