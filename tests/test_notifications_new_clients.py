"""New clients notify every admin; bulk paths post one summary instead."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from yoozak.extensions import db
from yoozak.models import Client, Notification, User
from yoozak.notifications.hooks import new_clients_summary, summary_title


def notes(user_id: int | None = None) -> list[Notification]:
    stmt = select(Notification).order_by(Notification.id)
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    return list(db.session.scalars(stmt))


def test_a_new_client_notifies_each_active_admin_with_a_link(factories, admin_user, plain_user):
    second = factories.user(email="second@yoozak.ma", username="second", is_admin=True)
    amina = factories.client("Amina", "Bennani", phone="0612345678")
    for admin in (admin_user, second):
        [note] = notes(admin.id)
        assert (note.kind, note.title, note.url) == (
            "new_client",
            "Nouveau client : Amina Bennani",
            f"/client/{amina.id}/",
        )
        assert "+212612345678" in note.body
    assert notes(plain_user.id) == []


def test_a_rolled_back_client_notifies_nobody(admin_user):
    db.session.add(Client(user=User(email="x@example.com", username="x", first_name="X")))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert notes() == []


def test_editing_a_client_is_not_a_new_client(factories, admin_user):
    amina = factories.client("Amina", "Bennani")
    amina.phone = "0611111111"
    db.session.commit()
    assert len(notes(admin_user.id)) == 1


def test_many_clients_in_one_transaction_make_one_summary(app, admin_user):
    app.config["NEW_CLIENT_SUMMARY_OVER"] = 3
    db.session.add_all(Client(user=User(email=f"c{n}@example.com", username=f"c{n}")) for n in range(5))
    db.session.commit()
    [note] = notes(admin_user.id)
    assert (note.kind, note.title) == ("new_clients_batch", "5 nouveaux clients créés")


def test_the_summary_context_turns_per_client_notifications_into_one(admin_user, factories):
    with new_clients_summary("importés") as batch:
        factories.client("Amina", "Bennani")
        factories.client("Karim", "Alaoui")
        batch.add(1238)  # plus rows written in bulk, which the hooks do not see
    [note] = notes(admin_user.id)
    assert note.kind == "new_clients_batch"
    assert note.title == "1\u202f240 nouveaux clients importés"


def test_nothing_is_posted_when_the_block_fails(admin_user):
    try:
        with new_clients_summary() as batch:
            batch.add(10)
            raise RuntimeError("import failed")
    except RuntimeError:
        db.session.rollback()
    assert notes() == []


def test_summary_titles():
    assert summary_title(1, "importés") == "1 nouveau client importé"
    assert summary_title(1240, "importés") == "1\u202f240 nouveaux clients importés"


def test_import_clients_posts_one_summary(runner, admin_user, tmp_path: Path):
    csv = tmp_path / "clients.csv"
    rows = "".join(f"c{n}@example.com,Client,N{n}\n" for n in range(25))
    csv.write_text("email,first_name,last_name\n" + rows)
    result = runner.invoke(args=["import-clients", str(csv)])
    assert result.exit_code == 0, result.output
    assert [(n.kind, n.title) for n in notes(admin_user.id)] == [
        ("new_clients_batch", "25 nouveaux clients importés")
    ]
    result = runner.invoke(args=["import-clients", str(csv)])  # nothing new: no notification
    assert len(notes(admin_user.id)) == 1


def test_seeding_test_clients_posts_one_summary(runner, admin_user):
    result = runner.invoke(args=["create-test-clients", "--count", "40", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert [n.title for n in notes(admin_user.id)] == ["40 nouveaux clients créés"]
    assert db.session.scalar(select(func.count()).select_from(Client)) == 40
