"""The application factory and its configuration layers."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_SECRET
from yoozak import create_app
from yoozak.config import ConfigurationError, normalise_database_url


def test_config_mapping_overrides_defaults(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": TEST_SECRET,
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            "CLIENTS_PER_PAGE": 40,
        }
    )
    assert app.testing
    assert app.config["CLIENTS_PER_PAGE"] == 40
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_default_database_is_sqlite_file_in_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": None})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///")
    assert uri.endswith(f"{app.instance_path}/yoozak.db")


def test_environment_database_url_and_secret(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/yoozak")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/yoozak"
    assert app.config["SECRET_KEY"] == "s" * 32


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_refuses_to_start_without_a_real_secret(monkeypatch, secret):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": secret})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected


def test_blueprints_and_admin_are_registered(app):
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert "/auth/login" in rules
    assert "/client/" in rules
    assert "/admin/" in rules


def test_two_apps_can_live_side_by_side(app, tmp_path):
    other = create_app(
        {
            "SECRET_KEY": TEST_SECRET,
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/other.db",
        }
    )
    assert other.extensions["admin"] is not app.extensions["admin"]
