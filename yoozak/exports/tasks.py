"""Worker tasks of the exports: prepared files expire."""

from __future__ import annotations

from ..worker import register_periodic
from .files import purge_prepared_exports

purge_exports = register_periodic("exports-purge-prepared", {"minute": "5"}, purge_prepared_exports)
