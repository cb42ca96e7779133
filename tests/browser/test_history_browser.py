"""The history timeline and the duplicate merge flow in Chromium, at desktop, tablet and phone widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_clients_browser import login
from yoozak.extensions import db
from yoozak.models import Client

pytestmark = pytest.mark.browser


@pytest.fixture
def twins(factories, admin_user):
    """Amina twice (one phone, two spellings), with orders on both; 25 history entries on the first."""
    amina = factories.client(
        "Amina", "Bennani", email="amina@gmail.com", phone="0612345678", address="12 rue de Fès, Rabat"
    )
    twin = factories.client(
        "Amina",
        "Benani",
        email="amina.benani.avec.une.adresse.tres.longue@entreprise-marocaine.ma",
        phone="+212 6 12 34 56 78",
        company_name="Atlas Chaussures SARL",
    )
    for i in range(3):
        factories.order(amina, reference=f"A-{i}", price="100.00")
    factories.order(twin, reference="T-0", price="40.00")
    for i in range(20):
        amina.address = f"{i} rue de Fès, Rabat"
        db.session.commit()
    return {"amina": amina, "twin": twin}


def test_timeline_on_the_client_page(browsing, viewport, twins):
    page = browsing.page
    login(browsing)
    amina = twins["amina"]
    browsing.goto(f"/client/{amina.id}/")
    timeline = page.locator('[data-test="timeline"]')
    expect(timeline.locator("h2")).to_have_text("Historique des modifications")
    entries = timeline.locator('[data-test="timeline-entry"]')
    expect(entries).to_have_count(20)
    expect(entries.first).to_contain_text("Adresse : 18 rue de Fès, Rabat → 19 rue de Fès, Rabat")
    expect(entries.first).to_contain_text("Par Système, en ligne de commande")
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("timeline")
    # The toggle writes an entry that the timeline shows after a reload.
    page.click('[data-test="client-header"] [data-test="toggle"]')
    page.click('[data-test="confirm-ok"]')
    expect(page.locator('[data-test="confirm-modal"]')).to_be_hidden()
    browsing.goto(f"/client/{amina.id}/")
    expect(entries.first).to_contain_text("Statut : actif → inactif")
    expect(entries.first).to_contain_text("Par admin@yoozak.ma, depuis les pages clients")
    # The second page holds the oldest entries, the creation last.
    timeline.get_by_role("link", name="Page suivante").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"hpage=2"))
    expect(entries.last).to_contain_text("Fiche créée")
    expect(page.locator('[data-test="timeline-summary"]')).to_contain_text("page 2 sur 2")
    browsing.assert_no_horizontal_scroll()


def test_merge_flow(browsing, viewport, twins):
    page = browsing.page
    login(browsing)
    amina, twin = twins["amina"], twins["twin"]
    browsing.goto("/client/duplicates/")
    expect(page.locator("h1")).to_have_text("Doublons probables")
    group = page.locator('[data-test="duplicate-group"]')
    expect(group).to_have_count(1)
    expect(group.locator('[data-test="evidence"]')).to_contain_text("Même téléphone")
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("duplicates")
    # Without the confirmation box the browser does not send the form.
    group.locator(f'label[for="keep-{amina.id}"]').click()
    group.locator('[data-test="merge"]').click()
    expect(page).to_have_url(re.compile(r"/client/duplicates/$"))
    group.locator('label[for^="confirm-"]').click()
    group.locator('[data-test="merge"]').click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(rf"/client/{amina.id}/$"))
    expect(page.locator(".alert-success")).to_contain_text("fusionnées dans celle-ci")
    expect(page.locator('[data-client-stat="orders_count"]')).to_have_text("4")
    entries = page.locator('[data-test="timeline-entry"]')
    expect(entries.first).to_contain_text(f"Fiches #{twin.id} fusionnées dans celle-ci")
    expect(entries.first).to_contain_text("Société : — → Atlas Chaussures SARL")
    browsing.assert_no_horizontal_scroll()
    browsing.screenshot("merged")
    db.session.rollback()
    assert db.session.get(Client, twin.id).merged_into_id == amina.id
    browsing.goto("/client/duplicates/")
    expect(page.locator('[data-test="no-duplicates"]')).to_be_visible()
