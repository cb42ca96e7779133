"""The link run against the database: writes, review queue, flags, idempotence, recovery, locks."""

from __future__ import annotations

import gc
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update

from yoozak.extensions import db
from yoozak.linking import pool, writer
from yoozak.linking.labelled import generate
from yoozak.linking.locks import RunLockedError, run_lock
from yoozak.linking.match import ClientIndex, ClientKeys, Matcher
from yoozak.linking.normalize import normalize_email, normalize_name, normalize_phone
from yoozak.linking.run import LinkOptions, batch_query, count_candidates, count_query, link_orders
from yoozak.linking.writer import BatchWriter
from yoozak.models import Client, LinkRun, Order, ReviewItem, RunLock, User
from yoozak.models.aggregates import find_drift

FILLER_FIRST = ["Hamza", "Salma", "Omar", "Imane", "Yassine", "Hajar", "Mehdi", "Sara", "Anas", "Nora"]
FILLER_LAST = ["Idrissi", "Chraibi", "Fassi", "Berrada", "Kettani", "Lahlou", "Sqalli", "Tazi"]


@pytest.fixture
def people(factories):
    """Three clients (a unique name and two namesakes) among 200 others, as in a real base.

    The matcher links on a name alone only when the client base makes a namesake unlikely,
    which a base of three clients cannot show.
    """
    db.session.add_all(
        Client(
            user=User(
                email=f"filler{i}@example.com",
                username=f"filler{i}",
                first_name=FILLER_FIRST[i % 10],
                last_name=f"{FILLER_LAST[i % 8]}{i:03d}",
            ),
            phone=f"0662000{i:03d}",
        )
        for i in range(200)
    )
    db.session.commit()
    return {
        "amina": factories.client("Amina", "Bennani", email="amina@example.com", phone="0612345678"),
        "karim1": factories.client("Karim", "Alaoui", phone="0661000001"),
        "karim2": factories.client("Karim", "Alaoui", phone="0661000002"),
    }


def order(factories, **fields):
    return factories.order(None, **fields)


def reload(o: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, o.id)


def test_links_by_email_phone_and_name_with_method_score_and_run(factories, people):
    by_email = order(factories, client_name="A. B.", email="  AMINA@Example.com ")
    by_phone = order(factories, client_name="Amina Bennani", phone="+212 6 12 34 56 78")
    by_name = order(factories, client_name="bennani amina")
    summary = link_orders(db.session, LinkOptions())
    assert summary.linked == {"email": 1, "phone": 1, "name": 1}
    for o, method in ((by_email, "email"), (by_phone, "phone"), (by_name, "name")):
        saved = reload(o)
        assert saved.client_id == people["amina"].id
        assert saved.link_method == method
        assert 0 < saved.link_score <= 1
        assert saved.link_run_id == summary.run_id and saved.linked_at is not None
    run = db.session.get(LinkRun, summary.run_id)
    assert (run.status, run.linked_email, run.linked_phone, run.linked_name) == ("finished", 1, 1, 1)
    assert db.session.get(Client, people["amina"].id).orders_count == 3


def test_namesakes_go_to_the_review_queue(factories, people):
    o = order(factories, client_name="Karim Alaoui", phone="0699999999")
    summary = link_orders(db.session, LinkOptions())
    assert summary.ambiguous == 1 and summary.linked["name"] == 0
    assert reload(o).client_id is None
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.order_id == o.id))
    assert {c["client_id"] for c in item.candidates} == {people["karim1"].id, people["karim2"].id}


def test_phone_that_contradicts_the_name_is_not_linked(factories, people):
    # Ordered with Amina's phone under another person's full name: a relative, not Amina.
    o = order(factories, client_name="Youssef Tazi", phone="0612345678")
    link_orders(db.session, LinkOptions())
    assert reload(o).client_id is None


def test_dry_run_writes_no_link_no_review_and_no_aggregate(factories, people):
    order(factories, client_name="Amina Bennani", phone="0612345678")
    order(factories, client_name="Karim Alaoui")
    summary = link_orders(db.session, LinkOptions(dry_run=True))
    assert summary.linked["phone"] == 1 and summary.ambiguous == 1
    assert summary.samples["phone"] and summary.samples["ambiguous"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Order.client_id.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(ReviewItem)) == 0
    assert db.session.get(Client, people["amina"].id).orders_count == 0
    assert db.session.get(LinkRun, summary.run_id).dry_run is True


