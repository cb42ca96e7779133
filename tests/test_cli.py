"""The `flask` commands: help, summaries, exit codes, and what they write."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from yoozak.extensions import db
from yoozak.models import Client, LinkRun, Order, User

COMMANDS = [
    "create-admin",
    "create-test-clients",
    "create-test-orders",
    "import-clients",
    "import-orders",
    "link-orders",
    "refresh-client-stats",
    "check-consistency",
    "find-duplicate-clients",
    "seed-demo",
]


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_create_admin_with_password(runner):
    result = runner.invoke(args=["create-admin", "Boss@Yoozak.MA", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    assert "Created admin boss@yoozak.ma" in result.output
    user = db.session.scalar(select(User).where(User.email == "boss@yoozak.ma"))
    assert user.is_admin and user.check_password("long-enough-pw")


def test_create_admin_prompts_hidden_when_password_omitted(runner):
    result = runner.invoke(args=["create-admin", "boss@yoozak.ma"], input="prompted-pw-1\nprompted-pw-1\n")
    assert result.exit_code == 0, result.output
    assert "prompted-pw-1" not in result.output  # hidden input is not echoed
    user = db.session.scalar(select(User).where(User.email == "boss@yoozak.ma"))
    assert user.check_password("prompted-pw-1")


def test_create_admin_promotes_an_existing_user(runner, plain_user):
    result = runner.invoke(args=["create-admin", plain_user.email, "--password", "new-admin-pw"])
    assert result.exit_code == 0 and "Updated admin" in result.output
    db.session.expire_all()
    assert db.session.get(User, plain_user.id).is_admin


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "--password", "long-enough-pw"], "EMAIL"),
        (["boss@yoozak.ma", "--password", "short"], "at least 8"),
    ],
)
def test_create_admin_refuses_bad_input(runner, args, message):
    result = runner.invoke(args=["create-admin", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert count(User) == 0


def test_create_test_clients_default_and_count(runner):
    result = runner.invoke(args=["create-test-clients"])
    assert result.exit_code == 0 and "Created 10 test clients" in result.output
    result = runner.invoke(args=["create-test-clients", "--count", "25", "--seed", "3"])
    assert result.exit_code == 0
    assert count(Client) == 35
    clients = db.session.scalars(select(Client)).all()
    assert all(c.phone.startswith("+212") for c in clients)  # every spelling normalised
    assert all(c.search_text and c.name_key for c in clients)
    assert any(c.company_name for c in clients) or len(clients) < 20
    assert sum(c.is_active for c in clients) > len(clients) / 2


def test_create_test_clients_refuses_a_bad_count(runner):
    result = runner.invoke(args=["create-test-clients", "--count", "0"])
    assert result.exit_code == 2
    assert count(Client) == 0


def test_create_test_orders_mixes_clients_and_guests(runner):
    runner.invoke(args=["create-test-clients", "--count", "30", "--seed", "1"])
    result = runner.invoke(args=["create-test-orders", "--count", "400", "--seed", "1"])
    assert result.exit_code == 0 and "Created 400 test orders" in result.output
    orders = db.session.scalars(select(Order)).all()
    assert len(orders) == 400
    assert all(o.client_id is None for o in orders)  # linking is a separate step
    assert sum(o.email is not None for o in orders) < 100  # usually no e-mail
    assert sum(o.phone_e164 is not None for o in orders) > 380  # phones in varied spellings all parse
    assert len({o.phone for o in orders if o.phone} - {o.phone_e164 for o in orders}) > 100
    assert {o.status for o in orders} == {"pending", "confirmed", "cancelled"}


def test_link_orders_dry_run_writes_no_link(runner):
    runner.invoke(args=["create-test-clients", "--count", "30", "--seed", "2"])
    runner.invoke(args=["create-test-orders", "--count", "200", "--seed", "2"])
    result = runner.invoke(args=["link-orders", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "DRY RUN" in result.output and "sample of" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Order.client_id.is_not(None))) == 0
    assert db.session.scalar(select(func.sum(Client.orders_count))) == 0
    run = db.session.scalar(select(LinkRun))
    assert run.dry_run and run.status == "finished" and run.examined == 200


def test_link_orders_links_and_reports(runner):
    runner.invoke(args=["create-test-clients", "--count", "30", "--seed", "2"])
    runner.invoke(args=["create-test-orders", "--count", "200", "--seed", "2"])
    result = runner.invoke(args=["link-orders"])
    assert result.exit_code == 0, result.output
    assert "by phone" in result.output
    linked = db.session.scalar(select(func.count()).where(Order.client_id.is_not(None)))
    assert linked > 50
    assert runner.invoke(args=["check-consistency"]).exit_code == 0


def test_seed_demo_prints_a_working_admin_login(runner, client, auth):
    result = runner.invoke(args=["seed-demo", "--clients", "20", "--orders", "60"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].split()[0]
    assert auth.login("admin@yoozak.ma", password).status_code == 302
    again = runner.invoke(args=["seed-demo", "--clients", "20", "--orders", "60"])
    assert "already present" in again.output
    assert count(Client) == 20
