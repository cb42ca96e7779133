"""Over-long values in the admin forms are refused with a message, never cut down."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from yoozak.extensions import db
from yoozak.models import Client, Order, User


@pytest.fixture
def records(factories):
    client = factories.client("Amine", "Bénani", email="amine@example.com", phone="0612345678")
    order = factories.order(client, reference="YZ-1", price="100.00")
    return {"client": client, "order": order}


def client_form(r) -> dict[str, str]:
    c = r["client"]
    return {
        "user": str(c.user_id),
        "phone": "0612345678",
        "address": "1 rue",
        "company_name": "",
        "is_active": "y",
    }


def order_form(r) -> dict[str, str]:
    o = r["order"]
    return {
        "reference": "YZ-1",
        "client_name": "Amine",
        "email": "",
        "phone": "",
        "address": "",
        "city": "",
        "price": "100.00",
        "status": "confirmed",
        "created_at": o.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        "client": str(r["client"].id),
    }


def user_form(r) -> dict[str, str]:
    return {
        "email": "amine@example.com",
        "username": "amine",
        "first_name": "Amine",
        "last_name": "Bénani",
        "is_active": "y",
        "password": "",
    }


CASES = [
    ("client_admin", Client, "client", client_form, "address", 255),
    ("client_admin", Client, "client", client_form, "company_name", 150),
    ("client_admin", Client, "client", client_form, "phone", 64),
    ("order_admin", Order, "order", order_form, "reference", 64),
    ("order_admin", Order, "order", order_form, "client_name", 255),
    ("order_admin", Order, "order", order_form, "city", 100),
    ("order_admin", Order, "order", order_form, "address", 255),
    ("user_admin", User, "user", user_form, "username", 150),
    ("user_admin", User, "user", user_form, "first_name", 150),
    ("user_admin", User, "user", user_form, "last_name", 150),
]


def record_id(records, kind: str) -> int:
    return records["client"].user_id if kind == "user" else records[kind].id


@pytest.mark.parametrize(
    ("endpoint", "model", "kind", "form", "field", "limit"), CASES, ids=[f"{c[0]}-{c[4]}" for c in CASES]
)
def test_over_long_values_are_refused_with_a_message(
    admin_client, auth, records, endpoint, model, kind, form, field, limit
):
    pk = record_id(records, kind)
    url = f"/admin/{endpoint}/edit/?id={pk}"
    token = auth.csrf_token(url)
    before = getattr(db.session.get(model, pk), field)

    too_long = "7" * (limit + 1) if field == "phone" else "x" * (limit + 1)
    response = admin_client.post(url, data={**form(records), field: too_long, "csrf_token": token})
    assert response.status_code == 200  # the form again, with the message
    assert f"Field cannot be longer than {limit} characters." in response.get_data(as_text=True)
    db.session.expire_all()
    assert getattr(db.session.get(model, pk), field) == before

    # At the limit, the value is saved whole.
    exact = "0" + "6" * 9 if field == "phone" else "y" * limit
    response = admin_client.post(url, data={**form(records), field: exact, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    stored = db.session.scalar(select(getattr(model, field)).where(model.id == pk))
    assert stored == exact or (field == "phone" and stored.endswith("666666666"))


def test_client_list_search_refuses_an_over_long_query_with_a_message(admin_client):
    html = admin_client.get("/client/", query_string={"q": "x" * 201}).get_data(as_text=True)
    assert "Recherche trop longue (au plus 200 caractères)." in html


def test_login_refuses_an_over_long_email(client, auth):
    response = auth.login(email="a" * 250 + "@example.com")
    assert response.status_code == 400
    assert "Field cannot be longer than 254 characters." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("10.005", "Le prix a au plus 2 décimales."),
        ("100000000", "Le prix doit être compris entre 0 et 99999999.99 MAD."),
        ("-1", "Le prix doit être compris entre 0 et 99999999.99 MAD."),
    ],
)
def test_an_order_price_is_never_rounded_or_overflowed(admin_client, auth, records, price, message):
    order = records["order"]
    url = f"/admin/order_admin/edit/?id={order.id}"
    data = {**order_form(records), "price": price, "csrf_token": auth.csrf_token(url)}
    response = admin_client.post(url, data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert str(db.session.get(Order, order.id).price) == "100.00"


def test_a_nul_character_in_a_form_is_refused(admin_client, auth, records):
    order = records["order"]
    url = f"/admin/order_admin/edit/?id={order.id}"
    data = {**order_form(records), "city": "Fès\x00", "csrf_token": auth.csrf_token(url)}
    response = admin_client.post(url, data=data)
    assert response.status_code == 200
    assert "Caractère nul (NUL) interdit." in response.get_data(as_text=True)
