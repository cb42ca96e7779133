"""Every path that changes a client writes its history, with the right actor and source."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.test_admin import action_token
from tests.test_client_api import csrf
from yoozak.extensions import db
from yoozak.history import change_source, record_event
from yoozak.linking.review import resolve_review
from yoozak.linking.run import LinkOptions, link_orders
from yoozak.models import Client, ClientEvent, Order, ReviewItem, User


def events(client_id: int | None = None, action: str | None = None) -> list[ClientEvent]:
    db.session.rollback()
    stmt = select(ClientEvent).order_by(ClientEvent.id)
    if client_id is not None:
        stmt = stmt.where(ClientEvent.client_id == client_id)
    if action is not None:
        stmt = stmt.where(ClientEvent.action == action)
    return list(db.session.scalars(stmt))


def event_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ClientEvent))


# --------------------------------------------------------------------------- ORM hook


def test_creating_a_client_records_created_with_its_fields(factories):
    amina = factories.client("Amina", "Bennani", email="amina@example.com", phone="0612345678")
    (created,) = events(amina.id)
    assert (created.action, created.source, created.actor) == ("created", "cli", "système")
    assert created.changes["email"] == [None, "amina@example.com"]
    assert created.changes["phone"] == [None, "+212612345678"]
    assert created.changes["first_name"] == [None, "Amina"]


def test_one_updated_entry_per_client_per_flush_with_old_and_new(factories):
    amina = factories.client("Amina", "Bennani", phone="0612345678", address="Rue 1")
    db.session.expire_all()  # old values are read even from an expired object
    amina = db.session.get(Client, amina.id)
    amina.address = "Rue 2, Casablanca"
    amina.user.last_name = "Bennani-Alaoui"
    amina.user.password_hash = "secret-hash"
    amina.user.session_version = 7
    db.session.commit()
    (updated,) = events(amina.id, "updated")
    assert updated.changes == {
        "address": ["Rue 1", "Rue 2, Casablanca"],
        "last_name": ["Bennani", "Bennani-Alaoui"],
    }


def test_status_change_through_the_orm_is_status_changed(factories):
    amina = factories.client("Amina", "Bennani")
    amina.is_active = False
    db.session.commit()
    (entry,) = events(amina.id, "status_changed")
    assert entry.changes == {"is_active": [True, False]}


def test_setting_the_same_value_records_nothing(factories):
    amina = factories.client("Amina", "Bennani", address="Rue 1")
    before = event_count()
    amina.address = "Rue 1"
    db.session.commit()
    assert event_count() == before


def test_a_failed_change_leaves_no_history(factories):
    factories.client("Amina", "Bennani", email="amina@example.com")
    karim = factories.client("Karim", "Tazi", email="karim@example.com")
    before = event_count()
    karim.user.email = "amina@example.com"  # unique: the flush fails
    karim.address = "Rue 9"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert event_count() == before
    karim = db.session.get(Client, karim.id)
    karim.address = "Rue 10"
    db.session.commit()
    assert [e.changes for e in events(karim.id, "updated")] == [{"address": ["", "Rue 10"]}]


def test_reads_record_nothing(admin_client, factories):
    amina = factories.client("Amina", "Bennani")
    factories.order(amina)
    before = event_count()
    for path in (
        "/client/",
        f"/client/{amina.id}/",
        f"/client/api/{amina.id}/orders/",
        f"/client/api/{amina.id}/history/",
        "/admin/client_admin/",
        f"/admin/client_admin/details/?id={amina.id}",
        "/admin/clientevent_admin/",
    ):
        assert admin_client.get(path).status_code == 200, path
    assert event_count() == before


# --------------------------------------------------------------------------- pages, admin


def test_page_toggle_records_status_changed_by_the_admin_from_the_page(admin_client, factories, admin_user):
    amina = factories.client("Amina", "Bennani")
    response = admin_client.post(
        f"/client/api/{amina.id}/toggle-status/", headers={"X-CSRFToken": csrf(admin_client)}
    )
    assert response.status_code == 200
    (entry,) = events(amina.id, "status_changed")
    assert (entry.source, entry.actor, entry.actor_id) == ("page", "admin@yoozak.ma", admin_user.id)
    assert entry.changes == {"is_active": [True, False]}


def test_admin_edit_records_the_changed_fields(admin_client, factories):
    amina = factories.client("Amina", "Bennani", phone="0612345678", address="Rue 1")
    url = f"/admin/client_admin/edit/?id={amina.id}"
    html = admin_client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": token,
        "user": str(amina.user_id),
        "phone": "0612345678",
        "address": "Bd Zerktouni, Casablanca",
        "company_name": "",
        "is_active": "y",
    }
    response = admin_client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    (entry,) = events(amina.id, "updated")
    assert (entry.source, entry.actor) == ("admin", "admin@yoozak.ma")
    assert entry.changes == {"address": ["Rue 1", "Bd Zerktouni, Casablanca"]}


def test_admin_batch_action_records_one_entry_per_changed_client(admin_client, factories):
    a, b = factories.client("Ali", "Test"), factories.client("Badr", "Test", is_active=False)
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    data = {"action": "deactivate", "rowid": [str(a.id), str(b.id)], "csrf_token": action_token(html)}
    assert admin_client.post("/admin/client_admin/action/", data=data).status_code == 302
    entries = events(action="status_changed")
    assert [(e.client_id, e.source, e.actor, e.changes) for e in entries] == [
        (a.id, "admin", "admin@yoozak.ma", {"is_active": [True, False]})
    ]


def test_admin_manual_link_records_linked_and_unlinked(admin_client, factories):
    amina, karim = factories.client("Amina", "Bennani"), factories.client("Karim", "Tazi")
    order = factories.order(amina, reference="REF-1")
    url = f"/admin/order_admin/edit/?id={order.id}"
    html = admin_client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": token,
        "reference": "REF-1",
        "client_name": order.client_name,
        "email": "",
        "phone": "",
        "address": "",
        "city": "",
        "price": "100.00",
        "status": "confirmed",
        "created_at": order.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        "client": str(karim.id),
    }
    assert admin_client.post(url, data=data).status_code == 302
    (linked,) = events(karim.id, "orders_linked")
    assert (linked.source, linked.actor) == ("admin", "admin@yoozak.ma")
    assert linked.changes == {"count": 1, "methods": {"manual": 1}, "orders": ["REF-1"]}
    (unlinked,) = events(amina.id, "orders_unlinked")
    assert unlinked.changes == {"count": 1, "orders": ["REF-1"]}


def test_review_resolution_records_the_link(factories, admin_user):
    amina = factories.client("Amina", "Bennani")
    order = factories.order(None, reference="REF-R")
    item = ReviewItem(
        order_id=order.id, reason="two namesakes", candidates=[{"client_id": amina.id, "score": 0.8}]
    )
    db.session.add(item)
    db.session.commit()
    with change_source("admin", actor=(admin_user.id, admin_user.email)):
        resolve_review(db.session, item.id, amina.id, admin_user.id)
        db.session.commit()
    (linked,) = events(amina.id, "orders_linked")
    assert (linked.source, linked.actor) == ("admin", admin_user.email)
    assert linked.changes["methods"] == {"manual": 1}


# --------------------------------------------------------------------------- imports, link runs


def test_import_records_created_by_the_system_from_import(runner, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(
        "email,first_name,last_name,phone\namina@example.com,Amina,Bennani,0612345678\nbad,,,\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["import-clients", str(path)]).exit_code == 0
    (entry,) = events(action="created")
    client = db.session.scalars(select(Client)).one()
    assert (entry.client_id, entry.source, entry.actor) == (client.id, "import", "système")
    assert entry.changes["email"] == [None, "amina@example.com"]
    assert entry.changes["phone"] == [None, "+212612345678"]


def test_link_run_records_one_entry_per_client_with_counts_and_methods(factories):
    amina = factories.client("Amina", "Bennani", email="amina@example.com", phone="0612345678")
    for i in range(3):
        factories.order(None, reference=f"P-{i}", client_name="Amina B", phone="06 12 34 56 78")
    factories.order(None, reference="E-0", client_name="x", email="AMINA@example.com")
    before = event_count()
    link_orders(db.session, LinkOptions())
    (entry,) = events(amina.id, "orders_linked")
    assert (entry.source, entry.actor) == ("link_run", "système")
    assert entry.changes["count"] == 4
    assert entry.changes["methods"] == {"email": 1, "phone": 3, "name": 0}
    assert event_count() == before + 1
    # A second run links nothing new and records nothing.
    link_orders(db.session, LinkOptions(force=True))
    assert event_count() == before + 1


def test_link_run_that_takes_orders_away_records_orders_unlinked(factories):
    amina = factories.client("Amina", "Bennani", phone="0612345678")
    karim = factories.client("Karim", "Tazi", phone="0661000001")
    moved = factories.order(None, reference="M-1", client_name="Karim Tazi", phone="0661000001")
    db.session.execute(
        Order.__table__.update().where(Order.id == moved.id).values(client_id=amina.id, link_method="phone")
    )
    db.session.commit()
    link_orders(db.session, LinkOptions(force=True))
    (gone,) = events(amina.id, "orders_unlinked")
    assert (gone.source, gone.changes["count"]) == ("link_run", 1)
    assert events(karim.id, "orders_linked")[0].changes["count"] == 1


def test_a_dry_run_records_nothing(factories):
    factories.client("Amina", "Bennani", phone="0612345678")
    factories.order(None, reference="P-0", phone="0612345678")
    before = event_count()
    link_orders(db.session, LinkOptions(dry_run=True))
    assert event_count() == before


def test_deleting_a_user_keeps_no_dangling_merge_link(factories):
    survivor = factories.client("Amina", "Bennani")
    absorbed = factories.client("Amina", "Bennani")
    absorbed.merged_into_id = survivor.id
    db.session.commit()
    db.session.delete(db.session.get(User, survivor.user_id))
    db.session.commit()
    assert db.session.get(Client, absorbed.id).merged_into_id is None


def test_an_anonymisation_does_not_record_the_values_it_erases(factories):
    amina = factories.client("Amina", "Bennani", email="amina@example.com", phone="0612345678")
    karim = factories.client("Karim", "Tazi")
    # The anonymisation's own entry first; the erasing may then span several flushes.
    record_event(amina.id, "anonymised", changes={"fields": ["first_name", "last_name", "phone"]})
    amina.user.first_name, amina.user.last_name = "", "Anonyme"
    karim.address = "Rue 2"  # loading karim flushes what came before
    amina.phone = None
    db.session.commit()
    entries = events(amina.id)
    assert [e.action for e in entries] == ["created", "anonymised"]
    assert "Bennani" not in str(entries[1].changes) and "+212612345678" not in str(entries[1].changes)
    assert [e.changes for e in events(karim.id, "updated")] == [{"address": ["", "Rue 2"]}]
    # The silence ends with the transaction.
    amina = db.session.get(Client, amina.id)
    amina.address = "Rue 4"
    db.session.commit()
    assert [e.changes for e in events(amina.id, "updated")] == [{"address": ["", "Rue 4"]}]


def test_history_paused_records_nothing(factories):
    from yoozak.history import history_paused

    amina = factories.client("Amina", "Bennani")
    before = event_count()
    with history_paused(db.session):
        amina.address = "Rue 3"
        db.session.commit()
    assert event_count() == before
