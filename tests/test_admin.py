"""The Flask-Admin panel: views, search, filters, batch actions, links, CSRF."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from tests.conftest import USER_PASSWORD
from yoozak.extensions import db
from yoozak.models import Client, Order, User

ADMIN_LISTS = [
    "/admin/",
    "/admin/client_admin/",
    "/admin/order_admin/",
    "/admin/user_admin/",
    "/admin/linkrun_admin/",
    "/admin/review_admin/",
]


def action_token(html: str) -> str:
    match = re.search(r'id="action_form".*?name="csrf_token"[^>]*value="([^"]+)"', html, re.S)
    assert match, "the action form carries no CSRF token"
    return match.group(1)


@pytest.mark.parametrize("path", ADMIN_LISTS)
def test_every_admin_page_renders_for_an_admin(admin_client, path):
    assert admin_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ADMIN_LISTS)
def test_admin_pages_refuse_non_admins(client, auth, plain_user, path):
    auth.login("user@yoozak.ma", USER_PASSWORD)
    assert client.get(path).status_code == 403


def test_client_list_shows_stats_and_aggregates(admin_client, factories):
    amina = factories.client("Amina", "Bennani", phone="0612345678", company_name="Atlas SARL")
    factories.order(amina, price="250.00", status="confirmed")
    factories.order(amina, price="100.00", status="cancelled")
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    assert 'data-test="admin-stats"' in html
    assert re.search(r'data-stat="total_clients">\s*1\s*<', html)
    assert "Amina Bennani" in html and "06 12 34 56 78" in html
    assert "250,00" in html  # total spent counts the confirmed order only


def test_client_links_to_its_orders_in_the_order_list(admin_client, factories):
    amina = factories.client("Amina", "Bennani")
    other = factories.client("Karim", "Tazi")
    factories.order(amina, reference="REF-AMINA")
    factories.order(other, reference="REF-KARIM")
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    link = re.search(r'href="(/admin/order_admin/\?[^"]*=' + str(amina.id) + r')"', html)
    assert link, "no link from the client to its orders"
    orders_html = admin_client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "REF-AMINA" in orders_html and "REF-KARIM" not in orders_html


@pytest.mark.parametrize(
    "query", ["bennani", "BENNANI", "benn", "0612345678", "+212 6 12 34", "atlas", "amina.b"]
)
def test_client_admin_search(admin_client, factories, query):
    factories.client(
        "Amina", "Bennani", email="amina.b@example.com", phone="06 12 34 56 78", company_name="Atlas SARL"
    )
    factories.client("Karim", "Tazi", phone="0700000000")
    html = admin_client.get("/admin/client_admin/", query_string={"search": query}).get_data(as_text=True)
    assert "Amina Bennani" in html
    assert "Karim Tazi" not in html


def _post_action(admin_client, action: str, ids: list[int]):
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    data = {
        "action": action,
        "rowid": [str(i) for i in ids],
        "csrf_token": action_token(html),
        "url": "/admin/client_admin/",
    }
    return admin_client.post("/admin/client_admin/action/", data=data)


def test_batch_deactivate_then_activate(admin_client, factories):
    a, b, c = (factories.client(n, "Test") for n in ("Ali", "Badr", "Chama"))
    response = _post_action(admin_client, "deactivate", [a.id, b.id])
    assert response.status_code == 302
    states = {cl.id: cl.is_active for cl in db.session.scalars(db.select(Client))}
    assert states == {a.id: False, b.id: False, c.id: True}
    # Idempotent: deactivating again changes nothing and says so.
    _post_action(admin_client, "deactivate", [a.id, b.id])
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    assert "0 client(s) désactivé(s) sur 2" in html
    _post_action(admin_client, "activate", [a.id])
    assert db.session.get(Client, a.id).is_active is True


def test_batch_action_without_csrf_token_is_refused(admin_client, factories):
    a = factories.client("Ali", "Test")
    response = admin_client.post(
        "/admin/client_admin/action/", data={"action": "deactivate", "rowid": [str(a.id)]}
    )
    assert response.status_code == 400
    assert db.session.get(Client, a.id).is_active is True


def test_batch_actions_ask_for_confirmation(admin_client, factories):
    factories.client("Ali", "Test")
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    data = re.search(r'id="actions-confirmation-data"[^>]*>(.*?)</div>', html, re.S).group(1)
    confirmations = json.loads(data)
    assert confirmations["deactivate"] == "Désactiver les clients sélectionnés ?"
    assert confirmations["activate"] == "Activer les clients sélectionnés ?"


def test_order_list_links_to_the_client_and_filters(admin_client, factories):
    amina = factories.client("Amina", "Bennani")
    factories.order(amina, reference="REF-LINKED", status="confirmed")
    factories.order(None, reference="REF-GUEST", status="pending")
    html = admin_client.get("/admin/order_admin/").get_data(as_text=True)
    assert f'href="/client/{amina.id}/"' in html
    unlinked = admin_client.get("/admin/order_admin/?flt0_sans_client_empty=1").get_data(as_text=True)
    assert "REF-GUEST" in unlinked and "REF-LINKED" not in unlinked
    pending = admin_client.get("/admin/order_admin/?flt0_statut_equals=pending").get_data(as_text=True)
    assert "REF-GUEST" in pending and "REF-LINKED" not in pending


def test_user_admin_never_shows_the_hash_and_sets_passwords(admin_client, admin_user):
    html = admin_client.get("/admin/user_admin/").get_data(as_text=True)
    assert admin_user.password_hash not in html
    edit = admin_client.get(f"/admin/user_admin/edit/?id={admin_user.id}").get_data(as_text=True)
    assert "password_hash" not in edit and admin_user.password_hash not in edit
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', edit).group(1)
    response = admin_client.post(
        f"/admin/user_admin/edit/?id={admin_user.id}",
        data={
            "email": admin_user.email,
            "username": admin_user.username,
            "first_name": "Adam",
            "last_name": "Admin",
            "is_admin": "y",
            "is_active": "y",
            "password": "another-password-9",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    user = db.session.get(User, admin_user.id)
    assert user.first_name == "Adam" and user.check_password("another-password-9")


def test_admin_edit_without_csrf_is_refused(admin_client, factories):
    amina = factories.client("Amina", "Bennani", address="Rue 1")
    response = admin_client.post(f"/admin/client_admin/edit/?id={amina.id}", data={"address": "Rue 2"})
    assert response.status_code == 400
    assert db.session.get(Client, amina.id).address == "Rue 1"


def test_assigning_a_client_in_the_admin_is_a_manual_link(admin_client, factories):
    amina = factories.client("Amina", "Bennani")
    order = factories.order(None, reference="REF-1", client_name="amina b", price="300.00")
    edit = admin_client.get(f"/admin/order_admin/edit/?id={order.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', edit).group(1)
    response = admin_client.post(
        f"/admin/order_admin/edit/?id={order.id}",
        data={
            "reference": "REF-1",
            "client_name": "amina b",
            "price": "300.00",
            "status": "confirmed",
            "created_at": "2026-01-02 10:00:00",
            "client": str(amina.id),
            "csrf_token": token,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = db.session.get(Order, order.id)
    assert saved.client_id == amina.id and saved.link_method == "manual"
    client = db.session.get(Client, amina.id)
    assert client.orders_count == 1 and client.total_spent == Decimal("300.00")


def test_admin_output_is_escaped(admin_client, factories):
    factories.client("<script>alert(1)</script>", "X", company_name="<b>Evil</b>")
    html = admin_client.get("/admin/client_admin/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>Evil</b>" not in html


def test_review_queue_page_costs_the_same_statements_for_more_items(admin_client, factories, count_queries):
    from yoozak.models import ReviewItem

    karims = [factories.client("Karim", "Alaoui", phone=f"066100000{i}") for i in range(3)]

    def queue(n: int) -> None:
        for _ in range(n):
            o = factories.order(None, client_name="Karim Alaoui")
            db.session.add(
                ReviewItem(
                    order_id=o.id,
                    reason="namesakes",
                    candidates=[{"client_id": k.id, "method": "name", "score": 0.9} for k in karims],
                )
            )
        db.session.commit()

    def statements() -> int:
        with count_queries() as counter:
            assert admin_client.get("/admin/review_admin/").status_code == 200
        return counter.count

    queue(2)
    few = statements()
    queue(10)
    assert statements() == few
