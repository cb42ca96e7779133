"""Per-client aggregates stay exact whatever path changes an order, and the commands check them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from yoozak.extensions import db
from yoozak.models import Client, Order, User, aggregates
from yoozak.models.aggregates import find_drift, refresh_aggregates
from yoozak.timeutil import utcnow


def fresh(client: Client) -> Client:
    db.session.expire_all()
    return db.session.get(Client, client.id)


def test_linking_an_order_updates_counts_money_and_last_order(factories):
    amina = factories.client("Amina", "Bennani")
    day = utcnow() - timedelta(days=3)
    factories.order(amina, price="200.00", status="confirmed", created_at=day)
    factories.order(amina, price="150.50", status="confirmed", created_at=day - timedelta(days=1))
    factories.order(amina, price="999.00", status="cancelled", created_at=day - timedelta(days=2))
    factories.order(amina, price="80.00", status="pending", created_at=day - timedelta(days=3))
    c = fresh(amina)
    assert (c.orders_count, c.confirmed_count, c.pending_count, c.cancelled_count) == (4, 2, 1, 1)
    assert c.total_spent == Decimal("350.50")  # confirmed orders only
    assert c.average_basket == Decimal("175.25")
    assert c.last_order_at == day


def test_changing_status_price_or_client_moves_the_figures(factories):
    amina, karim = factories.client("Amina", "B"), factories.client("Karim", "T")
    order = factories.order(amina, price="100.00", status="pending")
    order.status = "confirmed"
    db.session.commit()
    assert fresh(amina).total_spent == Decimal("100.00")
    order.price = Decimal("120.00")
    db.session.commit()
    assert fresh(amina).total_spent == Decimal("120.00")
    order.client_id = karim.id
    db.session.commit()
    assert fresh(amina).orders_count == 0 and fresh(amina).total_spent == 0
    assert fresh(karim).orders_count == 1 and fresh(karim).total_spent == Decimal("120.00")


def test_setting_the_relationship_counts_too(factories):
    amina = factories.client("Amina", "B")
    order = factories.order(None, price="60.00")
    order.client = db.session.get(Client, amina.id)
    db.session.commit()
    assert fresh(amina).orders_count == 1


def test_new_client_and_order_in_one_flush(app):
    user = User(email="new@example.com", username="new", first_name="Nadia", last_name="N")
    client = Client(user=user)
    db.session.add(Order(reference="R-NEW", price=Decimal("10.00"), status="confirmed", client=client))
    db.session.commit()
    assert fresh(client).orders_count == 1 and fresh(client).total_spent == Decimal("10.00")


def test_deleting_an_order_updates_its_client(factories):
    amina = factories.client("Amina", "B")
    order = factories.order(amina, price="70.00")
    db.session.delete(order)
    db.session.commit()
    assert fresh(amina).orders_count == 0


def test_deleting_a_user_detaches_its_orders(factories):
    amina = factories.client("Amina", "B")
    order = factories.order(amina, price="70.00")
    db.session.delete(db.session.get(User, amina.user_id))
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(Order, order.id)
    assert saved.client_id is None and saved.link_method is None


def test_derived_search_fields_follow_user_and_client_edits(factories):
    amina = factories.client("Amina", "Bennani", phone="06 12 34 56 78", company_name="Société Générale")
    c = fresh(amina)
    assert c.phone == "+212612345678"
    assert c.phone_digits == "612345678"
    assert "societe generale" in c.search_text and "bennani" in c.search_text
    c.user.last_name = "El Amrani"
    db.session.commit()
    assert "el amrani" in fresh(amina).search_text
    assert fresh(amina).sort_name.startswith("el amrani")


def test_unparseable_phone_is_kept_as_typed(factories):
    amina = factories.client("Amina", "B", phone=" 12-34 ")
    assert fresh(amina).phone == "12-34"


def test_refresh_client_stats_repairs_drift(factories, runner):
    amina = factories.client("Amina", "B")
    factories.order(amina, price="100.00")
    db.session.execute(update(Client).values(orders_count=42, total_spent=Decimal("1.00")))
    db.session.commit()
    result = runner.invoke(args=["check-consistency"])
    assert result.exit_code == 1
    assert "drifted aggregates" in result.output and "orders_count" in result.output
    result = runner.invoke(args=["refresh-client-stats"])
    assert result.exit_code == 0, result.output
    assert fresh(amina).orders_count == 1 and fresh(amina).total_spent == Decimal("100.00")
    result = runner.invoke(args=["check-consistency"])
    assert result.exit_code == 0 and "Consistent" in result.output


def test_check_consistency_reports_contradictory_link_columns(factories, runner):
    order = factories.order(None)
    db.session.execute(update(Order).where(Order.id == order.id).values(link_method="phone"))
    db.session.commit()
    result = runner.invoke(args=["check-consistency"])
    assert result.exit_code == 1
    assert "1 orders with a link method but no client" in result.output


@pytest.mark.parametrize("command", ["refresh-client-stats", "check-consistency"])
def test_commands_have_help(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_refresh_writes_only_the_clients_whose_figures_differ(factories, monkeypatch):
    amina, karim = factories.client("Amina", "B"), factories.client("Karim", "A")
    factories.order(amina, price="100.00", status="confirmed")
    factories.order(karim, price="20.00", status="pending")
    conn = db.session.connection()
    assert refresh_aggregates(conn, [amina.id, karim.id]) == 0  # exact already: nothing written
    db.session.execute(update(Client).where(Client.id == amina.id).values(orders_count=42))
    assert refresh_aggregates(conn, [amina.id, karim.id]) == 1
    # Past FULL_REFRESH_FROM ids, one pass over every order: same figures, same writes.
    monkeypatch.setattr(aggregates, "FULL_REFRESH_FROM", 1)
    db.session.execute(
        update(Client).where(Client.id == karim.id).values(total_spent=Decimal("5.00"), last_order_at=None)
    )
    assert refresh_aggregates(conn, [amina.id, karim.id]) == 1
    assert refresh_aggregates(conn, [amina.id, karim.id]) == 0
    assert not find_drift(conn)
    assert fresh(amina).orders_count == 1 and fresh(amina).total_spent == Decimal("100.00")
    assert fresh(karim).total_spent == Decimal("0.00") and fresh(karim).last_order_at is not None
