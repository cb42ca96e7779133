"""Client segments: the rules at their boundaries, kept current on every kind of change, shown in words."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import update

from yoozak.clients.segments import segment_overview, segment_reason
from yoozak.extensions import db
from yoozak.linking.run import LinkOptions, link_orders
from yoozak.models import Client, Order
from yoozak.models.aggregates import find_drift, refresh_segments
from yoozak.models.segments import RULE_ORDER, SEGMENTS, SegmentRules
from yoozak.timeutil import utcnow

NOW = datetime(2026, 6, 15, 12, 0, 0)
OLD = NOW - timedelta(days=400)  # created long ago: never "new"
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


def fresh(client: Client) -> Client:
    db.session.expire_all()
    return db.session.get(Client, client.id)


def rules(**overrides) -> SegmentRules:
    return SegmentRules.from_config(overrides, now=NOW)


# (orders, confirmed, cancelled, spent, last order, created) -> expected segment, with the
# default thresholds: VIP 5 confirmed + 5,000 MAD, Fidèle 3 confirmed, À risque 2 cancelled
# and ≥ 50 %, Inactif 180 days without an order, Nouveau created within 30 days.
BOUNDARIES = [
    pytest.param(0, 0, 0, "0", None, NOW - DAY, "none", id="no-order-even-if-new"),
    pytest.param(4, 2, 2, "500", NOW - DAY, OLD, "at_risk", id="risk-2-of-4-is-50pct"),
    pytest.param(5, 3, 2, "900", NOW - DAY, OLD, "loyal", id="risk-2-of-5-is-40pct"),
    pytest.param(1, 0, 1, "0", NOW - DAY, OLD, "occasional", id="one-cancel-is-not-risk"),
    pytest.param(3, 0, 3, "0", NOW - 400 * DAY, OLD, "at_risk", id="risk-before-inactive"),
    pytest.param(6, 6, 0, "9000", NOW - 180 * DAY - MINUTE, OLD, "inactive", id="inactive-just-past"),
    pytest.param(6, 6, 0, "9000", NOW - 180 * DAY, OLD, "vip", id="inactive-not-yet"),
    pytest.param(5, 5, 0, "5000.00", NOW - DAY, OLD, "vip", id="vip-at-both-thresholds"),
    pytest.param(5, 5, 0, "4999.99", NOW - DAY, OLD, "loyal", id="vip-one-centime-short"),
    pytest.param(4, 4, 0, "20000", NOW - DAY, OLD, "loyal", id="vip-one-order-short"),
    pytest.param(3, 3, 0, "300", NOW - DAY, OLD, "loyal", id="loyal-at-threshold"),
    pytest.param(3, 2, 0, "300", NOW - DAY, OLD, "occasional", id="loyal-counts-confirmed-only"),
    pytest.param(3, 3, 0, "300", NOW - DAY, NOW - DAY, "loyal", id="loyal-before-new"),
    pytest.param(1, 1, 0, "250", NOW - DAY, NOW - 30 * DAY, "new", id="new-at-threshold"),
    pytest.param(1, 1, 0, "250", NOW - DAY, NOW - 30 * DAY - MINUTE, "occasional", id="new-just-past"),
    pytest.param(2, 0, 0, "0", NOW - DAY, OLD, "occasional", id="pending-only"),
]


def set_aggregates(client: Client, orders, confirmed, cancelled, spent, last, created) -> None:
    db.session.execute(
        update(Client)
        .where(Client.id == client.id)
        .values(
            orders_count=orders,
            confirmed_count=confirmed,
            pending_count=orders - confirmed - cancelled,
            cancelled_count=cancelled,
            total_spent=Decimal(spent),
            last_order_at=last,
            created_at=created,
            segment="vip" if orders == 0 else "none",  # wrong on purpose: the refresh must fix it
        )
    )


@pytest.mark.parametrize("orders,confirmed,cancelled,spent,last,created,expected", BOUNDARIES)
def test_segment_boundaries(factories, orders, confirmed, cancelled, spent, last, created, expected):
    client = factories.client("Amina", "Test")
    set_aggregates(client, orders, confirmed, cancelled, spent, last, created)
    changed = refresh_segments(db.session.connection(), [client.id], rules())
    db.session.commit()
    assert changed == 1
    assert fresh(client).segment == expected


def test_thresholds_come_from_the_configuration(factories):
    client = factories.client("Amina", "Test")
    set_aggregates(client, 2, 2, 0, "1200", NOW - DAY, OLD)
    refresh_segments(db.session.connection(), [client.id], rules(SEGMENT_LOYAL_MIN_ORDERS=2))
    assert fresh(client).segment == "loyal"
    refresh_segments(
        db.session.connection(),
        [client.id],
        rules(SEGMENT_VIP_MIN_ORDERS=2, SEGMENT_VIP_MIN_SPENT=1000, SEGMENT_LOYAL_MIN_ORDERS=2),
    )
    assert fresh(client).segment == "vip"


def test_every_segment_has_a_rule():
    assert set(RULE_ORDER) == set(SEGMENTS) and len(RULE_ORDER) == len(SEGMENTS)


def test_refresh_writes_only_the_clients_whose_segment_changes(factories):
    a, b = factories.client("A", "A"), factories.client("B", "B")
    assert (fresh(a).segment, fresh(b).segment) == ("none", "none")
    assert refresh_segments(db.session.connection(), None, rules()) == 0


# --------------------------------------------------------------------------- kept current


def test_order_created_and_status_changed(factories):
    amina = factories.client("Amina", "Bennani", created_at=utcnow() - timedelta(days=90))
    assert fresh(amina).segment == "none"
    first = factories.order(amina, status="pending")
    assert fresh(amina).segment == "occasional"
    factories.order(amina, status="cancelled")
    assert fresh(amina).segment == "occasional"  # 1 of 2 cancelled is 50 %, but 2 are needed
    first.status = "cancelled"
    db.session.commit()
    assert fresh(amina).segment == "at_risk"
    for _ in range(3):
        factories.order(amina, status="confirmed", price="2000.00")
    assert fresh(amina).segment == "loyal"  # 2 of 5 cancelled: 40 %


def test_link_unlink_and_reassignment(factories):
    amina = factories.client("Amina", "B", created_at=utcnow() - timedelta(days=90))
    karim = factories.client("Karim", "T", created_at=utcnow() - timedelta(days=90))
    orders = [factories.order(None, status="confirmed", price="2000.00") for _ in range(5)]
    for order in orders:
        order.client_id = amina.id  # link
    db.session.commit()
    assert fresh(amina).segment == "vip"
    orders[0].client_id = None  # unlink
    db.session.commit()
    assert fresh(amina).segment == "loyal"
    for order in orders[1:]:
        order.client = db.session.get(Client, karim.id)  # reassignment, through the relationship
    db.session.commit()
    assert fresh(amina).segment == "none"
    assert fresh(karim).segment == "loyal"


def test_a_link_run_classifies_the_clients_it_touches(app, factories):
    nadia = factories.client("Nadia", "Fassi", email="nadia.fassi@example.ma")
    for i in range(3):
        factories.order(
            None, client_name="Nadia Fassi", email="nadia.fassi@example.ma", reference=f"LR-{i}", price="90"
        )
    assert fresh(nadia).segment == "none"
    link_orders(db.session, LinkOptions(threshold=0.7))
    assert fresh(nadia).orders_count == 3
    assert fresh(nadia).segment == "loyal"


def test_an_order_import_classifies_its_clients(app, runner, factories, tmp_path):
    nadia = factories.client("Nadia", "Fassi", email="nadia.fassi@example.ma", created_at=utcnow() - 60 * DAY)
    path = tmp_path / "orders.csv"
    path.write_text(
        "reference,client_name,email,price,status\n"
        "IMP-1,Nadia Fassi,nadia.fassi@example.ma,100,cancelled\n"
        "IMP-2,Nadia Fassi,nadia.fassi@example.ma,100,cancelled\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 0, result.output
    assert fresh(nadia).segment == "at_risk"


def test_imported_clients_start_without_orders(app, runner, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("email,first_name,last_name\nsara@example.ma,Sara,Idrissi\n", encoding="utf-8")
    assert runner.invoke(args=["import-clients", str(path)]).exit_code == 0
    client = db.session.scalars(db.select(Client)).one()
    assert client.segment == "none"
    assert find_drift(db.session.connection()) == []


# --------------------------------------------------------------------------- commands


def test_check_consistency_reports_a_wrong_segment_and_refresh_fixes_it(app, runner, factories):
    amina = factories.client("Amina", "B", created_at=utcnow() - 90 * DAY)
    factories.order(amina, status="confirmed")
    db.session.execute(update(Client).where(Client.id == amina.id).values(segment="vip"))
    db.session.commit()
    result = runner.invoke(args=["check-consistency"])
    assert result.exit_code == 1
    assert re.search(rf"client {amina.id}: segment stored 'vip', orders say 'occasional'", result.output)
    assert runner.invoke(args=["refresh-client-stats"]).exit_code == 0
    assert fresh(amina).segment == "occasional"
    assert runner.invoke(args=["check-consistency"]).exit_code == 0


def test_time_moves_segments_and_segments_only_catches_up(app, runner, factories):
    amina = factories.client("Amina", "B", created_at=utcnow() - 2 * DAY)
    factories.order(amina, status="confirmed")
    assert fresh(amina).segment == "new"
    # Thirty days later, with no change to her orders: her row still says "new".
    db.session.execute(update(Client).where(Client.id == amina.id).values(created_at=utcnow() - 31 * DAY))
    db.session.commit()
    assert runner.invoke(args=["check-consistency"]).exit_code == 1
    result = runner.invoke(args=["refresh-client-stats", "--segments-only"])
    assert result.exit_code == 0 and "1 changed" in result.output
    assert fresh(amina).segment == "occasional"
    assert runner.invoke(args=["check-consistency"]).exit_code == 0


# --------------------------------------------------------------------------- shown in words


def test_reason_in_words(factories):
    now = utcnow()
    amina = factories.client("Amina", "B", created_at=now - 300 * DAY)
    factories.order(amina, status="confirmed", price="1000.00", created_at=now - 12 * DAY)
    factories.order(amina, status="confirmed", price="1000.00", created_at=now - 20 * DAY)
    factories.order(amina, status="confirmed", price="450.00", created_at=now - 30 * DAY)
    client = fresh(amina)
    assert client.segment == "loyal"
    reason = segment_reason(client, SegmentRules.current(now))
    assert reason == "3 commandes confirmées, 2\u202f450\u00a0MAD, dernière il y a 12 jours"


def test_reason_of_a_newcomer(factories):
    now = utcnow()
    for days, since in ((0, "aujourd'hui"), (1, "1 jour"), (12, "12 jours")):
        client = factories.client("New", "Comer", created_at=now - days * DAY - MINUTE)
        factories.order(client, status="confirmed", price="1500.00", created_at=now - MINUTE)
        client = fresh(client)
        assert client.segment == "new"
        reason = segment_reason(client, SegmentRules.current(now))
        assert reason == f"Client depuis {since} ; 1 commande confirmée, 1\u202f500\u00a0MAD"


def test_reason_of_a_risky_and_of_an_empty_client(factories):
    risky = factories.client("Risky", "R", created_at=utcnow() - 90 * DAY)
    for status in ("cancelled", "cancelled", "cancelled", "confirmed"):
        factories.order(risky, status=status)
    empty = factories.client("Empty", "E")
    assert segment_reason(fresh(risky)) == "3 commandes annulées sur 4 (75 %)"
    assert segment_reason(fresh(empty)) == "Aucune commande liée"


def test_overview_counts_and_revenue_shares(factories):
    big = factories.client("Big", "B", created_at=utcnow() - 90 * DAY)
    for _ in range(5):
        factories.order(big, status="confirmed", price="1500.00")  # VIP: 7,500 MAD
    small = factories.client("Small", "S", created_at=utcnow() - 90 * DAY)
    factories.order(small, status="confirmed", price="2500.00")  # occasional: 2,500 MAD
    factories.client("None", "N")
    lines = {line.code: line for line in segment_overview(db.session)}
    assert list(lines) == list(SEGMENTS)
    assert (lines["vip"].clients, lines["vip"].revenue_percent) == (1, 75.0)
    assert (lines["occasional"].clients, lines["occasional"].revenue_percent) == (1, 25.0)
    assert (lines["none"].clients, lines["none"].client_percent) == (1, 33.3)
    assert lines["loyal"].clients == 0


def test_orders_refresh_keeps_segment_in_step_through_orm_delete(factories):
    amina = factories.client("Amina", "B", created_at=utcnow() - 90 * DAY)
    order = factories.order(amina, status="confirmed")
    assert fresh(amina).segment == "occasional"
    db.session.delete(db.session.get(Order, order.id))
    db.session.commit()
    assert fresh(amina).segment == "none"


# --------------------------------------------------------------------------- pages, API, admin


@pytest.fixture
def segmented(factories):
    """A VIP, a risky client and one without orders."""
    old = utcnow() - 90 * DAY
    vip = factories.client("Vip", "Client", created_at=old)
    for _ in range(5):
        factories.order(vip, status="confirmed", price="1200.00")
    risky = factories.client("Risky", "Client", created_at=old)
    for _ in range(2):
        factories.order(risky, status="cancelled")
    empty = factories.client("Empty", "Client", created_at=old)
    return {"vip": vip, "at_risk": risky, "none": empty}


def row_ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-client-id="(\d+)" class="js-client-row', html)}


@pytest.mark.parametrize("code", ["vip", "at_risk", "none"])
def test_list_filters_on_a_segment_and_badges_each_row(admin_client, segmented, code):
    html = admin_client.get(f"/client/?segment={code}").get_data(as_text=True)
    assert row_ids(html) == {segmented[code].id}
    assert re.search(rf'data-segment="{code}" data-test="segment-badge" title="[^"]+"', html)
    assert f'<option value="{code}" selected>' in html


def test_an_unknown_segment_is_reported_and_ignored(admin_client, segmented):
    html = admin_client.get("/client/?segment=gold").get_data(as_text=True)
    assert "Segment inconnu" in html
    assert row_ids(html) == {c.id for c in segmented.values()}


def test_segment_filter_combines_with_search_and_status(admin_client, segmented, factories):
    html = admin_client.get("/client/?segment=vip&q=vip&status=active").get_data(as_text=True)
    assert row_ids(html) == {segmented["vip"].id}
    html = admin_client.get("/client/?segment=vip&q=risky").get_data(as_text=True)
    assert row_ids(html) == set()


def test_overview_on_the_list_page(admin_client, segmented):
    html = admin_client.get("/client/").get_data(as_text=True)
    assert 'data-test="segment-overview"' in html
    vip_line = re.search(r'<tr data-segment="vip" data-test="segment-line">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-test="segment-count">1 <span class="text-muted small">\(33,3 %\)', vip_line)
    assert 'data-test="segment-revenue">100,0 %' in vip_line
    assert 'width="100.0"' in vip_line  # the revenue bar, sized by an SVG attribute
    assert "style=" not in re.search(r'data-test="segment-overview".*?</details>', html, re.S).group(0)


def test_detail_page_shows_the_badge_and_the_reason(admin_client, segmented):
    html = admin_client.get(f"/client/{segmented['at_risk'].id}/").get_data(as_text=True)
    assert 'data-segment="at_risk"' in html and "À risque" in html
    assert (
        '<span class="small text-muted d-block" data-test="segment-reason">2 commandes annulées sur 2 (100 %)'
        in html
    )


def test_admin_shows_and_filters_the_segment(admin_client, segmented):
    from yoozak.admin.clients import ClientAdmin

    view = next(
        v for v in admin_client.application.extensions["admin"][0]._views if isinstance(v, ClientAdmin)
    )
    arg = view.filter_url_arg("segment", "equals")
    html = admin_client.get(f"/admin/client_admin/?{arg}=at_risk").get_data(as_text=True)
    assert "Risky Client" in html and "Vip Client" not in html
    assert 'class="badge segment-badge segment-at-risk">À risque</span>' in html


def test_api_representation_carries_the_segment(segmented):
    from yoozak.representations import client_resource

    assert client_resource(fresh(segmented["vip"]))["segment"] == "vip"


def test_segment_index_covers_the_overview(app):
    indexes = {ix["name"]: ix["column_names"] for ix in sa_inspect(db.engine).get_indexes("clients")}
    assert indexes["ix_clients_segment_spent"] == ["segment", "total_spent"]
