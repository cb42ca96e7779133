"""The notifications pages: the list, marking read, and each admin's preferences."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select, update
from wtforms import RadioField, ValidationError

from ..extensions import db
from ..formatting import format_number
from ..models import Notification, NotificationPreference
from ..models.preferences import EMAIL_MODES
from ..timeutil import utcnow
from .mail import mail_configured

bp = Blueprint("notifications", __name__, template_folder="../templates")

PER_PAGE = 20
MODE_LABELS = {
    "none": "Dans l'application seulement",
    "immediate": "Aussi par e-mail, à chaque notification",
    "daily": "Aussi par e-mail, un résumé par jour (08:00)",
}
assert tuple(MODE_LABELS) == EMAIL_MODES


class EmptyForm(FlaskForm):
    """A form with the CSRF token only, for POST buttons."""


class ChoiceField(RadioField):
    """Radio buttons that refuse an unknown value in French."""

    def pre_validate(self, form) -> None:
        if self.data not in dict(self.choices):
            raise ValidationError("Choix invalide.")


class PreferencesForm(FlaskForm):
    """How an admin hears about notifications."""

    email_mode = ChoiceField("Recevoir les notifications", choices=list(MODE_LABELS.items()), default="none")


def unread_count() -> int:
    """Return the current admin's unread notifications, counted once per request (index on user, read_at)."""
    if "unread_notifications" not in g:
        g.unread_notifications = 0
        if current_user.is_authenticated:
            g.unread_notifications = db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
            )
    return g.unread_notifications


@bp.app_context_processor
def _inject_unread_count() -> dict:
    return {"unread_notifications": unread_count}


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else 1


@bp.get("/")
def notification_list():
    """List the admin's notifications, newest first, unread ones highlighted."""
    from ..clients.paging import Page, last_page

    mine = Notification.user_id == current_user.id
    total = db.session.scalar(select(func.count()).select_from(Notification).where(mine)) or 0
    page_number = min(_page_number(), last_page(total, PER_PAGE))
    items = db.session.scalars(
        select(Notification)
        .where(mine)
        .order_by(Notification.id.desc())
        .offset((page_number - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    page = Page(items=list(items), total=total, page=page_number, per_page=PER_PAGE)
    return render_template("notifications/list.html", page=page, form=EmptyForm(), unread=unread_count())


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


def _back() -> str:
    page = request.form.get("page", "")
    return url_for(".notification_list", page=int(page)) if page.isdigit() else url_for(".notification_list")


def _local_path(url: str | None) -> bool:
    """Tell whether a notification's link stays on this site ("/client/12/", not "//evil.example")."""
    return bool(url) and url.startswith("/") and not url.startswith("//") and "\\" not in url


@bp.post("/<int:notification_id>/lu")
def mark_read(notification_id: int):
    """Mark one notification read; with open=1, go where it points."""
    notification = _own(notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    if request.form.get("open") == "1" and _local_path(notification.url):
        return redirect(notification.url)
    return redirect(_back())


@bp.post("/tout-lu")
def mark_all_read():
    """Mark every unread notification of the admin read, and say how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    count = result.rowcount or 0
    if count:
        plural = "s" if count > 1 else ""
        flash(f"{format_number(count, 0)} notification{plural} marquée{plural} comme lue{plural}.", "success")
    else:
        flash("Aucune notification non lue.", "info")
    return redirect(_back())


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    """Show the admin's profile and let them choose in-app only or e-mails too."""
    pref = db.session.get(NotificationPreference, current_user.id)
    form = PreferencesForm(email_mode=pref.email_mode if pref else "none")
    if form.validate_on_submit():
        if pref is None:
            pref = NotificationPreference(user_id=current_user.id)
            db.session.add(pref)
        pref.email_mode = form.email_mode.data
        db.session.commit()
        flash("Préférences enregistrées.", "success")
        return redirect(url_for(".preferences"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "notifications/preferences.html", form=form, mail_enabled=mail_configured(current_app.config)
        ),
        status,
    )
