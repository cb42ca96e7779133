"""The Flask-Admin pages in Chromium under the strict CSP (no 'unsafe-inline').

Every page records its Content-Security-Policy violations (the `securitypolicyviolation`
event, besides the console errors the `browsing` fixture already fails on); the batch
action, the delete confirmation, the filters and the review buttons must work with CSRF on.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_PASSWORD
from yoozak.extensions import db
from yoozak.models import Client, ReviewItem
from yoozak.security import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def admin_page(browsing, admin_user):
    """Log in through the form, recording CSP violations on every page from now on."""
    page = browsing.page
    page.add_init_script(RECORD_VIOLATIONS)
    browsing.goto("/auth/login")
    page.fill("#email", "admin@yoozak.ma")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return browsing


def violations(browsing) -> list[str]:
    return browsing.page.evaluate("window.__csp || []")


def visit(browsing, path: str) -> None:
    """Open an admin page, check it is served under the strict policy and breaks none of it."""
    response = browsing.goto(path)
    assert response.status == 200, path
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert violations(browsing) == [], path


@pytest.fixture
def shop(factories):
    """Three clients with orders, one ambiguous order in the review queue."""
    clients = [factories.client("Karim", f"Alaoui{i}", phone=f"06610000{i}0") for i in range(3)]
    for i, client in enumerate(clients):
        factories.order(client, reference=f"YZ-{i:04d}")
    guest = factories.order(None, client_name="Karim Alaoui", reference="YZ-AMBI")
    db.session.add(
        ReviewItem(
            order_id=guest.id,
            reason="namesakes",
            candidates=[{"client_id": c.id, "method": "name", "score": 0.9} for c in clients],
        )
    )
    db.session.commit()
    return {"clients": clients, "order": guest}


def test_every_admin_page_runs_without_a_csp_violation(admin_page, shop):
    client = shop["clients"][0]
    order = shop["order"]
    for path in (
        "/admin/",
        "/admin/client_admin/",
        f"/admin/client_admin/edit/?id={client.id}",
        f"/admin/client_admin/details/?id={client.id}",
        "/admin/order_admin/",
        f"/admin/order_admin/edit/?id={order.id}",
        "/admin/order_admin/new/",
        f"/admin/order_admin/details/?id={order.id}",
        "/admin/user_admin/",
        f"/admin/user_admin/edit/?id={client.user_id}",
        "/admin/linkrun_admin/",
        "/admin/review_admin/",
    ):
        visit(admin_page, path)
    # Placeholder links (the active tab is a javascript:void(0) link) navigate nowhere.
    page = admin_page.page
    page.click(".nav-tabs .nav-link.active")
    assert violations(admin_page) == []


def test_batch_action_activates_the_selected_clients(admin_page, factories):
    page = admin_page.page
    for i in range(3):
        factories.client("Inactif", f"Client{i}", is_active=False)
    visit(admin_page, "/admin/client_admin/")
    page.check("input.action-toggle, input.action-rowtoggle")
    expect(page.locator("input.action-checkbox:checked")).to_have_count(3)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("a.dropdown-toggle:has-text('With selected'), a.dropdown-toggle:has-text('Avec la sélection')")
    page.click('[data-admin-action="activate"]')
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_contain_text("3 client(s) activé(s)")
    assert violations(admin_page) == []
    db.session.expire_all()
    assert db.session.query(Client).filter_by(is_active=False).count() == 0


def test_dismissing_the_confirmation_changes_nothing(admin_page, factories):
    page = admin_page.page
    factories.client("Inactif", "Client", is_active=False)
    visit(admin_page, "/admin/client_admin/")
    page.check("input.action-checkbox")
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.click("a.dropdown-toggle:has-text('With selected'), a.dropdown-toggle:has-text('Avec la sélection')")
    page.click('[data-admin-action="activate"]')
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/admin/client_admin/$"))
    assert violations(admin_page) == []
    db.session.expire_all()
    assert db.session.query(Client).filter_by(is_active=False).count() == 1


def test_adding_a_filter_filters_the_list(admin_page, factories):
    page = admin_page.page
    factories.client("Actif", "Client")
    factories.client("Inactif", "Client", is_active=False)
    visit(admin_page, "/admin/client_admin/")
    page.click("a.dropdown-toggle:has-text('Add Filter'), a.dropdown-toggle:has-text('Ajouter un filtre')")
    page.click(".field-filters a.filter >> nth=0")  # "Actif"
    expect(page.locator("#filter_form select.filter-val")).to_have_count(1)
    # Select2 hides the <select> it decorates; the form posts the select's value.
    page.locator("#filter_form select.filter-val").select_option("0", force=True)
    page.click("#filter_form button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"flt\d+_"))
    expect(page.locator("td.col-full_name")).to_have_count(1)
    expect(page.locator("td.col-full_name")).to_contain_text("Inactif Client")
    assert violations(admin_page) == []


def test_review_button_links_the_order_with_csrf(admin_page, shop):
    page = admin_page.page
    target = shop["clients"][1]
    visit(admin_page, "/admin/review_admin/")
    page.click(f"button:has-text('Lier à {target.full_name}')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_contain_text("Décision enregistrée")
    assert violations(admin_page) == []
    db.session.expire_all()
    assert db.session.get(type(shop["order"]), shop["order"].id).client_id == target.id


def test_edit_forms_save_under_the_policy(admin_page, shop):
    page = admin_page.page
    order = shop["order"]
    visit(admin_page, f"/admin/order_admin/edit/?id={order.id}")
    page.click("#created_at")  # the date picker opens its calendar
    expect(page.locator(".daterangepicker").first).to_be_visible()
    page.click("#city")  # a click elsewhere closes it
    page.fill("#city", "Marrakech")
    page.click("input[type=submit][value='Save'], input[type=submit][value='Enregistrer']")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_be_visible()
    assert violations(admin_page) == []
    db.session.expire_all()
    assert db.session.get(type(order), order.id).city == "Marrakech"

    client = shop["clients"][0]
    visit(admin_page, f"/admin/client_admin/edit/?id={client.id}")
    page.fill("#company_name", "Atlas Chaussures")
    page.click("input[type=submit][value='Save'], input[type=submit][value='Enregistrer']")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".alert-success")).to_be_visible()
    assert violations(admin_page) == []
    db.session.expire_all()
    assert db.session.get(Client, client.id).company_name == "Atlas Chaussures"
