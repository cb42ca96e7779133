"""Large exports prepared by the worker: the file lands in the instance folder, the admin
who asked gets a notification with its download link.

A request is no place to hold an XLSX of 100,000 rows for half a minute (BENCHMARKS.md,
"Exports"), so above EXPORT_XLSX_MAX_ROWS the list offers this instead. Each file belongs
to the admin who asked for it: the download route serves it to them alone.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app

from ..clients.services import export_query, parse_list_args
from ..extensions import db
from ..history import change_source
from ..models import User
from . import ExportJob, filename, stream_rows
from .columns import CLIENT_COLUMNS, client_rows_select

EXPORT_DIR = "exports"
# <user id>/<random token>-<download name>: the token makes the URL unguessable even to other admins.
FILE_NAME = re.compile(r"^[0-9a-f]{32}-clients-\d{4}-\d{2}-\d{2}\.(csv|xlsx)$")


def user_export_dir(user_id: int) -> Path:
    """Return the folder of one admin's prepared exports (created on demand)."""
    folder = Path(current_app.instance_path) / EXPORT_DIR / str(int(user_id))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_clients_export(args: dict[str, str], fmt: str, user_id: int) -> str:
    """Write the client list filtered by `args` into a file; return its download URL.

    Runs in the worker (yoozak.worker.jobs.run_and_notify). The history entry names the admin
    who asked, from the worker.
    """
    parsed = parse_list_args(args)
    if parsed.errors:
        raise ValueError(" ".join(parsed.errors.values()))
    params = parsed.params
    user = db.session.get(User, user_id)
    if user is None or not user.is_admin:
        raise PermissionError("only an admin may receive an export")
    job = ExportJob(
        fmt,
        CLIENT_COLUMNS,
        lambda: stream_rows(db.session, client_rows_select(export_query(params)), batch_size()),
        scope="clients",
        filters={k: v for k, v in params.as_args().items() if k not in ("page", "per_page")},
        sheet="Clients",
    )
    name = f"{secrets.token_hex(16)}-{filename('clients', fmt)}"
    target = user_export_dir(user_id) / name
    partial = target.with_name(name + ".part")
    try:
        with change_source("worker", actor=(user.id, user.email)), partial.open("wb") as stream:
            for chunk in job.chunks():
                stream.write(chunk)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return f"/client/export/files/{name}"


def batch_size() -> int:
    return int(current_app.config["EXPORT_BATCH_SIZE"])


def prepared_file(user_id: int, name: str) -> Path | None:
    """Return the path of one of this admin's prepared files, or None if there is none (or no more)."""
    if not FILE_NAME.match(name):
        return None
    path = user_export_dir(user_id) / name
    if not path.is_file() or _expired(path, time.time()):
        return None
    return path


def _expired(path: Path, now: float) -> bool:
    return path.stat().st_mtime < now - float(current_app.config["EXPORT_FILE_TTL"])


def purge_prepared_exports(now: float | None = None) -> int:
    """Delete the prepared files past EXPORT_FILE_TTL; return how many.

    They hold personal data: an anonymised client must not live on in a file on disk for
    longer than the day its admin had to download it.
    """
    root = Path(current_app.instance_path) / EXPORT_DIR
    now = time.time() if now is None else now
    removed = 0
    for path in root.glob("*/*"):
        if path.is_file() and _expired(path, now):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
