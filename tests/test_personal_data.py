"""Personal-data requests under law 09-08: the per-client export and the erasure on request."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.support.personal import KHADIJA, build, database_text, personal_values
from yoozak.extensions import db
from yoozak.models import Client, ClientEvent, Notification, Order


@pytest.fixture
def base(factories, admin_user):
    return build(factories, admin_user)


def privacy_url(client_id: int) -> str:
    return f"/client/{client_id}/donnees-personnelles/"


def export(admin_client, auth, client_id: int):
    token = auth.csrf_token(privacy_url(client_id))
    return admin_client.post(privacy_url(client_id) + "export", data={"csrf_token": token})


def events(client_id: int) -> list[ClientEvent]:
    db.session.rollback()
    return db.session.scalars(
        select(ClientEvent).where(ClientEvent.client_id == client_id).order_by(ClientEvent.id)
    ).all()


def test_the_export_holds_every_record_about_the_client(base, admin_client, auth):
    response = export(admin_client, auth, base.khadija.id)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert f"client-{base.khadija.id}-donnees.json" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["user"]["email"] == KHADIJA["email"] and data["user"]["username"] == KHADIJA["username"]
    assert (
        data["client"]["phone"] == KHADIJA["phone"]
        and data["client"]["company_name"] == KHADIJA["company_name"]
    )
    assert sorted(o["reference"] for o in data["orders"]) == sorted(o.reference for o in base.khadija_orders)
    assert {o["price"] for o in data["orders"]} == {"349.90", "120.00", "99.50"}
    held = db.session.scalars(
        select(ClientEvent.action).where(ClientEvent.client_id == base.khadija.id).order_by(ClientEvent.id)
    ).all()
    *before, recorded = held  # the export itself is recorded once the file is built
    assert recorded == "data_exported"
    assert [e["action"] for e in data["history"]] == before  # every entry, in order
    assert before[-4:] == ["updated", "updated", "updated", "status_changed"]
    assert len(data["review_items"]) == 1
    assert data["review_items"][0]["as_candidate"] == [
        {"client_id": base.khadija.id, "method": "name", "score": 0.91}
    ]
    # The automatic notification of the new client, and the fixture's own, about the same client.
    about = select(Notification.title).where(Notification.url == f"/client/{base.khadija.id}/")
    titles = db.session.scalars(about.order_by(Notification.id)).all()
    assert [n["title"] for n in data["notifications"]] == titles
    assert set(titles) == {"Nouveau client : Khadija Benjelloun"}


def test_the_export_holds_nothing_about_others_nor_secrets(base, admin_client, auth):
    text = export(admin_client, auth, base.khadija.id).get_data(as_text=True).lower()
    for foreign in (
        "youssef",
        "alaoui",
        "0698765432",
        base.foreign_order.reference.lower(),
        "admin@yoozak.ma",
    ):
        assert foreign not in text, foreign
    assert "password" not in text and "session_version" not in text
    assert "search_text" not in text and "email_norm" not in text


def test_the_export_is_recorded_in_the_history(base, admin_client, auth, admin_user):
    export(admin_client, auth, base.khadija.id)
    last = events(base.khadija.id)[-1]
    assert (last.action, last.source, last.actor_id) == ("data_exported", "page", admin_user.id)


def test_the_export_needs_the_csrf_token(base, admin_client):
    response = admin_client.post(privacy_url(base.khadija.id) + "export")
    assert response.status_code == 400
    assert [e.action for e in events(base.khadija.id)][-1] != "data_exported"


def test_an_unknown_client_is_a_404(admin_client, auth, admin_user):
    assert admin_client.get(privacy_url(999)).status_code == 404
    token = auth.csrf_token("/client/")
    assert admin_client.post(privacy_url(999) + "export", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("action", ["", "export", "effacer"])
def test_only_admins_reach_the_requests(base, client, auth, plain_user, action):
    url = privacy_url(base.khadija.id) + action

    def call(token_page: str):
        if not action:
            return client.get(url)
        return client.post(url, data={"csrf_token": auth.csrf_token(token_page), "confirm": "EFFACER"})

    assert call("/auth/login").status_code == 302  # to the login page
    auth.login("user@yoozak.ma", "user-password-123")
    assert call("/client/").status_code == 403  # the 403 page carries the session's token
    assert db.session.get(Client, base.khadija.id).anonymised_at is None


@pytest.mark.parametrize("word", ["", "oui", "effacer le client"])
def test_erasure_needs_the_typed_confirmation(base, admin_client, auth, word):
    before = database_text()
    token = auth.csrf_token(privacy_url(base.khadija.id))
    response = admin_client.post(
        privacy_url(base.khadija.id) + "effacer", data={"csrf_token": token, "confirm": word}
    )
    assert response.status_code == 400
    assert "Tapez EFFACER pour confirmer." in response.get_data(as_text=True)
    assert database_text() == before


def test_erasure_on_request_anonymises_like_the_clean_up(base, admin_client, auth, admin_user):
    token = auth.csrf_token(privacy_url(base.khadija.id))
    response = admin_client.post(
        privacy_url(base.khadija.id) + "effacer", data={"csrf_token": token, "confirm": " effacer "}
    )
    assert response.status_code == 302 and response.location.endswith(f"/client/{base.khadija.id}/")
    page = admin_client.get(response.location).get_data(as_text=True)
    assert "Données personnelles effacées" in page and "3 commande(s) nettoyée(s)" in page
    assert 'data-test="anonymised-banner"' in page
    after = database_text()
    assert [value for value in personal_values() if value.lower() in after] == []
    last = events(base.khadija.id)[-1]
    assert (last.action, last.changes, last.actor_id) == (
        "anonymised",
        {"reason": "request", "orders": 3},
        admin_user.id,
    )
    assert db.session.scalar(select(Order.price).where(Order.id == base.khadija_orders[0].id)) is not None
    # Again: nothing more happens, and the page says so.
    token = auth.csrf_token(privacy_url(base.khadija.id))
    again = admin_client.post(
        privacy_url(base.khadija.id) + "effacer", data={"csrf_token": token, "confirm": "EFFACER"}
    )
    assert "déjà anonymisé" in admin_client.get(again.location).get_data(as_text=True)
    assert [e.action for e in events(base.khadija.id)].count("anonymised") == 1
    assert 'data-test="already-anonymised"' in admin_client.get(privacy_url(base.khadija.id)).get_data(
        as_text=True
    )


def test_an_active_recent_client_can_be_erased_on_request(factories, admin_client, auth):
    amina = factories.client("Amina", "Tazi", email="amina.tazi@gmail.com", phone="+212600112233")
    token = auth.csrf_token(privacy_url(amina.id))
    admin_client.post(privacy_url(amina.id) + "effacer", data={"csrf_token": token, "confirm": "EFFACER"})
    text = database_text()
    assert "amina.tazi@gmail.com" not in text and "tazi" not in text and "600112233" not in text
    assert not db.session.get(Client, amina.id).is_active


def test_the_client_page_and_the_admin_link_to_the_requests(base, admin_client):
    detail = admin_client.get(f"/client/{base.khadija.id}/").get_data(as_text=True)
    assert f'href="{privacy_url(base.khadija.id)}"' in detail
    admin_list = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    assert f'href="{privacy_url(base.khadija.id)}"' in admin_list
