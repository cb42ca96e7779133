"""Showing the history: the JSON endpoint, the timeline on the client page, the read-only admin view."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import USER_PASSWORD
from tests.test_client_api import csrf
from yoozak.extensions import db
from yoozak.history import change_source, record_event
from yoozak.models import ClientEvent

EVENT_KEYS = {"at", "actor", "source", "action", "changes"}


@pytest.fixture
def amina(factories, admin_user):
    """A client with a creation, 24 address changes, a deactivation and three linked orders."""
    client = factories.client("Amina", "Bennani", address="Rue 0")
    for i in range(1, 25):
        client.address = f"Rue {i}"
        db.session.commit()
    with change_source("page", actor=(admin_user.id, admin_user.email)):
        client.is_active = False
        db.session.commit()
    with change_source("link_run"):
        record_event(client.id, "orders_linked", changes={"count": 3, "methods": {"phone": 3, "email": 0}})
        db.session.commit()
    return client


def history(admin_client, client_id, **args):
    return admin_client.get(f"/client/api/{client_id}/history/", query_string=args)


def test_json_shape_newest_first(admin_client, amina):
    body = history(admin_client, amina.id).get_json()
    assert set(body) >= {"client_id", "total", "page", "pages", "events"}
    assert (body["client_id"], body["total"], body["page"], body["pages"]) == (amina.id, 27, 1, 2)
    assert len(body["events"]) == 20
    first = body["events"][0]
    assert set(first) >= EVENT_KEYS
    assert (first["action"], first["source"], first["actor"]) == ("orders_linked", "link_run", "système")
    assert first["changes"]["count"] == 3 and first["summary"] == ["3 commandes liées (téléphone)"]
    status = body["events"][1]
    assert (status["action"], status["actor"], status["source"]) == (
        "status_changed",
        "admin@yoozak.ma",
        "page",
    )
    assert status["changes"] == {"is_active": [True, False]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", first["at"])


def test_json_paging(admin_client, amina):
    second = history(admin_client, amina.id, page=2).get_json()
    assert (second["page"], len(second["events"])) == (2, 7)
    assert second["events"][-1]["action"] == "created"
    past_end = history(admin_client, amina.id, page=99).get_json()
    assert past_end["page"] == 2
    small = history(admin_client, amina.id, per_page=5).get_json()
    assert (small["pages"], len(small["events"])) == (6, 5)


@pytest.mark.parametrize("args", [{"page": "0"}, {"page": "x"}, {"per_page": "0"}, {"per_page": "101"}])
def test_json_bad_paging_is_a_400(admin_client, amina, args):
    response = history(admin_client, amina.id, **args)
    assert response.status_code == 400 and "pagination" in response.get_json()["error"]


def test_json_unknown_client_is_a_404(admin_client):
    assert history(admin_client, 424242).status_code == 404


def test_json_needs_an_admin(client, auth, plain_user, amina):
    assert history(client, amina.id).status_code == 401
    auth.login("user@yoozak.ma", USER_PASSWORD)
    assert history(client, amina.id).status_code == 403


def test_timeline_on_the_client_page_in_french(admin_client, amina):
    html = admin_client.get(f"/client/{amina.id}/").get_data(as_text=True)
    assert 'data-test="timeline"' in html
    assert html.count('data-test="timeline-entry"') == 20
    assert "3 commandes liées (téléphone)" in html
    assert "Statut : actif → inactif" in html
    assert "Par admin@yoozak.ma, depuis les pages clients" in html
    assert "Par Système, par la liaison automatique" in html
    assert html.index("3 commandes liées") < html.index("Statut : actif → inactif")
    assert "hpage=2" in html


def test_timeline_second_page(admin_client, amina):
    html = admin_client.get(f"/client/{amina.id}/?hpage=2").get_data(as_text=True)
    assert html.count('data-test="timeline-entry"') == 7
    assert "Fiche créée" in html and "Adresse : Rue 0" in html


def test_timeline_escapes_values(admin_client, factories):
    client = factories.client("Amina", "Bennani")
    client.address = "<script>alert(1)</script>"
    db.session.commit()
    html = admin_client.get(f"/client/{client.id}/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --------------------------------------------------------------------------- admin


def test_admin_history_lists_and_filters(admin_client, amina, factories):
    other = factories.client("Karim", "Tazi")
    html = admin_client.get("/admin/clientevent_admin/").get_data(as_text=True)
    assert "3 commandes liées (téléphone)" in html and "Statut : actif → inactif" in html
    by_client = admin_client.get(f"/admin/clientevent_admin/?flt0_client_equals={other.id}").get_data(
        as_text=True
    )
    assert f'href="/client/{other.id}/"' in by_client and f'href="/client/{amina.id}/"' not in by_client
    by_source = admin_client.get("/admin/clientevent_admin/?flt0_origine_equals=link_run").get_data(
        as_text=True
    )
    assert "3 commandes liées" in by_source and "Statut : actif" not in by_source
    by_actor = admin_client.get("/admin/clientevent_admin/?flt0_par_contains=admin@").get_data(as_text=True)
    assert "Statut : actif → inactif" in by_actor and "3 commandes liées" not in by_actor
    by_action = admin_client.get("/admin/clientevent_admin/?flt0_action_equals=created").get_data(
        as_text=True
    )
    assert "Fiche créée" in by_action and "Statut : actif" not in by_action
    assert (
        admin_client.get(
            "/admin/clientevent_admin/?flt0_date_between=2020-01-01+00:00:00+to+2020-01-02+00:00:00"
        ).status_code
        == 200
    )


def test_nobody_can_create_edit_or_delete_history_through_the_admin(admin_client, amina):
    before = db.session.scalar(select(func.count()).select_from(ClientEvent))
    event_id = db.session.scalars(select(ClientEvent.id).order_by(ClientEvent.id)).first()
    html = admin_client.get("/admin/clientevent_admin/").get_data(as_text=True)
    # No edit, create or delete link, and no batch-action form (so no batch delete).
    for fragment in ("/clientevent_admin/edit/", "/clientevent_admin/new/", "/clientevent_admin/delete/"):
        assert fragment not in html
    assert 'id="action_form"' not in html
    token = csrf(admin_client)  # a valid token: the view itself must refuse
    data = {"csrf_token": token, "id": str(event_id), "action": "delete", "rowid": [str(event_id)]}
    for url in (
        f"/admin/clientevent_admin/edit/?id={event_id}",
        "/admin/clientevent_admin/new/",
        "/admin/clientevent_admin/delete/",
        "/admin/clientevent_admin/action/",
    ):
        response = admin_client.post(url, data=data | {"changes": "{}", "actor": "x", "source": "cli"})
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/admin/clientevent_admin/"
        ), url
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ClientEvent)) == before
    event = db.session.get(ClientEvent, event_id)
    assert (event.action, event.actor) == ("created", "système")
