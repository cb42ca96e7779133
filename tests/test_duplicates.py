"""Duplicate clients: groups and evidence, the merge service, the page, the CLI, the planted data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.test_client_api import csrf
from yoozak.clients.duplicates import MergeError, email_key, find_duplicate_groups, merge_clients
from yoozak.extensions import db
from yoozak.history.timeline import client_history
from yoozak.linking.run import LinkOptions, link_orders
from yoozak.models import Client, ClientEvent, Order


@pytest.fixture
def dupes(factories):
    """Amina three times (same phone; same mailbox), two Karims at one address, and a stranger."""
    amina = factories.client("Amina", "Bennani", email="amina@gmail.com", phone="0612345678", address="")
    amina_phone = factories.client(
        "Amina", "Benani", email="a.bennani@yahoo.fr", phone="+212 6 12 34 56 78", address="12 Rue Fès, Rabat"
    )
    amina_mail = factories.client("Amina", "B", email="Amina+shop@gmail.com", company_name="Atlas SARL")
    karim = factories.client("Karim", "Alaoui", phone="0661000001", address="5 Bd Mohammed V, Casablanca")
    karim2 = factories.client(
        "Karim", "Alaoui", phone="0661000002", address="5 boulevard mohamed 5 casablanca"
    )
    stranger = factories.client("Said", "Tazi", phone="0700000000", address="5 Bd Mohammed V, Casablanca")
    return {
        "amina": amina,
        "amina_phone": amina_phone,
        "amina_mail": amina_mail,
        "karim": karim,
        "karim2": karim2,
        "stranger": stranger,
    }


def test_email_key_ignores_case_spaces_and_plus_tags():
    assert email_key(" Amina+Shop@Gmail.com ") == "amina@gmail.com"
    assert email_key("not an address") is None


def test_groups_with_evidence_strongest_first(dupes):
    groups = find_duplicate_groups(db.session)
    assert [g.client_ids for g in groups] == [
        sorted([dupes["amina"].id, dupes["amina_phone"].id, dupes["amina_mail"].id]),
        sorted([dupes["karim"].id, dupes["karim2"].id]),
    ]
    amina_group, karim_group = groups
    assert [e.kind for e in amina_group.evidence] == ["email", "phone"]
    assert amina_group.evidence[1].value == "+212612345678"
    assert [e.kind for e in karim_group.evidence] == ["name_address"]


def test_merge_moves_orders_fills_fields_and_marks_the_others(dupes, factories):
    amina, by_phone, by_mail = dupes["amina"], dupes["amina_phone"], dupes["amina_mail"]
    factories.order(amina, price="100.00")
    for _ in range(2):
        factories.order(by_phone, price="50.00", link_method="phone")
    factories.order(by_mail, price="10.00", status="cancelled")
    last_before = db.session.scalar(select(func.max(ClientEvent.id)))
    result = merge_clients(db.session, [amina.id, by_phone.id, by_mail.id], amina.id)
    db.session.commit()
    db.session.expire_all()
    survivor = db.session.get(Client, amina.id)
    assert (result.orders_moved, survivor.orders_count, survivor.total_spent) == (3, 4, 200)
    assert survivor.address == "12 Rue Fès, Rabat" and survivor.company_name == "Atlas SARL"
    assert survivor.is_active and survivor.merged_into_id is None
    for other in (by_phone, by_mail):
        absorbed = db.session.get(Client, other.id)
        assert (absorbed.is_active, absorbed.merged_into_id, absorbed.orders_count) == (False, amina.id, 0)
    assert {o.link_method for o in db.session.scalars(select(Order))} == {"manual"}
    merged = db.session.scalars(select(ClientEvent).where(ClientEvent.action == "merged")).one()
    assert merged.client_id == amina.id
    assert merged.changes["absorbed"] == [by_phone.id, by_mail.id] and merged.changes["orders_moved"] == 3
    assert merged.changes["filled"]["address"] == ["", "12 Rue Fès, Rabat"]
    into = db.session.scalars(select(ClientEvent).where(ClientEvent.action == "merged_into")).all()
    assert sorted((e.client_id, e.changes["survivor"]) for e in into) == [
        (by_phone.id, amina.id),
        (by_mail.id, amina.id),
    ]
    # One entry per client: no automatic "updated" / "status_changed" beside them.
    after = db.session.scalars(select(ClientEvent.action).where(ClientEvent.id > last_before)).all()
    assert sorted(after) == ["merged", "merged_into", "merged_into"]
    # The survivor's timeline shows the history of the merged clients too.
    timeline = client_history(db.session, amina.id, 1, 50)
    assert {e.client_id for e in timeline.items} == {amina.id, by_phone.id, by_mail.id}


def test_merged_clients_leave_the_duplicate_groups(dupes):
    merge_clients(db.session, [dupes["karim"].id, dupes["karim2"].id], dupes["karim"].id)
    db.session.commit()
    assert all(dupes["karim2"].id not in g.client_ids for g in find_duplicate_groups(db.session))


def test_merge_is_refused_across_an_already_merged_client(dupes):
    amina, by_phone, by_mail = dupes["amina"], dupes["amina_phone"], dupes["amina_mail"]
    merge_clients(db.session, [amina.id, by_phone.id], amina.id)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(ClientEvent))
    with pytest.raises(MergeError) as refused:
        merge_clients(db.session, [by_mail.id, by_phone.id], by_mail.id)
    assert refused.value.status == 409 and "déjà fusionnée" in str(refused.value)
    db.session.rollback()
    assert db.session.get(Client, by_mail.id).is_active is True
    assert db.session.scalar(select(func.count()).select_from(ClientEvent)) == before


@pytest.mark.parametrize(
    ("ids", "survivor", "status"),
    [("pair", "outsider", 400), ("one", "first", 400), ("missing", "first", 404)],
)
def test_merge_refuses_bad_groups(dupes, ids, survivor, status):
    pair = [dupes["karim"].id, dupes["karim2"].id]
    group = {"pair": pair, "one": pair[:1], "missing": [pair[0], 999999]}[ids]
    chosen = dupes["stranger"].id if survivor == "outsider" else pair[0]
    with pytest.raises(MergeError) as refused:
        merge_clients(db.session, group, chosen)
    assert refused.value.status == status


def test_check_consistency_is_clean_after_a_merge(dupes, factories, runner):
    factories.order(dupes["karim"], price="70.00")
    factories.order(dupes["karim2"], price="30.00", status="pending")
    merge_clients(db.session, [dupes["karim"].id, dupes["karim2"].id], dupes["karim2"].id)
    db.session.commit()
    result = runner.invoke(args=["check-consistency"])
    assert result.exit_code == 0, result.output


def test_a_force_link_run_keeps_the_moved_orders_and_ignores_merged_clients(dupes, factories):
    karim, karim2 = dupes["karim"], dupes["karim2"]
    factories.order(None, reference="K2-1", client_name="Karim Alaoui", phone="0661000002")
    link_orders(db.session, LinkOptions())
    assert db.session.scalars(select(Order.client_id)).one() == karim2.id
    merge_clients(db.session, [karim.id, karim2.id], karim.id)
    db.session.commit()
    factories.order(None, reference="K2-2", client_name="Karim Alaoui", phone="0661000002")
    link_orders(db.session, LinkOptions(force=True))
    db.session.expire_all()
    links = dict(db.session.execute(select(Order.reference, Order.client_id)).all())
    assert links["K2-1"] == karim.id  # the merge's decision stands
    assert links["K2-2"] != karim2.id  # nothing links to a merged client any more


# --------------------------------------------------------------------------- page


def merge_form(admin_client, ids, survivor, confirm=True):
    data = {"csrf_token": csrf(admin_client), "client_ids": [str(i) for i in ids], "survivor": str(survivor)}
    if confirm:
        data["confirm"] = "yes"
    return admin_client.post("/client/duplicates/merge/", data=data)


def test_duplicates_page_lists_groups_with_evidence_and_a_form(admin_client, dupes):
    html = admin_client.get("/client/duplicates/").get_data(as_text=True)
    assert html.count('data-test="duplicate-group"') == 2
    assert "Même e-mail" in html and "Même téléphone" in html and "Même nom et même adresse" in html
    assert html.index("Même e-mail") < html.index("Même nom et même adresse")
    assert f'name="survivor" value="{dupes["karim2"].id}"' in html
    assert 'name="csrf_token"' in html and 'name="confirm"' in html
    assert "Said Tazi" not in html


def test_duplicates_page_is_paginated(admin_client, factories):
    for i in range(21):
        factories.client("Twin", f"Number{i}", phone=f"06610{i:05d}")
        factories.client("Other", f"Twin{i}", phone=f"06610{i:05d}")
    first = admin_client.get("/client/duplicates/").get_data(as_text=True)
    assert first.count('data-test="duplicate-group"') == 20 and "page 1 sur 2" in first
    second = admin_client.get("/client/duplicates/?page=2").get_data(as_text=True)
    assert second.count('data-test="duplicate-group"') == 1


def test_merging_from_the_page_redirects_to_the_survivor(admin_client, dupes, admin_user):
    ids = [dupes["karim"].id, dupes["karim2"].id]
    response = merge_form(admin_client, ids, ids[1])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/client/{ids[1]}/")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "fusionnées dans celle-ci" in page
    db.session.rollback()
    merged = db.session.scalars(select(ClientEvent).where(ClientEvent.action == "merged")).one()
    assert (merged.source, merged.actor, merged.actor_id) == ("page", "admin@yoozak.ma", admin_user.id)
    assert db.session.get(Client, ids[0]).merged_into_id == ids[1]


def test_the_page_refuses_without_confirmation_or_with_a_stranger(admin_client, dupes):
    ids = [dupes["karim"].id, dupes["karim2"].id]
    response = merge_form(admin_client, ids, ids[0], confirm=False)
    assert response.status_code == 400 and "confirmation" in response.get_data(as_text=True)
    response = merge_form(admin_client, ids, dupes["stranger"].id)
    assert response.status_code == 400 and "doit faire partie du groupe" in response.get_data(as_text=True)
    response = merge_form(admin_client, ["x"], ids[0])
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Client.merged_into_id.is_not(None))) == 0


def test_the_page_refuses_an_already_merged_client_with_409(admin_client, dupes):
    ids = [dupes["karim"].id, dupes["karim2"].id]
    assert merge_form(admin_client, ids, ids[0]).status_code == 302
    response = merge_form(admin_client, [ids[1], dupes["stranger"].id], dupes["stranger"].id)
    assert response.status_code == 409 and "déjà fusionnée" in response.get_data(as_text=True)


def test_merge_needs_csrf(admin_client, dupes):
    ids = [dupes["karim"].id, dupes["karim2"].id]
    data = {"client_ids": [str(i) for i in ids], "survivor": str(ids[0]), "confirm": "yes"}
    assert admin_client.post("/client/duplicates/merge/", data=data).status_code == 400
    db.session.rollback()
    assert db.session.get(Client, ids[1]).merged_into_id is None


def test_non_admins_cannot_see_or_merge(client, auth, plain_user, dupes):
    from tests.conftest import USER_PASSWORD

    auth.login("user@yoozak.ma", USER_PASSWORD)
    assert client.get("/client/duplicates/").status_code == 403


# --------------------------------------------------------------------------- CLI, planted data


def test_find_duplicate_clients_prints_the_groups(runner, dupes):
    result = runner.invoke(args=["find-duplicate-clients"])
    assert result.exit_code == 0
    assert "2 group(s) of probable duplicates." in result.output
    assert re.search(r"phone: \+212612345678 \(#\d+, #\d+\)", result.output)


def test_create_test_clients_plants_duplicates_that_are_found(runner):
    result = runner.invoke(args=["create-test-clients", "--count", "60", "--seed", "4", "--duplicates", "9"])
    assert result.exit_code == 0, result.output
    assert "Planted 9 probable duplicates" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Client)) == 69
    groups = find_duplicate_groups(db.session)
    kinds = {e.kind for g in groups for e in g.evidence}
    assert kinds >= {"phone", "email", "name_address"}
    planted = set(db.session.scalars(select(Client.id).order_by(Client.id.desc()).limit(9)))
    assert planted <= {cid for g in groups for cid in g.client_ids}
