"""Big CSV imports: streamed, inserted chunk by chunk in one transaction, nothing half-written.

The chunk size is made small here (7 rows) so that ~50 rows cross several chunks.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from yoozak.extensions import db
from yoozak.linking.run import LinkOptions, link_orders
from yoozak.models import Client, ClientEvent, Order, User
from yoozak.seeding import csvfile, importers

CLIENT_HEADER = "email,username,first_name,last_name,phone,address,company_name,is_active,created_at\n"
ORDER_HEADER = "reference,client_name,email,phone,address,city,price,status,created_at\n"


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def order_file(tmp_path: Path, n: int, extra: str = "", name: str = "orders.csv") -> Path:
    rows = "".join(
        f"R-{i:05d},Amina Bennani {i},a{i}@example.com,06 12 34 {i % 100:02d} 78,12 rue de Fès,"
        f"Casablanca,249.90,confirmed,2026-01-15\n"
        for i in range(n)
    )
    path = tmp_path / name
    path.write_text(ORDER_HEADER + rows + extra, encoding="utf-8")
    return path


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(importers, "CHUNK_ROWS", 7)


@pytest.fixture
def inserts(app):
    """Count INSERT statements per table sent to the database."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _params, _context, _executemany):
        if statement.lstrip().upper().startswith("INSERT INTO"):
            seen.append(statement.split()[2].strip('"'))

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def test_orders_go_in_chunk_by_chunk_one_insert_each(runner, tmp_path, small_chunks, inserts):
    path = order_file(tmp_path, 50)
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 0, result.output
    assert "50 orders imported, 0 already present, 0 row(s) rejected" in result.output
    assert inserts.count("orders") == 8  # ceil(50 / 7): one executemany per chunk
    assert count(Order) == 50
    refs = db.session.scalars(select(Order.reference).order_by(Order.id)).all()
    assert refs == [f"R-{i:05d}" for i in range(50)]


def test_a_failure_in_the_third_chunk_leaves_no_order_written(runner, tmp_path, small_chunks, monkeypatch):
    path = order_file(tmp_path, 50)
    real = importers._insert
    chunks = []

    def failing(session, model, rows, key):
        chunks.append(len(rows))
        if len(chunks) == 3:
            raise RuntimeError("disk full")
        return real(session, model, rows, key)

    monkeypatch.setattr(importers, "_insert", failing)
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code != 0
    assert chunks == [7, 7, 7]  # two chunks were written before the failure...
    assert count(Order) == 0  # ...and rolled back with it
    monkeypatch.setattr(importers, "_insert", real)
    result = runner.invoke(args=["import-orders", str(path)])
    assert "50 orders imported, 0 already present, 0 row(s) rejected" in result.output


def test_a_malformed_line_after_several_chunks_rolls_every_chunk_back(
    runner, tmp_path, small_chunks, inserts
):
    path = order_file(tmp_path, 45, extra='R-99999,"Karim,,,,,10,pending,\nR-99998,Lina,,,,,10,,\n')
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 1
    assert "line 47: unexpected end of data" in result.output  # where the open quote is
    assert inserts.count("orders") >= 6  # the chunks read before the bad line were inserted...
    assert count(Order) == 0  # ...and none of them kept


def test_a_database_constraint_in_a_later_chunk_rolls_every_chunk_back(
    runner, tmp_path, small_chunks, monkeypatch
):
    # A row the validator lets through but the database refuses (orders.price is NOT NULL).
    path = order_file(tmp_path, 30)
    real = importers._order_row

    def bad_row(row):
        values = real(row)
        if values["reference"] == "R-00025":
            values["price"] = None
        return values

    monkeypatch.setattr(importers, "_order_row", bad_row)
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, IntegrityError)
    assert count(Order) == 0


def test_duplicates_and_bad_rows_are_found_across_chunks(runner, tmp_path, small_chunks, factories):
    factories.order(None, reference="R-00040", client_name="Original", price="50.00")
    path = order_file(tmp_path, 50, extra="R-00003,Again,,,,,10,,\nR-77777,Bad,,,,,dix,,\n")
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 0, result.output
    assert "line 52: reference 'R-00003' already on line 5" in result.output
    assert "line 53: price: 'dix' is not a number" in result.output
    assert "49 orders imported, 1 already present, 2 row(s) rejected" in result.output
    assert count(Order) == 50
    assert db.session.scalar(select(Order.client_name).where(Order.reference == "R-00040")) == "Original"


