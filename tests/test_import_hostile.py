"""CSV imports of hostile files: wrong encodings, binary files, over-long values, duplicates, size.

A file that cannot be read is refused whole with a message saying why; a bad row is refused
with its line and the column at fault; what is imported goes in one transaction.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from yoozak.extensions import db
from yoozak.models import Client, Order, User
from yoozak.seeding import importers
from yoozak.seeding.csvfile import MAX_FILE_BYTES

CLIENT_HEADER = "email,username,first_name,last_name,phone,address,company_name,is_active,created_at\n"
ORDER_HEADER = "reference,client_name,email,phone,address,city,price,status,created_at\n"


def write(tmp_path: Path, data: bytes, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Excel's "CSV" on Windows: é and € in Windows-1252, on the third line.
        (
            (ORDER_HEADER + "A-1,Amina,,,,,10,pending,\nA-2,Hélène €,,,,,10,pending,\n").encode("cp1252"),
            "not UTF-8 (line 3",
        ),
        (("reference,price\nA-1,10\n").encode("utf-16"), "UTF-16"),
        (("reference,price\nA-1,10\n").encode("utf-16-le"), "NUL bytes"),
        (b"PK\x03\x04" + os.urandom(2000), "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0" + os.urandom(2000), "old Excel workbook"),
        (b"%PDF-1.7\n" + os.urandom(2000), "PDF"),
        (bytes(range(256)) * 20, "not UTF-8"),
        (b"reference;price\n" + b"\x00" * 50, "NUL bytes"),
        (b"client_name,price\nAmina,10\n", "missing column(s) reference"),
        (b"email,client_name\nx@example.com,Amina\n", "missing column(s) reference, price"),
        (b'reference,price\nA-1,"10\n', "unexpected end of data"),
        (b"reference,price\nA-1," + b"9" * 20_000 + b"\n", "field larger than field limit"),
    ],
    ids=[
        "cp1252",
        "utf16-bom",
        "utf16-no-bom",
        "xlsx",
        "xls",
        "pdf",
        "garbage",
        "nul",
        "no-reference",
        "no-key-columns",
        "open-quote",
        "huge-field",
    ],
)
def test_unreadable_order_files_are_refused_whole(runner, tmp_path, data, message):
    path = write(tmp_path, data)
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert count(Order) == 0


def test_a_latin1_client_file_is_refused_with_its_line(runner, tmp_path):
    path = write(
        tmp_path,
        (CLIENT_HEADER + "a@example.com,a,Amina,B,,,,,\nb@example.com,b,Zoé,C,,,,,\n").encode("latin-1"),
    )
    result = runner.invoke(args=["import-clients", str(path)])
    assert result.exit_code == 1 and "not UTF-8 (line 3" in result.output
    assert count(User) == 0


def test_a_file_above_the_cap_is_refused_before_reading_and_nothing_is_written(runner, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    with path.open("wb") as out:  # sparse: as big as the cap allows plus one byte, all NUL
        out.truncate(MAX_FILE_BYTES + 1)
    opened = []
    real_open = Path.open
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k))
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 1
    assert "100.0 MB, more than the 100 MB one import accepts; split it" in result.output
    assert path not in opened  # refused on its size: not one byte read (else "NUL bytes")
    assert count(Order) == 0


ORDER_LIMITS = [("reference", 64), ("client_name", 255), ("phone", 64), ("address", 255), ("city", 100)]


@pytest.mark.parametrize(("column", "limit"), ORDER_LIMITS)
def test_over_long_order_values_are_refused_per_row_never_truncated(runner, tmp_path, column, limit):
    values = {"reference": "A-2", "client_name": "Karim", "price": "10"}
    values[column] = "x" * (limit + 1)
    long_row = ",".join(values.get(c, "") for c in ORDER_HEADER.strip().split(","))
    exact = dict(values, **{column: "y" * limit})
    exact["reference"] = "y" * limit if column == "reference" else "A-3"
    exact_row = ",".join(exact.get(c, "") for c in ORDER_HEADER.strip().split(","))
    path = write(
        tmp_path, (ORDER_HEADER + "A-1,Amina,,,,,10,,\n" + long_row + "\n" + exact_row + "\n").encode()
    )
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 0, result.output
    assert f"line 3: {column}: {limit + 1} characters, at most {limit} allowed" in result.output
    assert "2 orders imported, 0 already present, 1 row(s) rejected" in result.output
    stored = db.session.scalars(select(getattr(Order, column))).all()
    assert "y" * limit in stored  # a value at the limit goes in whole
    assert not any(v and v.startswith("x") for v in stored)  # the long one is not cut down


CLIENT_LIMITS = [
    ("username", 150),
    ("first_name", 150),
    ("last_name", 150),
    ("address", 255),
    ("company_name", 150),
]


@pytest.mark.parametrize(("column", "limit"), CLIENT_LIMITS)
def test_over_long_client_values_are_refused_per_row(runner, tmp_path, column, limit):
    values = {"email": "long@example.com", column: "x" * (limit + 1)}
    row = ",".join(values.get(c, "") for c in CLIENT_HEADER.strip().split(","))
    path = write(tmp_path, (CLIENT_HEADER + "ok@example.com,ok,Ok,Client,,,,,\n" + row + "\n").encode())
    result = runner.invoke(args=["import-clients", str(path)])
    assert f"line 3: {column}: {limit + 1} characters, at most {limit} allowed" in result.output
    assert "1 clients imported, 0 already present, 1 row(s) rejected" in result.output
    assert db.session.scalar(select(User).where(User.email == "long@example.com")) is None


def test_an_over_long_email_is_refused_naming_the_column(runner, tmp_path):
    email = "a" * 250 + "@example.com"
    path = write(tmp_path, (CLIENT_HEADER + f"{email},x,X,Y,,,,,\n").encode())
    result = runner.invoke(args=["import-clients", str(path)])
    assert "line 2: email:" in result.output and "too long" in result.output
    assert count(User) == 0


def test_a_reference_already_in_the_database_leaves_that_order_untouched(runner, tmp_path, factories):
    factories.order(None, reference="A-1", client_name="Original", price="50.00")
    path = write(
        tmp_path,
        (ORDER_HEADER + "A-1,Changed,,,,,999,cancelled,\nA-2,New,,,,,10,,\nA-2,Twice,,,,,10,,\n").encode(),
    )
    result = runner.invoke(args=["import-orders", str(path)])
    assert "line 4: reference 'A-2' already on line 3" in result.output
    assert "1 orders imported, 1 already present, 1 row(s) rejected" in result.output
    original = db.session.scalar(select(Order).where(Order.reference == "A-1"))
    assert original.client_name == "Original" and str(original.price) == "50.00"


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("1.234.50,pending,", "price: '1.234.50' is not a number"),
        ("NaN,pending,", "price: 'NaN' must be between"),
        ("Infinity,pending,", "price: 'Infinity' must be between"),
        ("1e3,pending,", None),  # 1000: scientific notation is a number
        ("100000000,pending,", "price: '100000000' must be between 0 and 99999999.99"),
        ("10.001,pending,", "price: '10.001' has more than 2 decimals"),
        ("10,livré?,", "status: 'livré?' is not one of"),
        ("10,pending,2026-02-30", "created_at: '2026-02-30' is not a date"),
        ("10,pending,1899-01-01", "created_at: '1899-01-01' is outside 2000–2100"),
        ("10,pending,9999-12-31T23:59:59+14:00", "created_at: '9999-12-31T23:59:59+14:00' is outside"),
        ("10,pending,\x7f", "created_at"),
    ],
)
def test_bad_prices_statuses_and_dates_name_the_column(runner, tmp_path, cells, reason):
    path = write(tmp_path, (ORDER_HEADER + f"A-1,Amina,,,,,{cells}\n").encode())
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 0, result.output
    if reason is None:
        assert "1 orders imported" in result.output
    else:
        assert f"line 2: {reason}" in result.output
        assert count(Order) == 0


def test_a_failure_while_writing_leaves_nothing_half_imported(runner, tmp_path, monkeypatch):
    rows = "".join(f"c{i}@example.com,c{i},C,{i},,,,,\n" for i in range(300))
    path = write(tmp_path, (CLIENT_HEADER + rows).encode())
    real = importers.client_derived_fields
    calls = iter(range(10**6))

    def failing(**fields):
        if next(calls) == 250:  # the users are inserted, the clients half built
            raise RuntimeError("disk full")
        return real(**fields)

    monkeypatch.setattr(importers, "client_derived_fields", failing)
    result = runner.invoke(args=["import-clients", str(path)])
    assert result.exit_code != 0
    assert count(User) == 0 and count(Client) == 0
    monkeypatch.setattr(importers, "client_derived_fields", real)
    result = runner.invoke(args=["import-clients", str(path)])
    assert "300 clients imported, 0 already present, 0 row(s) rejected" in result.output
