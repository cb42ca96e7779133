"""Export routes: the client list as it is filtered and sorted, and one client's orders."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..errors import error_response
from ..exports import FORMATS, SEPARATORS, ExportJob, download_response, stream_rows
from ..exports.columns import CLIENT_COLUMNS, ORDER_COLUMNS, client_rows_select, order_rows_select
from ..exports.files import prepared_file
from ..extensions import db
from ..models import Client, Order
from ..worker.jobs import run_and_notify
from . import bp
from .services import ClientListParams, export_query, filtered_clients, parse_list_args

# Paging arguments of the list are ignored: an export holds every page.
IGNORED_ARGS = ("page", "per_page")


def _refuse(message: str):
    """Stop with a 400 that says what was wrong (the generic handler would drop the message)."""
    abort(make_response(error_response(400, message)))


def _format_and_separator() -> tuple[str, str]:
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        _refuse("Format d'export inconnu : choisissez csv ou xlsx.")
    separator = request.args.get("sep") or ";"
    if separator not in SEPARATORS:
        _refuse("Séparateur inconnu : « ; » (Excel en français) ou « , ».")
    return fmt, separator


def _list_params() -> ClientListParams:
    """Read the list's own arguments; a value the list would ignore is refused here."""
    args = {k: v for k, v in request.args.items() if k not in IGNORED_ARGS}
    parsed = parse_list_args(args)
    if parsed.errors:
        _refuse(" ".join(parsed.errors.values()))
    return parsed.params


def _check_xlsx_limit(fmt: str, rows: int) -> None:
    limit = int(current_app.config["EXPORT_XLSX_MAX_ROWS"])
    if fmt == "xlsx" and rows > limit:
        _refuse(
            f"Export Excel limité à {limit:,} lignes ici ({rows:,} demandées) : exportez en CSV, "
            "affinez les filtres, ou lancez `flask export-clients --format xlsx` sur le serveur.".replace(
                ",", "\u202f"
            ),
        )


def filters_of(params: ClientListParams) -> dict[str, str]:
    """Return the filters an export used, as the history records them."""
    return {k: v for k, v in params.as_args().items() if k not in IGNORED_ARGS}


@bp.get("/export/")
def export_clients():
    """Download the client list (same search, filters, segment and sort), every page, as CSV or XLSX."""
    fmt, separator = _format_and_separator()
    params = _list_params()
    if fmt == "xlsx":
        counted = filtered_clients(params).with_only_columns(Client.id).subquery()
        _check_xlsx_limit(fmt, db.session.scalar(select(func.count()).select_from(counted)) or 0)
    batch = int(current_app.config["EXPORT_BATCH_SIZE"])
    stmt = client_rows_select(export_query(params))
    job = ExportJob(
        fmt,
        CLIENT_COLUMNS,
        lambda: stream_rows(db.session, stmt, batch),
        scope="clients",
        filters=filters_of(params),
        separator=separator,
        sheet="Clients",
    )
    return download_response(job, "clients")


@bp.get("/<int:client_id>/export/")
def export_client_orders(client_id: int):
    """Download one client's orders, newest first, as CSV or XLSX."""
    fmt, separator = _format_and_separator()
    total = db.session.scalar(select(Client.orders_count).where(Client.id == client_id))
    if total is None:
        abort(404, "Ce client n'existe pas (ou plus).")
    _check_xlsx_limit(fmt, total)
    batch = int(current_app.config["EXPORT_BATCH_SIZE"])
    stmt = order_rows_select(
        select(Order).where(Order.client_id == client_id).order_by(Order.created_at.desc(), Order.id.desc())
    )
    job = ExportJob(
        fmt,
        ORDER_COLUMNS,
        lambda: stream_rows(db.session, stmt, batch),
        scope="orders",
        filters={"client_id": client_id},
        client_id=client_id,
        separator=separator,
        sheet="Commandes",
    )
    return download_response(job, f"client-{client_id}-commandes")


def as_strings(params: ClientListParams) -> dict[str, str]:
    """Return the list's filters as the worker's job stores them (plain strings)."""
    return {key: str(value) for key, value in params.as_args(page=1, per_page=None).items()}


@bp.post("/export/background/")
def export_clients_background():
    """Have the worker prepare the list's export; the admin is notified with the link."""
    fmt = request.form.get("format", "xlsx")
    if fmt not in FORMATS:
        _refuse("Format d'export inconnu : choisissez csv ou xlsx.")
    args = {k: v for k, v in request.form.items() if k not in (*IGNORED_ARGS, "format", "csrf_token")}
    parsed = parse_list_args(args)
    if parsed.errors:
        _refuse(" ".join(parsed.errors.values()))
    run_and_notify(
        "yoozak.exports.background:build_clients_export",
        {"args": as_strings(parsed.params), "fmt": fmt, "user_id": current_user.id},
        current_user.id,
        f"Export des clients ({fmt.upper()})",
    )
    flash(
        "Export en préparation : une notification vous donnera le lien dès que le fichier sera prêt.", "info"
    )
    return redirect(url_for("clients.client_list", **parsed.params.as_args()))


@bp.get("/export/files/<name>")
def prepared_export(name: str):
    """Download a file the worker prepared for the admin asking (nobody else's)."""
    path = prepared_file(current_user.id, name)
    if path is None:
        abort(404, "Ce fichier n'existe pas, ou plus.")
    return send_file(path, as_attachment=True, download_name=name.split("-", 1)[1])
