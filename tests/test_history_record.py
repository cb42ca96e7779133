"""record_event writes one history row in the caller's transaction, attributed from the context."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from yoozak.extensions import db
from yoozak.history import change_source, record_event
from yoozak.models import ClientEvent

# Creating a client records its own "created" entry (history/tracking.py); these tests
# look at the entries record_event writes.
EXPLICIT = ClientEvent.action != "created"


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(ClientEvent).where(EXPLICIT))


def test_outside_a_request_the_system_acts_from_the_cli(factories):
    amina = factories.client("Amina", "Bennani")
    record_event(amina.id, "status_changed", changes={"is_active": [True, False]})
    db.session.commit()
    event = db.session.scalars(select(ClientEvent).where(EXPLICIT)).one()
    assert (event.client_id, event.source, event.actor, event.actor_id) == (amina.id, "cli", "système", None)
    assert event.changes == {"is_active": [True, False]}


def test_change_source_sets_source_and_actor(factories, admin_user):
    amina = factories.client("Amina", "Bennani")
    with change_source("import", actor=(admin_user.id, admin_user.email)):
        record_event(amina.id, "exported", changes={"rows": 1})
    db.session.commit()
    event = db.session.scalars(select(ClientEvent).where(EXPLICIT)).one()
    assert (event.source, event.actor_id, event.actor) == ("import", admin_user.id, admin_user.email)


def test_secrets_are_never_recorded(factories):
    amina = factories.client("Amina", "Bennani")
    record_event(amina.id, "updated", changes={"password_hash": ["a", "b"], "phone": ["1", "2"]})
    db.session.commit()
    assert db.session.scalars(select(ClientEvent).where(EXPLICIT)).one().changes == {"phone": ["1", "2"]}


def test_a_rolled_back_change_leaves_no_history(factories):
    amina = factories.client("Amina", "Bennani")
    record_event(amina.id, "updated", changes={"phone": ["1", "2"]})
    db.session.rollback()
    assert count_events() == 0


def test_an_unknown_source_is_refused():
    with pytest.raises(ValueError), change_source("telepathy"):
        pass
