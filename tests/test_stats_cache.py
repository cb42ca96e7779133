"""The stats header reuses its order figures for CLIENT_STATS_ORDERS_TTL seconds; client figures stay live.

Counting a million orders costs ~250 ms on PostgreSQL, and every list page shows the stats:
under load (BENCHMARKS.md, "Load") that count was most of the server's time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from yoozak.clients.segments import forget_segment_figures, segment_counts, segment_overview
from yoozak.clients.services import client_stats, forget_order_figures, set_clients_active
from yoozak.extensions import db


@pytest.fixture(autouse=True)
def fresh_figures() -> Iterator[None]:
    forget_order_figures()
    yield
    forget_order_figures()


@pytest.fixture
def shop(factories):
    """Two clients with three orders, and one guest order."""
    amine = factories.client("Amine", "Benani")
    salma = factories.client("Salma", "Idrissi")
    factories.order(amine, reference="A-0")
    factories.order(amine, reference="A-1")
    factories.order(salma, reference="S-0")
    factories.order(None, reference="G-0")
    db.session.commit()
    return {"amine": amine, "salma": salma}


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_order_figures_are_reused_within_the_ttl_and_client_figures_stay_live(
    app, factories, shop, count_queries
):
    clock = Clock()
    first = client_stats(db.session, orders_ttl=10, clock=clock)
    assert (first["total_orders"], first["linked_orders"], first["unlinked_orders"]) == (4, 3, 1)

    factories.order(shop["amine"], reference="A-2")
    set_clients_active(db.session, [shop["salma"].id], False)
    db.session.commit()
    clock.now += 9
    with count_queries() as counter:
        second = client_stats(db.session, orders_ttl=10, clock=clock)
    assert counter.count == 1
    assert "orders" not in counter.statements[0].replace("orders_count", "")  # no count of orders
    assert second["total_orders"] == 4 and second["linked_orders"] == 3  # reused
    assert second["inactive_clients"] == 1 and second["active_clients"] == 1  # live

    clock.now += 2  # past the TTL
    with count_queries() as counter:
        third = client_stats(db.session, orders_ttl=10, clock=clock)
    assert counter.count == 1
    assert (third["total_orders"], third["linked_orders"], third["unlinked_orders"]) == (5, 4, 1)


def test_without_a_ttl_every_call_counts_the_orders(app, factories, shop):
    assert client_stats(db.session)["total_orders"] == 4
    factories.order(None, reference="G-1")
    db.session.commit()
    assert client_stats(db.session)["total_orders"] == 5


@pytest.mark.parametrize(("ttl", "expected"), [(0, 5), (10, 4)])
def test_the_stats_api_follows_the_setting(app, admin_client, factories, shop, ttl, expected):
    app.config["CLIENT_STATS_ORDERS_TTL"] = ttl
    assert admin_client.get("/client/api/stats/").get_json()["total_orders"] == 4
    factories.order(None, reference="G-1")
    db.session.commit()
    body = admin_client.get("/client/api/stats/").get_json()
    assert body["total_orders"] == expected
    assert body["total_clients"] == 2


def test_the_list_page_counts_no_order(app, admin_client, shop, count_queries):
    with count_queries() as counter:
        html = admin_client.get("/client/").get_data(as_text=True)
    assert 'data-stat="total_clients">2<' in html
    assert not [s for s in counter.statements if "FROM orders" in s]


UNFILTERED_CLIENT_COUNT = re.compile(r"count\(\*\) AS count_\d+\s+FROM clients\)")


@pytest.mark.parametrize(("query", "stats_counts_clients"), [("", False), ("?status=inactive", True)])
def test_an_unfiltered_list_counts_its_clients_once(
    app, admin_client, shop, count_queries, query, stats_counts_clients
):
    set_clients_active(db.session, [shop["salma"].id], False)
    db.session.commit()
    with count_queries() as counter:
        html = admin_client.get(f"/client/{query}").get_data(as_text=True)
    sql = "\n".join(counter.statements)
    assert bool(UNFILTERED_CLIENT_COUNT.search(sql)) is stats_counts_clients
    assert 'data-stat="total_clients">2<' in html and 'data-stat="inactive_clients">1<' in html


def test_client_figures_alone(app, shop):
    figures = client_stats(db.session, with_orders=False)
    assert figures == {
        "total_clients": 2,
        "active_clients": 2,
        "inactive_clients": 0,
        "new_today": 2,
        "new_7_days": 2,
        "new_30_days": 2,
    }


@pytest.fixture
def fresh_segments() -> Iterator[None]:
    forget_segment_figures()
    yield
    forget_segment_figures()


def test_segment_figures_are_reused_within_the_ttl(app, factories, shop, fresh_segments, count_queries):
    clock = Clock()
    first = segment_counts(db.session, ttl=10, clock=clock)
    assert sum(first.values()) == 2

    factories.client("Nadia", "Tazi")
    db.session.commit()
    clock.now += 9
    with count_queries() as counter:
        assert segment_counts(db.session, ttl=10, clock=clock) == first  # reused: no statement
        overview = segment_overview(db.session, ttl=10, clock=clock)
    assert counter.count == 0
    assert sum(line.clients for line in overview) == 2

    clock.now += 2  # past the TTL
    with count_queries() as counter:
        assert sum(segment_counts(db.session, ttl=10, clock=clock).values()) == 3
    assert counter.count == 1
    assert sum(segment_counts(db.session).values()) == 3  # without a TTL: always grouped afresh


@pytest.mark.parametrize(("ttl", "expected"), [(0, 3), (10, 2)])
def test_the_list_page_and_stats_api_follow_the_segment_setting(
    app, admin_client, factories, shop, fresh_segments, count_queries, ttl, expected
):
    app.config["CLIENT_SEGMENTS_TTL"] = ttl
    assert sum(admin_client.get("/client/api/stats/").get_json()["segments"].values()) == 2
    factories.client("Nadia", "Tazi")
    db.session.commit()
    assert sum(admin_client.get("/client/api/stats/").get_json()["segments"].values()) == expected
    with count_queries() as counter:
        admin_client.get("/client/")
    grouped = [s for s in counter.statements if "GROUP BY clients.segment" in s]
    assert len(grouped) == (1 if ttl == 0 else 0)