def test_second_run_changes_nothing(factories, people):
    order(factories, client_name="Amina Bennani", phone="0612345678")
    order(factories, client_name="Karim Alaoui")
    order(factories, client_name="Nobody Known", phone="0700000009")
    link_orders(db.session, LinkOptions())
    for force in (False, True):
        again = link_orders(db.session, LinkOptions(force=force))
        assert again.changed == 0 and again.unlinked == 0


def test_plain_run_ignores_linked_orders_and_force_reexamines_them(factories, people):
    o = factories.order(
        people["karim1"], client_name="Amina Bennani", phone="0612345678", link_method="phone"
    )
    assert link_orders(db.session, LinkOptions()).examined == 0
    summary = link_orders(db.session, LinkOptions(force=True))
    assert summary.examined == 1 and summary.changed == 1
    assert reload(o).client_id == people["amina"].id
    assert db.session.get(Client, people["karim1"].id).orders_count == 0
    assert db.session.get(Client, people["amina"].id).orders_count == 1


def test_force_keeps_manual_links_and_guest_decisions(factories, people):
    manual = factories.order(
        people["karim1"], client_name="Amina Bennani", phone="0612345678", link_method="manual"
    )
    guest = order(factories, client_name="Amina Bennani", phone="0612345678", link_method="guest")
    summary = link_orders(db.session, LinkOptions(force=True))
    assert summary.examined == 0
    assert reload(manual).client_id == people["karim1"].id
    assert reload(guest).client_id is None


def test_force_unlinks_what_the_rules_no_longer_support(factories, people):
    wrong = factories.order(
        people["amina"], client_name="Someone Else", phone="0700000000", link_method="name"
    )
    summary = link_orders(db.session, LinkOptions(force=True))
    assert summary.unlinked == 1
    assert reload(wrong).client_id is None and reload(wrong).link_method is None
    assert db.session.get(Client, people["amina"].id).orders_count == 0


def test_interrupted_run_leaves_whole_batches_and_reruns_cleanly(factories, people, monkeypatch):
    orders = [order(factories, client_name="Amina Bennani", phone="0612345678") for _ in range(7)]
    calls = {"n": 0}
    real_flush = BatchWriter.flush

    def failing_flush(self, conn, lo, hi):
        calls["n"] += 1
        if calls["n"] == 2:
            real_flush(self, conn, lo, hi)  # the batch is written, then the process "dies" before commit
            raise KeyboardInterrupt
        real_flush(self, conn, lo, hi)

    monkeypatch.setattr(BatchWriter, "flush", failing_flush)
    with pytest.raises(KeyboardInterrupt):
        link_orders(db.session, LinkOptions(batch_size=3))
    db.session.expire_all()
    linked = [o.id for o in orders if db.session.get(Order, o.id).client_id is not None]
    assert linked == [o.id for o in orders[:3]]  # batch 1 committed, batch 2 rolled back whole
    assert not find_drift(db.session.connection())
    failed = db.session.scalar(select(LinkRun).order_by(LinkRun.id.desc()))
    assert failed.status == "failed"
    monkeypatch.setattr(BatchWriter, "flush", real_flush)
    summary = link_orders(db.session, LinkOptions(batch_size=3))
    assert summary.examined == 4 and summary.linked["phone"] == 4
    assert db.session.get(Client, people["amina"].id).orders_count == 7
    assert not find_drift(db.session.connection())


def test_a_run_killed_without_cleanup_is_marked_interrupted(factories, people):
    db.session.add(LinkRun(status="running"))
    db.session.commit()
    link_orders(db.session, LinkOptions())
    statuses = [r.status for r in db.session.scalars(select(LinkRun).order_by(LinkRun.id))]
    assert statuses == ["interrupted", "finished"]


def test_a_second_run_is_refused_while_one_holds_the_lock(app, people):
    with run_lock(db.engine), pytest.raises(RunLockedError, match="in progress"):
        link_orders(db.session, LinkOptions())


def test_lock_is_released_after_a_run(app, people):
    link_orders(db.session, LinkOptions())
    link_orders(db.session, LinkOptions())  # would raise if the first had kept it
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(select(func.count()).select_from(RunLock)) == 0


@pytest.mark.sqlite_only
def test_sqlite_lock_row_of_a_dead_process_is_taken_over(app, people):
    db.session.add(RunLock(name="link-orders", holder=f"{__import__('socket').gethostname()}:999999999"))
    db.session.commit()
    assert link_orders(db.session, LinkOptions()).run_id is not None


def test_link_command_reports_a_held_lock_clearly(app, runner, people):
    with run_lock(db.engine):
        result = runner.invoke(args=["link-orders"])
    assert result.exit_code == 1
    assert "another link run is in progress" in result.output


