"""Login and logout pages."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..extensions import db, limiter
from ..models import User
from . import bp
from .forms import EmptyForm, LoginForm

log = logging.getLogger("yoozak.auth")

DEFAULT_NEXT = "clients.client_list"


def safe_next(target: str | None) -> str | None:
    """Return `target` when it is a path on this site, None otherwise (no open redirect)."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


THROTTLED = "Trop de tentatives de connexion : réessayez dans quelques minutes."


def _failure_limit() -> str:
    return str(current_app.config["LOGIN_FAILURE_LIMIT"])


def _account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()


def _failed(response) -> bool:
    # Only failed attempts count: an admin who logs in and out all day is never throttled.
    return response.status_code in (400, 401, 403)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _failure_limit,
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
    error_message=THROTTLED,
    scope="login-address",
)
@limiter.limit(
    _failure_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=THROTTLED,
    scope="login-account",
)
def login():
    """Show the login form and open a session for an active user with the right password."""
    if current_user.is_authenticated:
        return redirect(url_for(DEFAULT_NEXT))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None or not user.check_password(form.password.data or ""):
            log.info("Failed login for %s from %s", email, request.remote_addr)
            flash("E-mail ou mot de passe incorrect.", "danger")
            return render_template("auth/login.html", form=form), 401
        if not user.is_active:
            flash("Ce compte est désactivé.", "danger")
            return render_template("auth/login.html", form=form), 403
        session.clear()  # a fresh session: nothing from before the login survives
        login_user(user)
        log.info("Login of %s", user.email)
        return redirect(safe_next(form.next.data) or url_for(DEFAULT_NEXT))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session everywhere: the session version bump voids copied cookies."""
    form = EmptyForm()
    if not form.validate_on_submit():
        flash("Jeton CSRF manquant ou invalide.", "danger")
        return redirect(url_for(DEFAULT_NEXT)), 303
    user = db.session.get(User, current_user.id)
    if user is not None:
        user.session_version = (user.session_version or 0) + 1
        db.session.commit()
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("auth.login"), 303)
