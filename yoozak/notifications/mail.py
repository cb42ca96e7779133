"""E-mail through SMTP (smtplib), for the admins who want their notifications by mail."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from ..formatting import format_date
from ..models import Notification


def mail_configured(config: Mapping) -> bool:
    """Tell whether an SMTP server is configured."""
    return bool(config.get("MAIL_SERVER"))


def send_mail(config: Mapping, to: str, subject: str, text: str) -> None:
    """Send one plain-text message through the configured SMTP server."""
    message = EmailMessage()
    message["From"] = formataddr(("Yoozak Clients", config["MAIL_DEFAULT_SENDER"]))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].split("@")[-1])
    message.set_content(text)
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), float(config["MAIL_TIMEOUT"])
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def compose(base_url: str, notifications: Sequence[Notification], digest: bool) -> tuple[str, str]:
    """Return (subject, text) of a message listing notifications, newest first."""
    count = len(notifications)
    if digest:
        subject = f"Yoozak Clients : résumé du jour ({count} notification{'s' if count > 1 else ''})"
    elif count == 1:
        subject = f"Yoozak Clients : {notifications[0].title}"
    else:
        subject = f"Yoozak Clients : {count} nouvelles notifications"
    lines = []
    for note in notifications:
        lines.append(f"- {format_date(note.created_at, with_time=True)} · {note.title}")
        if note.body:
            lines.append(f"  {note.body}")
        if note.url:
            lines.append(f"  {base_url.rstrip('/')}{note.url}")
    lines += [
        "",
        f"Toutes vos notifications : {base_url.rstrip('/')}/notifications/",
        f"Choisir ce que vous recevez : {base_url.rstrip('/')}/notifications/preferences",
    ]
    return subject, "\n".join(lines) + "\n"
