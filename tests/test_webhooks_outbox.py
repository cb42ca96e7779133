"""The outbox: events written in the transaction of the change, only for subscribed types."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from yoozak.extensions import db
from yoozak.history import record_event
from yoozak.linking.run import LinkOptions, link_orders
from yoozak.models import Client, OutboxEvent, User, WebhookDelivery, WebhookEndpoint
from yoozak.models.webhooks import EVENT_TYPES
from yoozak.representations import client_resource
from yoozak.webhooks import emit_order_linked_for_run
from yoozak.webhooks.signing import new_secret


@pytest.fixture
def subscribe(app):
    """Return a function that registers an endpoint for some event types."""
    app.config.update(WEBHOOKS_DELIVER_ON_COMMIT=False)

    def make(events=EVENT_TYPES, active=True) -> WebhookEndpoint:
        row = WebhookEndpoint(
            url="http://127.0.0.1:9/x", events=list(events), secret=new_secret(), active=active
        )
        db.session.add(row)
        db.session.commit()
        return row

    return make


def events() -> list[tuple[str, int | None]]:
    rows = db.session.execute(select(OutboxEvent.type, OutboxEvent.payload).order_by(OutboxEvent.id)).all()
    return [(kind, payload["data"]["id"]) for kind, payload in rows]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_each_kind_of_change_writes_its_event(subscribe, factories):
    subscribe()
    amina = factories.client("Amina", "Bennani")
    amina.phone = "0611111111"
    db.session.commit()
    amina.is_active = False
    db.session.commit()
    amina.user.last_name = "Bennani-Tazi"
    db.session.commit()
    record_event(amina.id, "merged", changes={"merged": [42]})
    db.session.commit()
    guest = factories.order(None, reference="CMD-G")
    guest.client_id = amina.id
    db.session.commit()
    factories.order(amina, reference="CMD-L")  # created already linked: one order.created
    assert [kind for kind, _ in events()] == [
        "client.created",
        "client.updated",
        "client.status_changed",
        "client.updated",
        "client.merged",
        "order.created",
        "order.linked",
        "order.created",
    ]


def test_the_payload_is_the_resource_as_the_api_shows_it_at_commit(subscribe, factories):
    subscribe()
    amina = factories.client("Amina", "Bennani")
    amina.phone = "0611111111"
    amina.address = "12 rue Allal Ben Abdellah, Fès"
    db.session.commit()  # two edits, one transaction: one event with the final state
    event = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()
    assert event.type == "client.updated"
    assert event.payload["data"] == client_resource(db.session.get(Client, amina.id))
    assert event.payload["id"] == event.event_id and event.payload["type"] == "client.updated"
    assert event.payload["timestamp"].endswith("Z")


def test_created_and_edited_in_one_transaction_is_one_created_event(subscribe):
    subscribe()
    client = Client(user=User(email="new@example.com", username="new", first_name="Nadia"), phone="0612")
    db.session.add(client)
    db.session.flush()
    client.address = "Rabat"
    db.session.commit()
    assert events() == [("client.created", client.id)]


def test_a_rolled_back_change_emits_nothing(subscribe, factories):
    subscribe()
    amina = factories.client("Amina", "Bennani")
    before = count(OutboxEvent), count(WebhookDelivery)
    amina.phone = "0699999999"
    db.session.flush()
    db.session.rollback()
    db.session.add(Client(user=User(email="x@example.com", username="x")))
    db.session.flush()
    db.session.rollback()
    assert (count(OutboxEvent), count(WebhookDelivery)) == before
    amina.address = "Tanger"  # the next transaction does not inherit the rolled-back notes
    db.session.commit()
    assert [kind for kind, _ in events()] == ["client.created", "client.updated"]


def test_a_failed_commit_leaves_neither_the_change_nor_its_event(subscribe, factories):
    subscribe()
    factories.client("Amina", "Bennani", email="amina@example.com")
    db.session.add(Client(user=User(email="amina@example.com", username="dup")))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        db.session.commit()
    db.session.rollback()
    assert count(Client) == 1
    assert [kind for kind, _ in events()] == ["client.created"]


def test_no_subscriber_no_outbox(subscribe, factories):
    subscribe(events=["order.linked"])
    subscribe(events=["client.created"], active=False)
    factories.client("Amina", "Bennani")
    assert count(OutboxEvent) == 0


def test_each_subscribed_endpoint_gets_one_delivery(subscribe, factories):
    everything = subscribe()
    creations = subscribe(events=["client.created"])
    amina = factories.client("Amina", "Bennani")
    amina.phone = "0611111111"
    db.session.commit()
    rows = db.session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.event_type).order_by(WebhookDelivery.id)
    ).all()
    assert sorted(rows) == sorted(
        [
            (everything.id, "client.created"),
            (creations.id, "client.created"),
            (everything.id, "client.updated"),
        ]
    )


def link_run(factories):
    amina = factories.client("Amina", "Bennani", email="amina@example.com")
    for n in range(3):
        factories.order(None, reference=f"CMD-{n}", email="amina@example.com", client_name="Amina Bennani")
    factories.order(None, reference="CMD-X", email="nobody@example.com", client_name="Personne Inconnue")
    summary = link_orders(db.session, LinkOptions())
    return amina, summary.run_id


def test_a_link_run_emits_order_linked_for_each_order_it_linked(subscribe, factories):
    subscribe(events=["order.linked"])
    amina, _ = link_run(factories)  # the unmatched CMD-X emits nothing
    rows = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [(e.type, e.client_id, e.payload["data"]["reference"]) for e in rows] == [
        ("order.linked", amina.id, f"CMD-{n}") for n in range(3)
    ]
    assert count(WebhookDelivery) == 3


def test_order_linked_for_a_run_costs_one_query_without_subscribers(subscribe, factories, count_queries):
    subscribe(events=["client.created"])
    _, run_id = link_run(factories)
    with db.engine.begin() as conn, count_queries() as counter:
        assert emit_order_linked_for_run(conn, run_id) == 0
    assert counter.count == 1


def test_a_csv_import_emits_client_created_for_each_new_client(subscribe, runner, tmp_path: Path):
    subscribe(events=["client.created"])
    csv = tmp_path / "clients.csv"
    csv.write_text("email,first_name,last_name\na@example.com,Amina,Bennani\nk@example.com,Karim,Alaoui\n")
    result = runner.invoke(args=["import-clients", str(csv)])
    assert result.exit_code == 0, result.output
    assert sorted(p["data"]["email"] for p in db.session.scalars(select(OutboxEvent.payload))) == [
        "a@example.com",
        "k@example.com",
    ]


def test_a_history_row_and_the_edit_it_describes_make_one_event(subscribe, factories):
    subscribe()
    amina = factories.client("Amina", "Bennani")
    amina.phone = "0611111111"
    record_event(amina.id, "updated", changes={"phone": [None, "+212611111111"]})
    db.session.commit()
    record_event(amina.id, "status_changed", changes={"is_active": [True, False]})  # history alone
    db.session.commit()
    assert [kind for kind, _ in events()] == ["client.created", "client.updated", "client.status_changed"]


def test_history_rows_without_a_webhook_event_emit_nothing(subscribe, factories):
    subscribe()
    amina = factories.client("Amina", "Bennani")
    record_event(amina.id, "exported")
    record_event(None, "exported")
    db.session.commit()
    assert [kind for kind, _ in events()] == ["client.created"]


def test_a_queue_outage_does_not_fail_the_committed_change(app, subscribe, factories, monkeypatch, caplog):
    from yoozak.webhooks import tasks

    def queue_down():
        raise ConnectionError("redis is down")

    subscribe()
    app.config["WEBHOOKS_DELIVER_ON_COMMIT"] = True
    monkeypatch.setattr(tasks, "deliver_webhooks", queue_down)
    amina = factories.client("Amina", "Bennani")  # commits, then fails to enqueue
    assert db.session.get(Client, amina.id) is not None
    assert count(WebhookDelivery) == 1
    assert "Could not enqueue a webhook delivery run" in caplog.text
