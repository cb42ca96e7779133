"""Segments and exports at scale: ``python -m bench segments_exports [--clients N --orders M]``.

On the cached seeded database of bench/common.py (100,000 clients, 1,000,000 orders), linked
once by phone in SQL and cached: the time to recompute every client's segment (all rows
written, then the daily run where nothing changes) beside a full aggregate refresh; then
the client export of every client in CSV and XLSX, each in a fresh process, with its wall
time, the Python heap peak (tracemalloc) and the growth of the process's peak RSS; beside
them, the reference of loading every client as the ORM objects a list-then-write export
(Flask-Admin's) holds. Prints Markdown tables for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from bench.common import RESULTS, log, machine, make_app, seeded_database


def prepared_database(clients: int, orders: int) -> Path:
    """Return the seeded database with its orders linked by phone (built once, cached)."""
    target = RESULTS / f"segexp-{clients}c-{orders}o-linked.db"
    source = seeded_database("linking", clients, orders)
    if target.exists():
        return target
    tmp = target.with_suffix(".tmp")
    shutil.copy(source, tmp)
    from yoozak.extensions import db
    from yoozak.models.aggregates import refresh_aggregates

    with make_app(tmp).app_context():
        log("linking by phone in SQL …")
        # UPDATE … FROM a phone -> client table: one pass over the orders (the correlated
        # subquery of bench/pages.py's fallback scans the clients once per order).
        db.session.execute(
            db.text(
                "UPDATE orders SET client_id = c.id, link_method = 'phone', link_score = 1.0,"
                " linked_at = CURRENT_TIMESTAMP"
                " FROM (SELECT phone, min(id) AS id FROM clients WHERE phone IS NOT NULL GROUP BY phone) AS c"
                " WHERE orders.client_id IS NULL AND orders.phone_e164 = c.phone"
            )
        )
        log("aggregates …")
        refresh_aggregates(db.session.connection())
        db.session.commit()
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    tmp.rename(target)
    return target


def segment_figures(path: Path) -> tuple[list[tuple[str, float, float]], dict[str, int]]:
    """Time the segment recomputation over every client."""
    from sqlalchemy import func, select, update

    from yoozak.extensions import db
    from yoozak.models import Client
    from yoozak.models.aggregates import refresh_aggregates, refresh_segments

    rows = []

    def step(label: str, work) -> None:
        start, cpu = time.perf_counter(), time.process_time()
        result = work()
        db.session.commit()
        rows.append((label.format(result=result), time.perf_counter() - start, time.process_time() - cpu))

    with make_app(path).app_context():
        db.session.execute(update(Client).values(segment="none"))
        db.session.commit()
        step(
            "segments, every client reclassified ({result:,} rows written)",
            lambda: refresh_segments(db.session.connection()),
        )
        step(
            "segments, daily run with nothing to change ({result} rows written)",
            lambda: refresh_segments(db.session.connection()),
        )
        step(
            "`refresh-client-stats`: every aggregate and segment",
            lambda: refresh_aggregates(db.session.connection()),
        )
        counts = dict(db.session.execute(select(Client.segment, func.count()).group_by(Client.segment)).all())
        db.engine.dispose()
    log(f"segment counts: {counts}")
    return rows, counts


def child(path: Path, fmt: str, out: Path, trace: bool) -> None:
    """Run one export in this process and print its figures as JSON (the parent reads them).

    With `trace`, tracemalloc records the Python heap peak (and slows the run several times):
    the times come from a run without it.
    """
    from yoozak.extensions import db

    app = make_app(path)
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))  # connect before the baseline
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if trace:
            tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        if fmt == "reference":
            from sqlalchemy import select

            from yoozak.models import Client

            rows = len(db.session.scalars(select(Client)).all())  # every client, as Flask-Admin loads them
        else:
            from yoozak.clients.services import ClientListParams, export_query
            from yoozak.exports import ExportJob, stream_rows
            from yoozak.exports.columns import CLIENT_COLUMNS, client_rows_select

            stmt = client_rows_select(export_query(ClientListParams()))
            job = ExportJob(fmt, CLIENT_COLUMNS, lambda: stream_rows(db.session, stmt, 1000), scope="clients")
            with out.open("wb") as stream:
                for chunk in job.chunks():
                    stream.write(chunk)
            rows = job.rows_written
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss = max_rss - base_rss
        db.session.rollback()
        db.engine.dispose()
    size = out.stat().st_size if out.exists() else 0
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "cpu": cpu,
                "peak_mb": peak / 2**20,
                "rss_mb": rss / 1024,
                "max_rss_mb": max_rss / 1024,
                "size": size,
            }
        )
    )


def export_figures(path: Path) -> list[dict]:
    """Run each export in a fresh process, so that peak RSS belongs to it alone."""
    results = []
    for fmt in ("csv", "xlsx", "reference"):
        out = RESULTS / f"segexp-export.{fmt}"
        timing = _run_child(path, fmt, out, trace=False)
        # tracemalloc slows XLSX writing several times over; its peak RSS growth tells enough.
        traced = _run_child(path, fmt, out, trace=True) if fmt != "xlsx" else {"peak_mb": None}
        results.append({**timing, "peak_mb": traced["peak_mb"]})
    return results


def _run_child(path: Path, fmt: str, out: Path, trace: bool) -> dict:
    out.unlink(missing_ok=True)
    log(f"export {fmt}{' (tracemalloc)' if trace else ''} …")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "segments_exports",
            "--child",
            fmt,
            "--db",
            str(path),
            "--out",
            str(out),
            *(["--trace"] if trace else []),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = {"format": fmt, **json.loads(done.stdout.strip().splitlines()[-1])}
    out.unlink(missing_ok=True)
    return figures


def query_figures(path: Path, runs: int = 7) -> list[tuple[str, float, float]]:
    """Time the queries the segment features add to the list page and the stats API (median)."""
    import statistics

    from yoozak.clients.segments import segment_counts, segment_overview
    from yoozak.clients.services import ClientListParams, list_clients
    from yoozak.extensions import db

    def page(**params):
        return lambda: list_clients(db.session, ClientListParams(**params))

    cases = [
        ("segment overview (count and money per segment)", lambda: segment_overview(db.session)),
        ("stats API `segments` (count per segment)", lambda: segment_counts(db.session)),
        ("list page, `segment=vip` (1.4 %), newest first", page(segment="vip")),
        ("list page, `segment=new` (0.8 %), by name", page(segment="new", sort="name")),
        ("list page, `segment=at_risk`, by money", page(segment="at_risk", sort="-spent")),
        ("list page, `segment=loyal` (81 %), newest first", page(segment="loyal")),
    ]
    rows = []
    with make_app(path).app_context():
        for label, work in cases:
            work()
            samples = []
            for _ in range(runs):
                start, cpu = time.perf_counter(), time.process_time()
                work()
                samples.append((time.perf_counter() - start, time.process_time() - cpu))
            wall = statistics.median(s[0] for s in samples) * 1000
            cpu = statistics.median(s[1] for s in samples) * 1000
            rows.append((label, wall, cpu))
        db.engine.dispose()
    return rows


def main(argv: list[str]) -> int:
    """Measure and print the tables."""
    parser = argparse.ArgumentParser(prog="python -m bench segments_exports")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--child", choices=("csv", "xlsx", "reference"))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--queries-only", action="store_true", help="Only the list-page query timings.")
    args = parser.parse_args(argv)
    if args.child:
        child(args.db, args.child, args.out, args.trace)
        return 0
    path = prepared_database(args.clients, args.orders)
    queries = query_figures(path)
    print(f"### Segment queries of the list page, {args.clients:,} clients (SQLite; median of 7)\n")
    print("| query | wall ms | CPU ms |\n|---|---:|---:|")
    for label, wall, cpu in queries:
        print(f"| {label} | {wall:.1f} | {cpu:.1f} |")
    print()
    if args.queries_only:
        return 0
    segments, counts = segment_figures(path)
    exports = export_figures(path)
    print(f"Machine: {machine()}\n")
    print(f"### Segments, {args.clients:,} clients / {args.orders:,} orders (SQLite)\n")
    print("| run | wall s | CPU s |\n|---|---:|---:|")
    for label, seconds, cpu in segments:
        print(f"| {label} | {seconds:.2f} | {cpu:.2f} |")
    print("\nSegment counts: " + ", ".join(f"{code} {n:,}" for code, n in sorted(counts.items())) + "\n")
    print(f"### Export of every client ({args.clients:,} rows, SQLite)\n")
    print("| export | wall s | CPU s | heap peak (MB) | peak RSS growth (MB) | peak RSS (MB) | file (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    names = {
        "csv": "CSV, streamed",
        "xlsx": "XLSX, constant_memory",
        "reference": "reference: every client loaded",
    }
    for r in exports:
        size = f"{r['size'] / 2**20:.1f}" if r["size"] else "—"
        heap = "—" if r["peak_mb"] is None else f"{r['peak_mb']:.1f}"
        cells = [names[r["format"]], f"{r['seconds']:.2f}", f"{r['cpu']:.2f}", heap]
        cells += [f"{r['rss_mb']:.1f}", f"{r['max_rss_mb']:.0f}", size]
        print("| " + " | ".join(cells) + " |")
    return 0