@pytest.mark.postgresql_only
def test_two_concurrent_runs_on_postgresql_never_write_together(app, factories, people):
    for _ in range(30):
        order(factories, client_name="Amina Bennani", phone="0612345678")
    results, barrier = [], threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                results.append(link_orders(db.session, LinkOptions(batch_size=5)).changed)
            except RunLockedError:
                results.append("locked")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results, key=str) in ([30, "locked"], [0, 30], [30, 0])
    db.session.expire_all()
    assert db.session.get(Client, people["amina"].id).orders_count == 30
    assert not find_drift(db.session.connection())


def test_resolving_a_review_item_links_by_hand(admin_client, factories, people):
    o = order(factories, client_name="Karim Alaoui", price="80.00")
    link_orders(db.session, LinkOptions())
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.order_id == o.id))
    html = admin_client.get("/admin/review_admin/").get_data(as_text=True)
    assert "Lier à Karim Alaoui" in html and "Client invité" in html
    token = __import__("re").search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = admin_client.post(
        f"/admin/review_admin/resolve/{item.id}",
        data={"client_id": str(people["karim2"].id), "csrf_token": token},
    )
    assert response.status_code == 302
    saved = reload(o)
    assert saved.client_id == people["karim2"].id and saved.link_method == "manual"
    assert db.session.get(Client, people["karim2"].id).total_spent == Decimal("80.00")
    assert link_orders(db.session, LinkOptions(force=True)).examined == 0


def test_review_item_can_be_marked_guest_but_not_linked_to_a_stranger(admin_client, factories, people):
    o = order(factories, client_name="Karim Alaoui")
    link_orders(db.session, LinkOptions())
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.order_id == o.id))
    html = admin_client.get("/admin/review_admin/").get_data(as_text=True)
    token = __import__("re").search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    admin_client.post(
        f"/admin/review_admin/resolve/{item.id}",
        data={"client_id": str(people["amina"].id), "csrf_token": token},
    )
    assert reload(o).client_id is None  # Amina was not a candidate
    admin_client.post(
        f"/admin/review_admin/resolve/{item.id}", data={"client_id": "guest", "csrf_token": token}
    )
    assert reload(o).link_method == "guest"
    response = admin_client.post(f"/admin/review_admin/resolve/{item.id}", data={"client_id": "guest"})
    assert response.status_code == 400  # no CSRF token


def test_linking_logs_one_info_line_per_run(factories, people, caplog):
    order(factories, client_name="Amina Bennani", phone="0612345678")
    with caplog.at_level("DEBUG", logger="yoozak.linking"):
        link_orders(db.session, LinkOptions())
    info = [r for r in caplog.records if r.levelname == "INFO"]
    debug = [r for r in caplog.records if r.levelname == "DEBUG"]
    assert len(info) == 1 and "linked_phone=1" in info[0].getMessage()
    assert len(debug) == 1


def test_parallel_workers_decide_exactly_like_one_process(app, factories, people, monkeypatch):
    for i in range(30):
        order(factories, client_name="Amina Bennani", phone="0612345678" if i % 3 else None)
        order(factories, client_name="Karim Alaoui", phone=f"06990000{i:02d}")
    one = link_orders(db.session, LinkOptions(dry_run=True, workers=1))
    monkeypatch.setattr(pool, "MIN_PARALLEL_BATCH", 1)  # parallelise even these small batches
    two = link_orders(db.session, LinkOptions(dry_run=True, workers=2, batch_size=20))
    assert two.examined == 60
    assert two.line() == one.line()
    assert two.samples == one.samples


def test_a_plain_run_examines_new_orders_only(factories, people):
    order(factories, client_name="Karim Alaoui")  # ambiguous: goes to review
    order(factories, client_name="Nobody Known", phone="0700000009")  # unmatched
    first = link_orders(db.session, LinkOptions())
    assert first.examined == 2
    assert link_orders(db.session, LinkOptions()).examined == 0  # the review queue is not re-read
    order(factories, client_name="Amina Bennani", phone="0612345678")
    third = link_orders(db.session, LinkOptions())
    assert third.examined == 1 and third.linked["phone"] == 1
    assert link_orders(db.session, LinkOptions(force=True)).examined == 3


def test_a_dry_run_does_not_mark_orders_examined(factories, people):
    order(factories, client_name="Karim Alaoui")
    link_orders(db.session, LinkOptions(dry_run=True))
    assert link_orders(db.session, LinkOptions()).examined == 1


def test_a_run_with_nothing_to_examine_does_not_read_the_clients(app, people, count_queries):
    with count_queries() as counter:
        summary = link_orders(db.session, LinkOptions())
    assert summary.examined == 0
    assert not any("FROM clients JOIN users" in s for s in counter.statements)


