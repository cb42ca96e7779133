"""Large exports prepared by the worker: the file lands in the instance folder, the admin
who asked gets a notification with its download link.

A request is no place to hold an XLSX of 100,000 rows for half a minute (BENCHMARKS.md,
"Exports"), so above EXPORT_XLSX_MAX_ROWS the list offers this instead. Each file belongs
to the admin who asked for it: the download route serves it to them alone.
"""

from __future__ import annotations

import secrets

from flask import current_app

from ..clients.services import export_query, parse_list_args
from ..extensions import db
from ..history import change_source
from ..models import User
from . import ExportJob, filename, stream_rows
from .columns import CLIENT_COLUMNS, client_rows_select
from .files import user_export_dir


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
