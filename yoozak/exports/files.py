"""Files the worker prepares for an admin: where they live, who may read them, when they go.

Kept apart from the code that builds them (background.py), so that the anonymisation can
discard them without importing the client list's query code.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from flask import current_app

EXPORT_DIR = "exports"
# <user id>/<random token>-<download name>: the token makes the URL unguessable even to other admins.
FILE_NAME = re.compile(r"^[0-9a-f]{32}-clients-\d{4}-\d{2}-\d{2}\.(csv|xlsx)$")


def user_export_dir(user_id: int) -> Path:
    """Return the folder of one admin's prepared exports (created on demand)."""
    folder = Path(current_app.instance_path) / EXPORT_DIR / str(int(user_id))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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


def discard_prepared_exports() -> int:
    """Delete every prepared file now; return how many.

    Called when clients are anonymised: a file may hold them, and nothing short of reading
    it says which, so all go (their admins can ask again; the files live a day at most).
    """
    return purge_prepared_exports(now=float("inf"))


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