ORDER_WRITES = (
    "UPDATE ORDERS",
    "UPDATE CLIENTS",
    "INSERT INTO REVIEW",
    "UPDATE REVIEW",
    "DELETE FROM REVIEW",
)


def test_a_second_force_run_writes_no_order_no_review_and_no_aggregate(factories, people, count_queries):
    linked = order(factories, client_name="Amina Bennani", phone="0612345678")
    order(factories, client_name="Karim Alaoui")  # ambiguous: a review item
    order(factories, client_name="Nobody Known", phone="0700000009")  # unmatched
    first = link_orders(db.session, LinkOptions(force=True))
    with count_queries() as counter:
        again = link_orders(db.session, LinkOptions(force=True))
    assert (
        again.examined == 3
        and again.changed == 0
        and again.line() == first.line().replace(f"changed={first.changed}", "changed=0")
    )
    writes = [s for s in counter.statements if s.lstrip().upper().startswith(ORDER_WRITES)]
    assert writes == []
    # link_run_id stays the run that made the link, not the last run that confirmed it.
    assert reload(linked).link_run_id == first.run_id


def test_aggregates_are_recomputed_once_per_run_not_per_batch(factories, people, count_queries):
    for i in range(6):
        price = f"{i + 1}0"
        order(factories, client_name="Amina Bennani", phone="0612345678", status="confirmed", price=price)
    with count_queries() as counter:
        summary = link_orders(db.session, LinkOptions(batch_size=2))
    assert summary.linked["phone"] == 6
    # Once per run: clients without orders reset, figures written, segments reclassified.
    assert len([s for s in counter.statements if s.lstrip().upper().startswith("UPDATE CLIENTS")]) == 3
    amina = db.session.get(Client, people["amina"].id)
    assert amina.orders_count == 6 and amina.total_spent == Decimal("210.00")
    assert not find_drift(db.session.connection())


def test_a_run_killed_before_its_aggregates_is_repaired_by_the_next_run(factories, people):
    linked = order(factories, client_name="Amina Bennani", phone="0612345678")
    killed = LinkRun(status="running")  # killed outright after committing a batch
    db.session.add(killed)
    db.session.flush()
    db.session.execute(
        update(Order)
        .where(Order.id == linked.id)
        .values(client_id=people["amina"].id, link_method="phone", link_score=1.0, link_run_id=killed.id)
    )
    db.session.commit()
    assert find_drift(db.session.connection())  # the batch was committed, its aggregates not
    assert link_orders(db.session, LinkOptions()).examined == 0
    assert not find_drift(db.session.connection())
    assert db.session.get(Client, people["amina"].id).orders_count == 1
    assert db.session.get(LinkRun, killed.id).status == "interrupted"


def test_a_writer_that_cannot_start_fails_the_run_instead_of_hanging(factories, people, monkeypatch):
    from yoozak.linking.writer import BackgroundWriter

    for _ in range(5):
        order(factories, client_name="Amina Bennani", phone="0612345678")

    def broken(_conn):
        raise RuntimeError("no connection")

    monkeypatch.setattr(BackgroundWriter, "_enlarge_cache", staticmethod(broken))
    with pytest.raises(RuntimeError, match="no connection"):
        link_orders(db.session, LinkOptions(batch_size=2))
    failed = db.session.scalar(select(LinkRun).order_by(LinkRun.id.desc()))
    assert failed.status == "failed" and "no connection" in failed.error
    assert db.session.scalar(select(func.count()).where(Order.client_id.is_not(None))) == 0


