"""`flask check-consistency [--fix]`: what it repairs, what it only reports, and its exit codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from yoozak.extensions import db
from yoozak.maintenance import consistency
from yoozak.maintenance.anonymise import anonymise_client
from yoozak.maintenance.consistency import Check, Found, register_check, run_checks
from yoozak.models import Client, Order, ReviewItem


@pytest.fixture
def drifted(factories):
    amina = factories.client("Amina", "Tazi")
    factories.order(amina, price="100.00")
    db.session.execute(update(Client).values(orders_count=9))
    db.session.commit()
    return amina


@pytest.fixture
def orphan(factories):
    order = factories.order(None)
    db.session.execute(update(Order).where(Order.id == order.id).values(link_method="phone"))
    db.session.commit()
    return order


def counts(client: Client) -> int:
    db.session.rollback()
    return db.session.get(Client, client.id).orders_count


def test_without_fix_nothing_is_written(drifted, runner):
    result = runner.invoke(args=["check-consistency"])
    assert result.exit_code == 1 and "1 client(s) with drifted aggregates" in result.output
    assert counts(drifted) == 9


def test_fix_repairs_aggregates_and_exits_2(drifted, runner):
    result = runner.invoke(args=["check-consistency", "--fix"])
    assert result.exit_code == 2, result.output
    assert "fixed: 1, left: 0" in result.output and "All 1 problem(s) found were fixed." in result.output
    assert counts(drifted) == 1
    again = runner.invoke(args=["check-consistency"])
    assert again.exit_code == 0 and "Consistent" in again.output


def test_fix_reports_what_it_cannot_repair_and_exits_1(drifted, orphan, runner):
    result = runner.invoke(args=["check-consistency", "--fix"])
    assert result.exit_code == 1, result.output
    assert "1 orders with a link method but no client" in result.output
    assert "not fixable automatically." in result.output and "relink them" in result.output
    assert counts(drifted) == 1  # what could be fixed was fixed
    db.session.rollback()
    assert db.session.get(Order, orphan.id).link_method == "phone"  # what could not was left alone


def test_open_review_items_of_linked_orders_are_reported(factories, runner):
    amina = factories.client("Amina", "Tazi")
    order = factories.order(amina)
    db.session.add(
        ReviewItem(order_id=order.id, candidates=[{"client_id": amina.id, "method": "name", "score": 0.8}])
    )
    db.session.commit()
    result = runner.invoke(args=["check-consistency", "--fix"])
    assert result.exit_code == 1 and "1 open review items whose order is already linked" in result.output


def test_orders_linked_to_an_anonymised_client_are_scrubbed(factories, runner):
    amina = factories.client("Amina", "Tazi", is_active=False)
    anonymise_client(db.session, amina.id, reason="request")
    db.session.commit()
    late = factories.order(amina, client_name="Amina Tazi", phone="0600112233", email="amina@gmail.com")
    result = runner.invoke(args=["check-consistency", "--fix"])
    assert result.exit_code == 2, result.output
    assert "1 orders of anonymised clients still holding personal data" in result.output
    db.session.rollback()
    order = db.session.get(Order, late.id)
    assert (order.client_name, order.phone, order.email, order.phone_e164) == ("", None, None, None)


def test_another_kind_of_drift_plugs_in(monkeypatch, app, runner):
    monkeypatch.setattr(consistency, "CHECKS", list(consistency.CHECKS))
    repaired = []
    register_check(
        Check(
            "segments", "client(s) in a stale segment", lambda s: Found(0 if repaired else 2), repaired.append
        )
    )
    register_check(Check("segments", "duplicate", lambda s: Found(99)))  # same name: ignored
    report = run_checks(db.session)
    assert [f.found.count for f in report.findings if f.check.name == "segments"] == [2]
    result = runner.invoke(args=["check-consistency", "--fix"])
    assert result.exit_code == 2 and "2 client(s) in a stale segment" in result.output
    assert repaired and run_checks(db.session).problems == 0


def test_report_counts_for_the_task_record(drifted, orphan):
    report = run_checks(db.session, fix=True)
    assert report.counts() == {
        "problems": 2,
        "remaining": 1,
        "found": {"aggregates": 1, "method_without_client": 1},
        "fixed": {"aggregates": 1},
    }
    db.session.rollback()
    assert db.session.scalar(select(Client.orders_count)) == 9  # the caller commits, or not