def test_clients_go_in_chunk_by_chunk_with_usernames_unique_across_chunks(runner, tmp_path, small_chunks):
    rows = "".join(f"c{i}@example.com,c{i},C,{i},06123456{i:02d},,,,\n" for i in range(40))
    # line 42: the username of line 2, in a later chunk.
    path = tmp_path / "clients.csv"
    path.write_text(CLIENT_HEADER + rows + "other@yoozak.ma,c0,O,Ther,,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["import-clients", str(path)])
    assert result.exit_code == 0, result.output
    assert "41 clients imported, 0 already present, 0 row(s) rejected" in result.output
    assert count(Client) == 41 and count(ClientEvent) == 41
    assert db.session.scalar(select(User.username).where(User.email == "other@yoozak.ma")) == "c0.yoozak.ma"


def test_a_client_chunk_failing_late_leaves_no_user_client_or_history(
    runner, tmp_path, small_chunks, monkeypatch
):
    rows = "".join(f"c{i}@example.com,c{i},C,{i},,,,,\n" for i in range(40))
    path = tmp_path / "clients.csv"
    path.write_text(CLIENT_HEADER + rows, encoding="utf-8")
    real = importers.record_events
    calls = []

    def failing(entries, session):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real(entries, session)

    monkeypatch.setattr(importers, "record_events", failing)
    result = runner.invoke(args=["import-clients", str(path)])
    assert result.exit_code != 0 and len(calls) == 4
    assert count(User) == 0 and count(Client) == 0 and count(ClientEvent) == 0


def test_rows_are_streamed_the_first_chunk_is_written_before_the_rest_is_read(
    app, tmp_path, small_chunks, monkeypatch
):
    path = order_file(tmp_path, 50)
    read = []
    real_rows = importers.read_rows

    def counted(*args):
        for item in real_rows(*args):
            read.append(item[0])
            yield item

    real_insert = importers._insert
    read_at_insert = []

    def spying(session, model, rows, key):
        read_at_insert.append(len(read))
        return real_insert(session, model, rows, key)

    monkeypatch.setattr(importers, "read_rows", counted)
    monkeypatch.setattr(importers, "_insert", spying)
    report = importers.import_orders(db.session, path)
    db.session.commit()
    assert report.created == 50
    assert read == list(range(2, 52))  # each line read once
    # Each chunk is written once its 7 rows are read, never after the whole file.
    assert read_at_insert == [7, 14, 21, 28, 35, 42, 49, 50]


def _peak(path: Path) -> int:
    tracemalloc.start()
    try:
        importers.import_orders(db.session, path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        db.session.rollback()


def test_memory_does_not_grow_with_the_file(app, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "CHUNK_ROWS", 200)
    small = order_file(tmp_path, 1_000, name="small.csv")
    big = order_file(tmp_path, 4_000, name="big.csv")
    _peak(small)  # warm caches (compiled statements, phone and name normalisation)
    small_peak, big_peak = _peak(small), _peak(big)
    # Holding every row (as before) made the peak grow ~4x; now only the keys grow.
    assert big_peak < 2 * small_peak, (small_peak, big_peak)


def test_linking_on_arrival_examines_exactly_the_given_ids_however_many(app, factories):
    orders = [
        factories.order(None, reference=f"L-{i}", client_name="Karim Tazi", price="10") for i in range(6)
    ]
    db.session.commit()
    ids = [o.id for o in orders]
    chosen = [ids[0], ids[1], ids[2], ids[4]]
    # 300,000 more ids (none exists): a plain IN of them all is past SQLite's 250,000 bound values.
    wanted = chosen + list(range(10**7, 10**7 + 300_000))
    summary = link_orders(db.session, LinkOptions(threshold=0.7, order_ids=wanted))
    assert summary.examined == 4
    examined = set(db.session.scalars(select(Order.id).where(Order.link_run_id.is_not(None))))
    assert examined == set(chosen)


@pytest.mark.parametrize("read_bytes", [1, 7, 16, 1 << 20])
def test_the_encoding_is_checked_in_reads_with_the_line_of_the_first_bad_byte(
    runner, tmp_path, monkeypatch, read_bytes
):
    monkeypatch.setattr(csvfile, "READ_BYTES", read_bytes)
    good = "\ufeff" + ORDER_HEADER + "".join(f"A-{i},Hélène Zoé €,,,,,10,,\n" for i in range(5))
    path = tmp_path / "orders.csv"
    path.write_bytes(good.encode() + "A-9,Hélène,,,,,10,,\n".encode("cp1252"))
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 1
    assert f"not UTF-8 (line 7, byte {len(good.encode()) + 5}:" in result.output
    assert count(Order) == 0
    path.write_bytes(good.encode() + "A-9,Hélè".encode()[:-1])  # the file ends inside a character
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 1 and "not UTF-8 (line 7" in result.output
    path.write_bytes(good.encode())  # characters cut across reads, but whole: accepted
    result = runner.invoke(args=["import-orders", str(path)])
    assert "5 orders imported" in result.output
    assert db.session.scalar(select(Order.client_name).where(Order.reference == "A-0")) == "Hélène Zoé €"