def _plan(statement) -> str:
    """The backend's query plan of a statement, as one string."""
    bind = db.session.get_bind()
    sql = str(statement.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    if bind.dialect.name == "sqlite":
        return " ".join(row[3] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    # Statistics, as autovacuum keeps them; and a test table is so small that a sequential
    # scan is cheapest: ask which index serves.
    db.session.execute(text("ANALYZE orders"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    return " ".join(db.session.execute(text(f"EXPLAIN {sql}")).scalars())


def test_a_plain_run_counts_and_reads_its_orders_through_the_backlog_index(factories, people):
    for i in range(30):  # linked, and examined but left unlinked (review queue, unmatched)
        order(factories, client_name="Amina Bennani", phone="0612345678")
        order(factories, client_name=f"Nobody Known{i}", phone=f"07000000{i:02d}")
    link_orders(db.session, LinkOptions())
    order(factories, client_name="Amina Bennani", phone="0612345678")  # the backlog
    plain = LinkOptions()
    for statement in (count_query(plain), batch_query(plain, 0)):
        plan = _plan(statement)
        db.session.rollback()
        assert "ix_orders_link_backlog" in plan, plan
        # Neither the unlinked orders of ix_orders_client_history nor a sort of them.
        assert "client_history" not in plan and "TEMP B-TREE" not in plan, plan
    assert count_candidates(db.session, plain) == 1


def test_workers_deciding_by_name_return_every_decision_in_the_order_given():
    data = generate(800, 3000, seed=21)
    index = ClientIndex.build(
        ClientKeys(
            c.id,
            normalize_email(c.email),
            normalize_phone(c.phone),
            normalize_name(c.full_name),
            f"{c.address}, {c.city}",
        )
        for c in data.clients
    )
    rows = [
        (
            o.id,
            normalize_email(o.email),
            normalize_phone(o.phone),
            normalize_name(o.client_name),
            o.address,
            o.city,
        )
        for o in data.orders
    ]
    assert len(rows) >= pool.MIN_PARALLEL_BATCH and len({r[3] for r in rows}) > 100
    alone = pool.DecisionPool(Matcher(index), workers=1).decide(rows)
    with pool.DecisionPool(Matcher(index), workers=2) as parallel:
        assert parallel.workers == 2
        decided = parallel.decide(rows)
        assert gc.get_freeze_count() > 0  # the index, out of the workers' collections
    assert decided == alone
    assert [d.order_id for d in decided] == [r[0] for r in rows]
    assert {d.outcome for d in decided} == {"linked", "ambiguous", "unmatched"}
    assert gc.get_freeze_count() == 0  # collectable again once the workers are gone


def test_a_run_leaves_garbage_collection_and_the_writers_connection_as_it_found_them(
    app, factories, people, monkeypatch
):
    for _ in range(6):
        order(factories, client_name="Amina Bennani", phone="0612345678")
    monkeypatch.setattr(pool, "MIN_PARALLEL_BATCH", 1)
    summary = link_orders(db.session, LinkOptions(workers=2, batch_size=2))
    assert summary.linked["phone"] == 6
    assert gc.isenabled() and gc.get_freeze_count() == 0
    if db.engine.dialect.name == "sqlite":
        # The writer turns SQLite's automatic checkpoint off for the run (a thread of its own
        # copies the log): no pooled connection may keep it off afterwards.
        connections = [db.engine.connect() for _ in range(3)]
        try:
            for conn in connections:
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -65536
        finally:
            for conn in connections:
                conn.close()


@pytest.mark.sqlite_only
def test_a_checkpointer_that_fails_says_so_and_hands_the_copy_back(app, monkeypatch, caplog):
    def copy_log(conn):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(writer, "copy_log", copy_log)
    checkpointer = writer.WalCheckpointer(db.engine)
    assert checkpointer.request()
    checkpointer.close()
    assert checkpointer.failed and not checkpointer.request()
    assert "WAL checkpointer failed" in caplog.text


@pytest.mark.sqlite_only
def test_the_checkpointer_thread_starts_after_the_workers_are_forked(factories, people, monkeypatch):
    for _ in range(3):
        order(factories, client_name="Amina Bennani", phone="0612345678")
    threads_at_fork: list[list[str]] = []
    enter = pool.DecisionPool.__enter__

    def entering(self):
        threads_at_fork.append([t.name for t in threading.enumerate()])
        return enter(self)

    monkeypatch.setattr(pool, "MIN_PARALLEL_BATCH", 1)
    monkeypatch.setattr(pool.DecisionPool, "__enter__", entering)
    assert link_orders(db.session, LinkOptions(workers=2)).linked["phone"] == 3
    assert threads_at_fork and not any("link-" in name for name in threads_at_fork[0])


@pytest.mark.sqlite_only
def test_the_writer_copies_the_log_itself_when_its_checkpointer_cannot(factories, people, monkeypatch):
    for _ in range(6):
        order(factories, client_name="Amina Bennani", phone="0612345678")
    copies: list[str] = []
    copy_log = writer.copy_log

    def recorded_copy(conn):
        copies.append(threading.current_thread().name)
        copy_log(conn)

    monkeypatch.setattr(writer, "copy_log", recorded_copy)
    monkeypatch.setattr(writer.WalCheckpointer, "request", lambda self: False)  # as once failed
    summary = link_orders(db.session, LinkOptions(batch_size=2))
    assert summary.linked["phone"] == 6
    assert db.session.get(Client, people["amina"].id).orders_count == 6
    # After each batch's commit and the aggregates' commit.
    assert copies == ["link-writer"] * 4
