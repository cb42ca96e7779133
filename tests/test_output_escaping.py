"""Hostile names are shown as text on every page: admin lists, details, forms and client pages.

Flask-Admin's column formatters return Markup, which Jinja no longer escapes: each one must
escape what it interpolates. These tests put markup in every text field a page can show.
"""

from __future__ import annotations

import pytest

from yoozak.extensions import db
from yoozak.models import ReviewItem

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
# What must never reach a page raw: an element the browser would create from the data.
RAW = ("<script>alert(1)", "<img src=x")


@pytest.fixture
def hostile(factories):
    """A client, its account and an order whose text fields all carry markup."""
    client = factories.client(
        SCRIPT,
        IMG,
        email="x@example.com",
        username=f"u{SCRIPT}",
        address=f"{IMG} rue {SCRIPT}",
        company_name=f"{SCRIPT} SARL",
        phone="0612345678",
    )
    order = factories.order(
        client, reference=f"R{IMG}"[:64], client_name=f"{SCRIPT} {IMG}", city=SCRIPT, address=IMG
    )
    guest = factories.order(None, reference=f"G{SCRIPT}", client_name=f"{IMG}{SCRIPT}")
    db.session.add(
        ReviewItem(
            order_id=guest.id,
            reason=SCRIPT,
            candidates=[{"client_id": client.id, "method": f"name{SCRIPT}", "score": 0.9}],
        )
    )
    db.session.commit()
    return {"client": client, "order": order, "guest": guest}


def pages(h) -> list[str]:
    c, o, g = h["client"], h["order"], h["guest"]
    return [
        "/admin/",
        "/admin/client_admin/",
        f"/admin/client_admin/?search={SCRIPT}",
        f"/admin/client_admin/details/?id={c.id}",
        f"/admin/client_admin/edit/?id={c.id}",
        "/admin/order_admin/",
        f"/admin/order_admin/?search={IMG}",
        f"/admin/order_admin/details/?id={o.id}",
        f"/admin/order_admin/edit/?id={o.id}",
        f"/admin/order_admin/details/?id={g.id}",
        "/admin/user_admin/",
        f"/admin/user_admin/details/?id={c.user_id}",
        f"/admin/user_admin/edit/?id={c.user_id}",
        "/admin/review_admin/",
        f"/admin/review_admin/details/?id={1}",
        "/client/",
        f"/client/?q={SCRIPT}",
        f"/client/{c.id}/",
    ]


def test_hostile_text_is_escaped_on_every_page(admin_client, hostile):
    for path in pages(hostile):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for raw in RAW:
            assert raw not in html, f"{raw!r} unescaped on {path}"


@pytest.mark.parametrize(
    "path",
    ["/admin/client_admin/", "/admin/order_admin/", "/admin/review_admin/", "/client/", "/client/{id}/"],
)
def test_the_escaped_name_is_what_the_page_shows(admin_client, hostile, path):
    html = admin_client.get(path.format(id=hostile["client"].id)).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text


def test_the_json_api_returns_the_text_unchanged(admin_client, hostile):
    # JSON carries the raw text, not double-escaped; the page scripts insert it with
    # textContent (static/js has no innerHTML of data).
    body = admin_client.get(f"/client/api/{hostile['client'].id}/orders/").get_json()
    assert body["orders"][0]["reference"] == f"R{IMG}"
