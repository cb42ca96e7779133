"""CSV imports: good rows in, bad rows reported by line, the same file twice is a no-op."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from yoozak.extensions import db
from yoozak.models import Client, Order, User

CLIENT_HEADER = "email,username,first_name,last_name,phone,address,company_name,is_active,created_at\n"
ORDER_HEADER = "reference,client_name,email,phone,address,city,price,status,created_at\n"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_clients_reports_bad_rows_and_imports_good_ones(runner, tmp_path):
    path = write(
        tmp_path,
        "clients.csv",
        CLIENT_HEADER
        + "amina@example.com,amina,Amina,Bennani,06 12 34 56 78,Rue 1,,oui,2026-01-15\n"
        + "not-an-email,x,X,Y,,,,,\n"
        + "karim@example.com,karim,Karim,Tazi,+212700000000,Rue 2,Atlas,no,15/02/2026\n"
        + "lina@example.com,lina,Lina,L,,,,,31/31/2026\n"
        + "AMINA@example.com,amina2,Amina,Dup,,,,,\n",
    )
    result = runner.invoke(args=["import-clients", str(path)])
    assert result.exit_code == 0, result.output
    assert "line 3: email" in result.output
    assert "line 5: created_at" in result.output
    assert "line 6: email 'amina@example.com' already on line 2" in result.output
    assert "2 clients imported, 0 already present, 3 row(s) rejected" in result.output
    amina = db.session.scalar(select(Client).join(User).where(User.email == "amina@example.com"))
    assert amina.phone == "+212612345678" and amina.is_active
    karim = db.session.scalar(select(Client).join(User).where(User.email == "karim@example.com"))
    assert karim.is_active is False and karim.company_name == "Atlas"


def test_importing_the_same_clients_twice_creates_no_duplicates(runner, tmp_path):
    path = write(tmp_path, "clients.csv", CLIENT_HEADER + "amina@example.com,amina,Amina,B,,,,,\n")
    runner.invoke(args=["import-clients", str(path)])
    result = runner.invoke(args=["import-clients", str(path)])
    assert "0 clients imported, 1 already present" in result.output
    assert count(Client) == 1


def test_unknown_columns_are_ignored_and_optional_ones_defaulted(runner, tmp_path):
    path = write(tmp_path, "clients.csv", "email,favourite_colour\nnadia@example.com,blue\n")
    result = runner.invoke(args=["import-clients", str(path)])
    assert result.exit_code == 0 and "1 clients imported" in result.output
    user = db.session.scalar(select(User).where(User.email == "nadia@example.com"))
    assert user.username == "nadia" and user.client.is_active


def test_username_clash_gets_a_unique_username(runner, tmp_path, factories):
    factories.user(email="other@example.com", username="amina")
    path = write(tmp_path, "clients.csv", CLIENT_HEADER + "amina@example.com,amina,Amina,B,,,,,\n")
    assert runner.invoke(args=["import-clients", str(path)]).exit_code == 0
    assert count(Client) == 1


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        ("email,name\ncafé@example.com,é\n", "latin-1", "not UTF-8"),
        ("first_name,last_name\nA,B\n", "utf-8", "missing column(s) email"),
        ("", "utf-8", "empty file"),
    ],
)
def test_unusable_client_files_are_refused_whole(runner, tmp_path, content, encoding, message):
    path = write(tmp_path, "bad.csv", content, encoding)
    result = runner.invoke(args=["import-clients", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert count(User) == 0


def test_missing_file_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(args=["import-orders", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_import_orders_validates_each_row(runner, tmp_path):
    path = write(
        tmp_path,
        "orders.csv",
        ORDER_HEADER
        + 'A-1,Amina Bennani,,0612345678,Rue 1,Casablanca,"1 234,50",confirmée,2026-03-01 10:00\n'
        + "A-2,Karim,,,,,abc,pending,\n"
        + "A-3,Karim,,,,,-5,pending,\n"
        + "A-4,Karim,,,,,10,shipped?,\n"
        + "A-5,Karim,,,,,10,pending,not a date\n"
        + ",Nobody,,,,,10,pending,\n"
        + "A-1,Again,,,,,10,pending,\n"
        + f"A-8,{'x' * 300},,,,,10,pending,\n"
        + "A-9,Guest,,,,,99.90,,\n",
    )
    result = runner.invoke(args=["import-orders", str(path)])
    assert result.exit_code == 0, result.output
    for line, reason in [
        (3, "price"),
        (4, "price"),
        (5, "status"),
        (6, "created_at"),
        (7, "reference"),
        (8, "already on line 2"),
        (9, "client_name: 300 characters"),
    ]:
        assert f"line {line}: " in result.output and reason in result.output
    assert "2 orders imported, 0 already present, 7 row(s) rejected" in result.output
    first = db.session.scalar(select(Order).where(Order.reference == "A-1"))
    assert first.price == Decimal("1234.50") and first.status == "confirmed"
    assert first.phone_e164 == "+212612345678"
    guest = db.session.scalar(select(Order).where(Order.reference == "A-9"))
    assert guest.status == "pending" and guest.price == Decimal("99.90")


def test_imported_orders_are_linked_on_arrival(runner, tmp_path, factories):
    amina = factories.client("Amina", "Bennani", phone="0612345678")
    path = write(
        tmp_path,
        "orders.csv",
        ORDER_HEADER
        + "B-1,Amina Bennani,,+212 6 12 34 56 78,,,300,confirmed,\n"
        + "B-2,Someone Else,,0700000001,,,100,pending,\n",
    )
    result = runner.invoke(args=["import-orders", str(path)])
    assert "Linked on arrival" in result.output
    db.session.expire_all()
    order = db.session.scalar(select(Order).where(Order.reference == "B-1"))
    assert order.client_id == amina.id and order.link_method == "phone"
    assert db.session.get(Client, amina.id).total_spent == Decimal("300.00")


def test_importing_the_same_orders_twice_is_a_no_op(runner, tmp_path):
    path = write(tmp_path, "orders.csv", ORDER_HEADER + "C-1,X,,,,,10,pending,\n")
    runner.invoke(args=["import-orders", str(path)])
    result = runner.invoke(args=["import-orders", str(path)])
    assert "0 orders imported, 1 already present" in result.output
    assert count(Order) == 1


def test_semicolon_separated_files_from_french_excel(runner, tmp_path):
    path = write(
        tmp_path, "orders.csv", "\ufeffreference;client_name;price;status\nD-1;Amina;12,50;annulée\n"
    )
    result = runner.invoke(args=["import-orders", str(path)])
    assert "1 orders imported" in result.output
    order = db.session.scalar(select(Order))
    assert order.price == Decimal("12.50") and order.status == "cancelled"
