"""The clean-up of inactive clients: who is due, what is erased, what is kept, and the command."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.support.personal import KHADIJA, build, database_text, personal_values
from yoozak.extensions import db
from yoozak.maintenance import anonymise as anonymise_module
from yoozak.maintenance.anonymise import anonymise_client, placeholder_email
from yoozak.maintenance.cleanup import RetentionError, count_due, cutoff_for, parse_retention, run_cleanup
from yoozak.maintenance.personal_data import export_client_data
from yoozak.models import Client, ClientEvent, Order, ReviewItem, User
from yoozak.models.aggregates import find_drift


@pytest.fixture
def base(factories, admin_user):
    return build(factories, admin_user)


def fresh(model, ident):
    db.session.rollback()
    return db.session.get(model, ident)


def order_facts(client_id: int) -> list[tuple]:
    db.session.rollback()
    rows = db.session.execute(
        select(
            Order.id,
            Order.reference,
            Order.price,
            Order.status,
            Order.created_at,
            Order.city,
            Order.client_id,
        )
        .where(Order.client_id == client_id)
        .order_by(Order.id)
    )
    return [tuple(row) for row in rows]


def aggregates(client: Client) -> tuple:
    c = fresh(Client, client.id)
    return (
        c.orders_count,
        c.confirmed_count,
        c.pending_count,
        c.cancelled_count,
        c.total_spent,
        c.last_order_at,
    )


@pytest.mark.parametrize("text", ["24m", "2y", "90d", "12w", " 6M "])
def test_retention_parses(text):
    assert parse_retention(text)


@pytest.mark.parametrize("text", ["", "24", "0m", "-3m", "3x", "m24", "24 months"])
def test_bad_retention_is_refused(text):
    with pytest.raises(RetentionError):
        parse_retention(text)


def test_only_old_inactive_clients_without_recent_orders_are_due(base):
    assert count_due(db.session, cutoff_for("24m", base.now)) == 1
    summary = run_cleanup(db.session, cutoff_for("24m", base.now))
    assert summary.client_ids == [base.khadija.id]
    for kept in (base.recent_inactive, base.old_active, base.old_with_recent_order, base.other):
        client = fresh(Client, kept.id)
        assert client.anonymised_at is None and client.user.email == kept.user.email
        assert client.user.first_name == kept.user.first_name


def test_a_longer_retention_spares_everyone(base):
    assert count_due(db.session, cutoff_for("36m", base.now)) == 0


def test_an_admins_client_profile_is_never_touched(base, factories):
    admin = db.session.scalars(select(User).where(User.is_admin.is_(True))).first()
    profile = Client(user=admin, is_active=False)
    db.session.add(profile)
    db.session.commit()
    from tests.support.personal import set_last_activity

    set_last_activity(profile, base.now.replace(year=base.now.year - 5))
    run_cleanup(db.session, cutoff_for("24m", base.now))
    assert fresh(Client, profile.id).anonymised_at is None
    assert fresh(User, admin.id).email == "admin@yoozak.ma"


def test_no_personal_value_survives_anywhere(base):
    before = database_text()
    assert all(value.lower() in before for value in personal_values()), "the scenario holds every value"
    run_cleanup(db.session, cutoff_for("24m", base.now))
    after = database_text()
    leaks = [value for value in personal_values() if value.lower() in after]
    assert leaks == []
    export = str(export_client_data(db.session, base.khadija.id)).lower()
    assert [value for value in personal_values() if value.lower() in export] == []
    # Others keep theirs.
    assert "youssef.alaoui@gmail.com" in after


def test_amounts_statuses_dates_and_aggregates_are_kept(base):
    facts, aggs = order_facts(base.khadija.id), aggregates(base.khadija)
    run_cleanup(db.session, cutoff_for("24m", base.now))
    assert order_facts(base.khadija.id) == facts
    assert aggregates(base.khadija) == aggs
    assert aggs[0] == 3 and aggs[4] == Decimal("349.90")
    assert find_drift(db.session.connection()) == []


def test_the_account_can_no_longer_log_in(base, client, auth):
    user_before = fresh(User, base.khadija.user_id)
    version = user_before.session_version
    run_cleanup(db.session, cutoff_for("24m", base.now))
    user = fresh(User, base.khadija.user_id)
    assert user.password_hash is None and not user.check_password("password-123")
    assert user.session_version == version + 1 and not user.is_active
    assert (
        user.email == placeholder_email(base.khadija.id) and user.username == f"anonymise-{base.khadija.id}"
    )
    response = auth.login(KHADIJA["email"], "password-123")
    assert response.status_code != 302


def test_orders_personal_fields_and_linker_keys_are_scrubbed(base):
    run_cleanup(db.session, cutoff_for("24m", base.now))
    db.session.rollback()
    for order in db.session.scalars(select(Order).where(Order.client_id == base.khadija.id)):
        assert (order.client_name, order.email, order.phone, order.address) == ("", None, None, "")
        assert (order.email_norm, order.phone_e164, order.name_norm) == (None, None, "")


def test_history_says_it_happened_without_the_values(base):
    run_cleanup(db.session, cutoff_for("24m", base.now))
    db.session.rollback()
    events = db.session.scalars(
        select(ClientEvent).where(ClientEvent.client_id == base.khadija.id).order_by(ClientEvent.id)
    ).all()
    # The automatic entries of the fixture's own writes come first: its creation, scrubbed too,
    # and its orders' links (references only).
    created, *links = events[:4]
    assert created.action == "created" and [e.action for e in links] == ["orders_linked"] * 3
    personal = ("phone", "address", "company_name", "first_name", "last_name", "email", "username")
    assert {created.changes[field] for field in personal} == {"[effacé]"}
    events = events[4:]
    assert [e.action for e in events] == ["updated", "updated", "updated", "status_changed", "anonymised"]
    assert events[-1].changes == {"reason": "inactive", "orders": 3}
    assert events[0].changes == {"email": "[effacé]"}
    assert events[2].changes == {"comment": "[effacé]"}  # the phone as typed in free text
    assert events[3].changes == {"is_active": [True, False]}  # not personal: kept


def test_the_client_leaves_the_review_queue_candidates(base):
    run_cleanup(db.session, cutoff_for("24m", base.now))
    item = db.session.scalars(select(ReviewItem)).one()
    assert [c["client_id"] for c in item.candidates] == [base.other.id]


def test_the_client_search_no_longer_finds_the_name(base, admin_client):
    row = f'data-client-id="{base.khadija.id}"'
    for query in ("Benjelloun", "0612345678", "Atlas Cuir"):
        assert row in admin_client.get(f"/client/?q={query}&status=all").get_data(as_text=True)
    run_cleanup(db.session, cutoff_for("24m", base.now))
    for query in ("Benjelloun", "0612345678", "Atlas Cuir"):
        assert row not in admin_client.get(f"/client/?q={query}&status=all").get_data(as_text=True)


def test_anonymisation_is_idempotent(base):
    first = run_cleanup(db.session, cutoff_for("24m", base.now))
    text = database_text()
    second = run_cleanup(db.session, cutoff_for("24m", base.now))
    assert (first.clients, second.clients) == (1, 0)
    assert anonymise_client(db.session, base.khadija.id, reason="request").already
    db.session.commit()
    assert database_text() == text


def test_an_interrupted_run_leaves_whole_batches_and_the_next_run_finishes(base, factories, monkeypatch):
    from tests.support.personal import set_last_activity

    extra = [factories.client("Old", f"Client{i}", is_active=False) for i in range(2)]
    for client in extra:
        set_last_activity(client, base.now.replace(year=base.now.year - 3))
    original = anonymise_module.drop_from_review_queue
    batches = []

    def dies_in_the_second_batch(session, client_ids):
        original(session, client_ids)  # the batch has written everything but its history row
        batches.append(sorted(client_ids))
        if len(batches) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(anonymise_module, "drop_from_review_queue", dies_in_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        run_cleanup(db.session, cutoff_for("24m", base.now), batch_size=1)
    done = [c.id for c in db.session.scalars(select(Client).where(Client.anonymised_at.is_not(None)))]
    assert done == batches[0]
    half = fresh(Client, batches[1][0])
    assert half.anonymised_at is None and half.user.email.endswith("@example.com")  # rolled back whole
    monkeypatch.setattr(anonymise_module, "drop_from_review_queue", original)
    summary = run_cleanup(db.session, cutoff_for("24m", base.now), batch_size=1)
    assert summary.clients == 2
    assert count_due(db.session, cutoff_for("24m", base.now)) == 0


# --------------------------------------------------------------------------- the command


def test_dry_run_lists_and_writes_nothing(base, runner):
    before = database_text()
    result = runner.invoke(args=["cleanup-inactive-clients", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 inactive client(s)" in result.output
    assert f"#{base.khadija.id} Khadija Benjelloun" in result.output and "3 order(s)" in result.output
    assert "DRY RUN" in result.output
    assert database_text() == before


def test_real_run_needs_a_terminal_or_yes(base, runner):
    before = database_text()
    result = runner.invoke(args=["cleanup-inactive-clients"])
    assert result.exit_code == 2 and "--yes" in result.output
    assert database_text() == before
    result = runner.invoke(args=["cleanup-inactive-clients", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 client(s)" in result.output and "3 order(s) scrubbed" in result.output
    assert fresh(Client, base.khadija.id).anonymised_at is not None


def test_the_terminal_confirmation_can_refuse(base, runner, monkeypatch):
    monkeypatch.setattr("yoozak.maintenance.cli.interactive", lambda: True)
    result = runner.invoke(args=["cleanup-inactive-clients"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert fresh(Client, base.khadija.id).anonymised_at is None
    result = runner.invoke(args=["cleanup-inactive-clients"], input="y\n")
    assert result.exit_code == 0 and "Anonymised 1 client(s)" in result.output


def test_older_than_overrides_the_configured_retention(base, runner):
    result = runner.invoke(args=["cleanup-inactive-clients", "--older-than", "36m", "--dry-run"])
    assert "0 inactive client(s)" in result.output
    result = runner.invoke(args=["cleanup-inactive-clients", "--older-than", "soon"])
    assert result.exit_code == 2 and "invalid retention" in result.output


def test_a_batch_with_an_unknown_or_admin_client_writes_nothing(base, admin_user):
    from yoozak.maintenance.anonymise import AnonymiseError, anonymise_clients

    before = database_text()
    with pytest.raises(AnonymiseError, match="not found"):
        anonymise_clients(db.session, [base.khadija.id, 999_999], reason="request")
    assert database_text() == before
    admin_profile = Client(user=db.session.get(User, admin_user.id))
    db.session.add(admin_profile)
    db.session.commit()
    before = database_text()
    with pytest.raises(AnonymiseError, match="admin account"):
        anonymise_clients(db.session, [base.khadija.id, admin_profile.id], reason="request")
    db.session.rollback()
    assert database_text() == before


def test_link_runs_never_link_a_new_order_to_an_anonymised_client(base, factories):
    from yoozak.linking.run import LinkOptions, link_orders

    run_cleanup(db.session, cutoff_for("24m", base.now))
    order = factories.order(None, client_name="", email=placeholder_email(base.khadija.id))
    summary = link_orders(db.session, LinkOptions())
    assert summary.examined >= 1 and summary.linked["email"] == 0
    assert fresh(Order, order.id).client_id is None
