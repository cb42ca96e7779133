"""The bell, the notifications page, marking read, and the preferences (profile) page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from yoozak.extensions import db
from yoozak.models import Notification, NotificationPreference
from yoozak.notifications import notify_admins
from yoozak.notifications.views import unread_count
from yoozak.timeutil import utcnow

BELL = re.compile(r'data-test="bell-count">([^<]+)<')


def post_note(n: int = 1, **fields) -> None:
    for i in range(n):
        notify_admins(
            "new_client",
            fields.get("title", f"Nouveau client : Client {i}"),
            url=fields.get("url", "/client/1/"),
        )
    db.session.commit()


def unread(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


@pytest.mark.parametrize("path", ["/client/", "/admin/", "/notifications/", "/admin/webhook-endpoints/"])
def test_the_bell_shows_the_unread_count_on_pages_and_admin(admin_client, admin_user, path):
    post_note(3)
    html = admin_client.get(path).get_data(as_text=True)
    assert BELL.search(html).group(1) == "3"
    assert 'aria-label="Notifications (3 non lues)"' in html


def test_no_badge_without_unread_notifications(admin_client):
    html = admin_client.get("/client/").get_data(as_text=True)
    assert 'data-test="bell"' in html and not BELL.search(html)


def test_the_count_is_one_indexed_query_cached_per_request(app, admin_user, count_queries):
    post_note(2)
    with app.test_request_context("/client/"):
        from flask_login import login_user

        login_user(admin_user)
        with count_queries() as counter:
            assert unread_count() == 2
            assert unread_count() == 2
        assert counter.count == 1


def test_the_page_lists_only_my_notifications_newest_first_paginated(admin_client, admin_user, factories):
    other = factories.user(email="other@yoozak.ma", username="other", is_admin=True)
    post_note(25)
    db.session.add(Notification(user_id=other.id, kind="x", title="Pas pour moi"))
    db.session.commit()
    html = admin_client.get("/notifications/").get_data(as_text=True)
    titles = re.findall(r'class="notification-title">([^<]+)<', html)
    assert len(titles) == 20 and titles[0] == "Nouveau client : Client 24"
    page2 = admin_client.get("/notifications/?page=2").get_data(as_text=True)
    assert len(re.findall(r'class="notification-title"', page2)) == 5
    assert "Pas pour moi" not in html + page2
    assert admin_client.get("/notifications/?page=abc").status_code == 200
    assert admin_client.get("/notifications/?page=999").status_code == 200


def test_mark_one_read_and_open(admin_client, admin_user, auth):
    post_note(2, url="/client/7/")
    first = db.session.scalars(select(Notification).order_by(Notification.id)).first()
    token = auth.csrf_token("/notifications/")
    response = admin_client.post(f"/notifications/{first.id}/lu", data={"csrf_token": token, "open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/client/7/")
    assert unread(admin_user.id) == 1
    assert db.session.get(Notification, first.id).read_at is not None


def test_mark_all_read_says_how_many(admin_client, admin_user, auth):
    post_note(3)
    token = auth.csrf_token("/notifications/")
    response = admin_client.post("/notifications/tout-lu", data={"csrf_token": token}, follow_redirects=True)
    assert "3 notifications marquées comme lues." in response.get_data(as_text=True)
    assert unread(admin_user.id) == 0
    response = admin_client.post("/notifications/tout-lu", data={"csrf_token": token}, follow_redirects=True)
    assert "Aucune notification non lue." in response.get_data(as_text=True)


def test_state_changes_need_the_csrf_token(admin_client, admin_user):
    post_note(1)
    note_id = db.session.scalar(select(Notification.id))
    assert admin_client.post(f"/notifications/{note_id}/lu").status_code == 400
    assert admin_client.post("/notifications/tout-lu").status_code == 400
    assert admin_client.get(f"/notifications/{note_id}/lu").status_code == 405
    assert unread(admin_user.id) == 1


def test_someone_elses_notification_is_a_404(admin_client, auth, factories):
    other = factories.user(email="other@yoozak.ma", username="other", is_admin=True)
    note = Notification(user_id=other.id, kind="x", title="Pas pour moi")
    db.session.add(note)
    db.session.commit()
    token = auth.csrf_token("/notifications/")
    assert admin_client.post(f"/notifications/{note.id}/lu", data={"csrf_token": token}).status_code == 404
    assert db.session.get(Notification, note.id).read_at is None


def test_anonymous_and_non_admins_are_kept_out(client, auth, plain_user):
    assert client.get("/notifications/").status_code == 302
    auth.login("user@yoozak.ma", "user-password-123")
    assert client.get("/notifications/").status_code == 403


def test_preferences_are_saved_per_admin(admin_client, admin_user, auth):
    page = admin_client.get("/notifications/preferences").get_data(as_text=True)
    assert "Mon profil" in page and 'data-test="mail-disabled"' in page
    token = auth.csrf_token("/notifications/preferences")
    response = admin_client.post(
        "/notifications/preferences", data={"csrf_token": token, "email_mode": "daily"}
    )
    assert response.status_code == 302
    assert db.session.get(NotificationPreference, admin_user.id).email_mode == "daily"
    response = admin_client.post(
        "/notifications/preferences", data={"csrf_token": token, "email_mode": "hourly"}
    )
    assert response.status_code == 400 and "Choix invalide." in response.get_data(as_text=True)
    assert db.session.get(NotificationPreference, admin_user.id).email_mode == "daily"


def test_pages_follow_the_strict_csp(admin_client):
    post_note(1)
    for path in ("/notifications/", "/notifications/preferences"):
        response = admin_client.get(path)
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert "<script>" not in response.get_data(as_text=True)
        assert ' style="' not in response.get_data(as_text=True)


def test_read_at_is_kept_when_marked_again(admin_client, auth, admin_user):
    post_note(1)
    note = db.session.scalars(select(Notification)).one()
    note.read_at = stamp = utcnow().replace(microsecond=0)
    db.session.commit()
    token = auth.csrf_token("/notifications/")
    admin_client.post(f"/notifications/{note.id}/lu", data={"csrf_token": token})
    assert db.session.get(Notification, note.id).read_at == stamp


@pytest.mark.parametrize("url", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_open_never_leaves_the_site(admin_client, auth, url):
    post_note(1, url=url)
    note_id = db.session.scalar(select(Notification.id))
    token = auth.csrf_token("/notifications/")
    response = admin_client.post(f"/notifications/{note_id}/lu", data={"csrf_token": token, "open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications/")
