"""`flask export-clients`: the client list, filtered like the page, into a CSV or XLSX file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from ..clients.services import (
    DEFAULT_SORT,
    PERIODS,
    SEGMENT_FILTERS,
    SORTS,
    STATUSES,
    export_query,
    parse_list_args,
)
from ..extensions import db
from ..history import change_source
from . import FORMATS, SEPARATORS, ExportJob, stream_rows
from .columns import CLIENT_COLUMNS, client_rows_select

SORT_KEYS = sorted(SORTS) + sorted(f"-{key}" for key in SORTS)


@click.command("export-clients")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    required=True,
    help="File to write.",
)
@click.option("--status", type=click.Choice(STATUSES), default="all", show_default=True)
@click.option("--period", type=click.Choice(PERIODS), default="all", show_default=True)
@click.option("--segment", type=click.Choice(SEGMENT_FILTERS), default="all", show_default=True)
@click.option("--q", default="", help="Search text, as typed in the list's search box.")
@click.option("--sort", type=click.Choice(SORT_KEYS), default=DEFAULT_SORT, show_default=True)
@click.option("--sep", type=click.Choice(SEPARATORS), default=";", show_default=True, help="CSV separator.")
def export_clients(
    fmt: str, output: Path, status: str, period: str, segment: str, q: str, sort: str, sep: str
) -> None:
    """Export the clients the list would show with these filters (every page), without a row limit."""
    parsed = parse_list_args({"status": status, "period": period, "segment": segment, "q": q, "sort": sort})
    if parsed.errors:
        raise click.BadParameter(" ".join(parsed.errors.values()))
    params = parsed.params
    stmt = client_rows_select(export_query(params))
    batch = int(current_app.config["EXPORT_BATCH_SIZE"])
    job = ExportJob(
        fmt,
        CLIENT_COLUMNS,
        lambda: stream_rows(db.session, stmt, batch),
        scope="clients",
        filters={k: v for k, v in params.as_args().items() if k not in ("page", "per_page")},
        separator=sep,
        sheet="Clients",
    )
    # Written next to the target, then renamed: a failed export leaves no half file behind.
    partial = output.with_name(output.name + ".part")
    try:
        with change_source("cli"), partial.open("wb") as stream:
            for chunk in job.chunks():
                stream.write(chunk)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"{job.rows_written} client(s) exported to {output} ({fmt}).")
