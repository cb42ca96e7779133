"""Load benchmark: ``python -m bench load [--users 50 --steady 90 --workers N ...]``.

Starts a throwaway PostgreSQL cluster (tests/support/postgres.py), migrates a database and
fills it with 100,000 clients and 1,000,000 linked orders: copied with COPY from the cached
SQLite database of the pages benchmark (``python -m bench pages --prepare-only`` builds it,
seeded by yoozak.seeding.bulk and linked by the real link runner), or seeded and linked in
place with ``--fill seed`` (small scales). Then serves the app with gunicorn on 127.0.0.1
and drives it from a separate locust process (bench/_locustfile.py): N admins log in through
the real form and mix the client list, searches, client pages, order history, stats and
status toggles. Prints a Markdown table (requests/s, p50/p95/p99 per kind, errors) for
BENCHMARKS.md. The cluster and gunicorn are stopped on every exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import resource
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from .common import BENCH_SECRET, MIGRATIONS, RESULTS, log, machine

ROOT = Path(__file__).parent.parent
LOCUSTFILE = Path(__file__).parent / "_locustfile.py"
ADMIN_PASSWORD = "load-admin-password-123"
# The request kinds bench/_locustfile.py sends, by the names it reports them under.
KINDS = (
    "login form",
    "login",
    "list",
    "list, page N",
    "list, sorted",
    "search, name",
    "search, phone",
    "search, e-mail",
    "client page",
    "order history (JSON)",
    "stats (JSON)",
    "toggle status",
)
TARGET_P95_MS = 200
SETTLE_SECONDS = 300
# A server tuned for the data set; the rest is the throwaway cluster's (fsync off etc.).
PG_SETTINGS = {"shared_buffers": "'1GB'", "effective_cache_size": "'4GB'", "work_mem": "'16MB'"}


# ----------------------------------------------------------------------------- database


def make_app(url: str):
    """Create an app on `url` for the set-up steps (not the one served)."""
    from yoozak import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": BENCH_SECRET, "LOG_LEVEL": "WARNING"})


def create_database(cluster, name: str) -> str:
    """Create an empty database on the cluster, migrated to head; return its URL."""
    from flask_migrate import upgrade

    from yoozak.extensions import db

    admin = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = cluster.url_for(name)
    with make_app(url).app_context():
        upgrade(directory=str(MIGRATIONS))
        db.engine.dispose()
    return url


def _psycopg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def copy_from_sqlite(source: Path, url: str) -> dict[str, int]:
    """Copy every table of a benchmark SQLite database into the (empty, migrated) PostgreSQL one.

    Columns both sides have are copied through COPY; sequences follow; the aggregates of any
    client they disagree with the copied links for are recomputed; VACUUM then gives the
    planner its statistics and the index-only scans their visibility map.
    """
    import psycopg

    from yoozak.extensions import db
    from yoozak.models.aggregates import find_drift, refresh_aggregates

    counts: dict[str, int] = {}
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    with psycopg.connect(_psycopg_dsn(url)) as pg:
        for table in db.metadata.sorted_tables:
            have = {row[1] for row in lite.execute(f'PRAGMA table_info("{table.name}")')}
            columns = [c.name for c in table.columns if c.name in have]
            if not columns:
                continue
            names = ", ".join(f'"{c}"' for c in columns)
            with pg.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                n = 0
                for row in lite.execute(f'SELECT {names} FROM "{table.name}"'):
                    copy.write_row(row)
                    n += 1
            counts[table.name] = n
            if "id" in table.columns:
                pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'),"
                    f' coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                )
            log(f"  copied {n} rows of {table.name}")
    lite.close()
    # Recompute only the clients whose copied aggregates disagree with the copied links:
    # rewriting all 100,000 rows bloats every client index (PostgreSQL's CPU per request
    # doubled in the run that did it, BENCHMARKS.md "Load").
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        drifted = {drift.client_id for drift in find_drift(conn)}
        if drifted:
            refresh_aggregates(conn, drifted)
    engine.dispose()
    counts["aggregates recomputed"] = len(drifted)
    if drifted:
        # The rewrite left a dead version of each recomputed row in the table and every
        # client index (twice their size when most rows drift): compact them, as a database
        # filled by the current code would be, before VACUUM marks the pages all-visible.
        vacuum_full(url, "clients")
    vacuum_analyze(url)
    return counts


def seed_and_link(url: str, clients: int, orders: int, seed: int = 1) -> None:
    """Seed with the project's bulk seeders, then link with the real link runner."""
    from yoozak.extensions import db
    from yoozak.linking.run import LinkOptions, link_orders
    from yoozak.seeding.bulk import create_test_clients, create_test_orders

    with make_app(url).app_context():
        create_test_clients(db.session, clients, seed=seed)
        create_test_orders(db.session, orders, seed=seed)
        link_orders(db.session, LinkOptions())  # also refreshes the aggregates of the linked clients
        db.session.remove()
        db.engine.dispose()
    vacuum_analyze(url)


def vacuum_full(url: str, table: str) -> None:
    """Rewrite one table and its indexes compactly (VACUUM FULL; it leaves no visibility map)."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f'VACUUM FULL "{table}"'))
    engine.dispose()


def vacuum_analyze(url: str) -> None:
    """VACUUM (FREEZE, ANALYZE) the database: statistics, and every page marked all-visible.

    Without the visibility map an index-only scan still reads the rows (a plain VACUUM
    right after the COPY left 30 % of the orders' pages unmarked).
    """
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        conn.execute(sa.text("VACUUM (FREEZE, ANALYZE)" if postgres else "ANALYZE"))
    engine.dispose()


def create_admins(url: str, count: int, password: str = ADMIN_PASSWORD) -> list[dict[str, str]]:
    """Create `count` admin accounts (production password hashing); return their logins."""
    from yoozak.extensions import db
    from yoozak.models import User

    accounts = []
    with make_app(url).app_context():
        for n in range(1, count + 1):
            email = f"load-admin-{n}@yoozak.ma"
            user = db.session.scalar(sa.select(User).where(User.email == email))
            if user is None:  # an earlier run on this database (--database-url) made it
                user = User(username=f"load-admin-{n}", email=email, is_admin=True)
                db.session.add(user)
            user.set_password(password)
            accounts.append({"email": email, "password": password})
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return accounts


def _spaced_prefix(phone: str) -> str | None:
    """Return the first six national digits of +212 number as typed: "06 12 34"."""
    if not phone.startswith("+212") or len(phone) < 10:
        return None
    national = "0" + phone[4:]
    return f"{national[:2]} {national[2:4]} {national[4:6]}"


def _name_fragment(rng: random.Random, first: str, last: str) -> str:
    """Return what an admin types to find someone: part of a name, a first name, or both."""
    roll = rng.random()
    if roll < 0.5:
        return last[: rng.randint(3, 6)]
    if roll < 0.75:
        return first
    return f"{first} {last}"


def write_sample(url: str, admins: list[dict[str, str]], path: Path, seed: int = 7) -> dict:
    """Write what the locust users ask for (ids, e-mails, name and phone fragments) to `path`."""
    rng = random.Random(seed)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(sa.text("SELECT count(*) FROM clients"))
        rows = conn.execute(
            sa.text(
                "SELECT c.id, c.phone, u.email, u.first_name, u.last_name FROM clients c"
                " JOIN users u ON u.id = c.user_id ORDER BY random() LIMIT 2000"
            )
        ).all()
    engine.dispose()
    if not rows:
        raise RuntimeError("no client to ask for: fill the database first")
    sample = {
        "admins": admins,
        "last_page": max(2, math.ceil(total / 25)),
        "client_ids": [r.id for r in rows],
        "emails": [r.email for r in rows[:300]],
        "names": [_name_fragment(rng, r.first_name, r.last_name) for r in rows[:300] if r.last_name],
        "phones": [p for r in rows[:600] if r.phone and (p := _spaced_prefix(r.phone))] or ["06 12 34"],
    }
    path.write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
    return sample


# ----------------------------------------------------------------------------- processes


def _wait_http(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def _stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop a process we started (SIGTERM, then SIGKILL to its own process group)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def cpu_seconds(session_id: int | None = None, parent_id: int | None = None) -> float:
    """Return the CPU time (user + system) of the live processes of a session or of a parent and it."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat_path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid, ppid, sid = int(stat_path.parent.name), int(fields[1]), int(fields[3])
        if sid == session_id or parent_id in (ppid, pid):
            total += int(fields[11]) + int(fields[12])
    return total / tick


def postmaster_pid_of(url: str) -> int:
    """Return the pid of the server process of a local PostgreSQL (the parent of our backend)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        backend = conn.scalar(sa.text("SELECT pg_backend_pid()"))
        parent = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    engine.dispose()
    return parent


def postmaster_pid(cluster) -> int:
    """Return the pid of the cluster's server process."""
    return int((cluster.datadir / "postmaster.pid").read_text().split()[0])


@dataclass
class Server:
    """A running gunicorn: its address and its master's pid (the session of its workers)."""

    url: str
    pid: int


@contextmanager
def serve(
    url: str, workers: int, worker_class: str = "gthread", threads: int = 4, log_path: Path | None = None
) -> Iterator[Server]:
    """Serve the app with gunicorn on a free 127.0.0.1 port; yield it; stop it after.

    Keep-alive outlasts the users' think time: otherwise the server closes an idle connection
    just as a user sends a POST on it, which the client cannot safely retry.
    """
    from tests.support.postgres import free_port

    port = free_port()
    env = os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "LOG_LEVEL": "WARNING",
    }
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", worker_class]
    if worker_class == "gthread":
        argv += ["--threads", str(threads)]
    argv += ["--bind", f"127.0.0.1:{port}", "--keep-alive", "75", "--backlog", "2048"]
    argv += ["--log-level", "warning", "wsgi:app"]
    with ExitStack() as stack:
        out = stack.enter_context(open(log_path, "wb")) if log_path else subprocess.DEVNULL
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_http(base + "/auth/login", process)
            yield Server(base, process.pid)
        finally:
            _stop(process)


@dataclass
class KindStats:
    """The figures of one request kind (or of all) over one phase of a run."""

    count: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float


def percentile(sorted_ms: list[float], q: float) -> float:
    """Return the nearest-rank percentile `q` (0-100) of sorted values (0 when empty)."""
    if not sorted_ms:
        return 0.0
    return sorted_ms[max(0, math.ceil(q / 100 * len(sorted_ms)) - 1)]


def kind_stats(samples: list[tuple[float, bool]], seconds: float) -> KindStats:
    """Summarise (ms, failed) samples spread over `seconds`."""
    times = sorted(ms for ms, _ in samples)
    return KindStats(
        count=len(samples),
        failures=sum(1 for _, failed in samples if failed),
        rps=len(samples) / seconds if seconds > 0 else 0.0,
        p50=percentile(times, 50),
        p95=percentile(times, 95),
        p99=percentile(times, 99),
        max=times[-1] if times else 0.0,
    )


@dataclass
class LoadResult:
    """What a locust run measured: per kind and overall, over the steady phase and the whole run."""

    steady: dict[str, KindStats]  # requests started once every user was running
    whole: dict[str, KindStats]  # every request, the ramp and the logins included
    steady_seconds: float
    failures: list[str] = field(default_factory=list)  # locust's table of failures, one line a kind
    exceptions: list[str] = field(default_factory=list)  # raised in the locust users: a bug there
    driver_warnings: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        """Return the failed requests of the whole run plus the exceptions raised in the users."""
        return self.whole[ALL].failures + len(self.exceptions)


ALL = "All"


def summarise(raw: dict) -> tuple[dict[str, KindStats], dict[str, KindStats], float]:
    """Turn the locust users' raw records into steady-phase and whole-run statistics."""
    requests = raw["requests"]
    if not requests:
        raise RuntimeError("locust recorded no request")
    first = min(r[0] for r in requests)
    last = max(r[0] + r[2] / 1000 for r in requests)
    # The steady phase starts once the last user has logged in and run its tour.
    steady_from = max(raw["ready"], default=first)
    phases: dict[str, dict[str, list]] = {"steady": {ALL: []}, "whole": {ALL: []}}
    for start, name, ms, failed in requests:
        chosen = ("whole", "steady") if start >= steady_from else ("whole",)
        for phase in chosen:
            phases[phase].setdefault(name, []).append((ms, failed))
            phases[phase][ALL].append((ms, failed))
    steady_seconds = last - steady_from
    steady = {k: kind_stats(v, steady_seconds) for k, v in phases["steady"].items()}
    whole = {k: kind_stats(v, last - first) for k, v in phases["whole"].items()}
    return steady, whole, steady_seconds


def _read_rows(prefix: Path, suffix: str) -> list[str]:
    path = Path(f"{prefix}_{suffix}.csv")
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [" | ".join(str(v) for v in row.values()) for row in csv.DictReader(handle)]


def run_locust(
    base_url: str,
    sample_path: Path,
    csv_prefix: Path,
    users: int,
    spawn_rate: float,
    seconds: int,
    think: tuple[float, float] = (0.0, 0.0),
    steady: float = 0.0,
) -> LoadResult:
    """Drive `base_url` from a headless locust process for `seconds` (ramp included).

    With `steady`, the run stops that many seconds after the last user is ready, and
    `seconds` is only an upper bound.
    """
    raw_path = Path(f"{csv_prefix}_raw.json")
    raw_path.unlink(missing_ok=True)
    env = os.environ | {
        "YOOZAK_LOAD_SAMPLE": str(sample_path),
        "YOOZAK_LOAD_THINK": f"{think[0]},{think[1]}",
        "YOOZAK_LOAD_RAW": str(raw_path),
        "YOOZAK_LOAD_STEADY": str(steady),
    }
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
    argv += ["--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s"]
    argv += ["--host", base_url, "--csv", str(csv_prefix), "--stop-timeout", "10", "--loglevel", "WARNING"]
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=seconds + 120)
    finally:
        _stop(process)
    text = output.decode("utf-8", "replace")
    if not raw_path.exists():
        raise RuntimeError("locust wrote no records:\n" + text[-3000:])
    steady, whole, steady_seconds = summarise(json.loads(raw_path.read_text(encoding="utf-8")))
    return LoadResult(
        steady,
        whole,
        steady_seconds,
        _read_rows(csv_prefix, "failures"),
        _read_rows(csv_prefix, "exceptions"),
        [line for line in text.splitlines() if "CPU usage" in line],
    )


# ----------------------------------------------------------------------------- report


def load_average() -> str:
    """Return the 1/5/15-minute load averages, as `uptime` prints them."""
    return ", ".join(Path("/proc/loadavg").read_text().split()[:3])


def _row(name: str, s: KindStats, errors: int) -> str:
    cells = [name, s.count, errors, f"{s.rps:.1f}", *(f"{v:.0f}" for v in (s.p50, s.p95, s.p99, s.max))]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def report(
    args,
    result: LoadResult,
    loads: tuple[str, str],
    fill: str,
    failures: list[str],
    cpu: dict[str, float] | None = None,
) -> str:
    """Render the Markdown section for BENCHMARKS.md."""
    think = f"{args.think[0]:g}–{args.think[1]:g} s" if args.think[1] > 0 else "none"
    threads = f" × {args.threads} threads" if args.worker_class == "gthread" else ""
    lines = [
        f"#### {args.users} admins, think time {think};"
        f" gunicorn {args.worker_class} × {args.workers}{threads}",
        "",
        f"Machine: {machine()}. Load average (1/5/15 min) before {loads[0]}, after {loads[1]}.",
        f"Data: {fill}. Ramp at {args.spawn_rate:g} users/s (each logs in, then runs every kind once),"
        f" then {result.steady_seconds:.0f} s steady, measured below.",
        "",
        "| Request (steady phase) | Count | Errors (whole run) | Req/s"
        " | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = [n for n in KINDS if n in result.steady] + [n for n in result.steady if n not in (*KINDS, ALL)]
    for name in names:
        lines.append(_row(name, result.steady[name], result.whole[name].failures))
    lines.append(_row(f"**{ALL}**", result.steady[ALL], result.whole[ALL].failures))
    logins = [
        f"{n}: {s.count} requests, p50 {s.p50:.0f} ms, p95 {s.p95:.0f} ms"
        for n in ("login form", "login")
        if (s := result.whole.get(n))
    ]
    whole = result.whole[ALL]
    lines += [
        "",
        f"Whole run (ramp included): {whole.count} requests, {whole.rps:.1f} req/s, p95 {whole.p95:.0f} ms,"
        f" {result.error_count} errors. Logins (during the ramp) — " + "; ".join(logins) + ".",
    ]
    if cpu:
        server_ms = (cpu["gunicorn"] + cpu["PostgreSQL"]) * 1000 / max(1, whole.count)
        lines.append(
            "CPU used during the run: "
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in cpu.items())
            + f"; the server (gunicorn + PostgreSQL) {server_ms:.0f} ms of CPU per request."
        )
    verdict = "met" if not failures else "MISSED: " + "; ".join(failures)
    lines.append(f"Target (no errors, steady p95 ≤ {TARGET_P95_MS} ms): {verdict}.")
    if result.driver_warnings:
        lines.append("Locust warned: " + " / ".join(sorted(set(result.driver_warnings))))
    return "\n".join(lines)


def check_target(result: LoadResult) -> list[str]:
    """Return why the target is missed (empty when it is met)."""
    failures = []
    if not result.steady[ALL].count:
        failures.append("no steady phase: the users were still logging in when the run ended")
    if result.error_count:
        failures.append(f"{result.error_count} errors")
    if result.steady[ALL].p95 > TARGET_P95_MS:
        failures.append(f"p95 {result.steady[ALL].p95:.0f} ms")
    return failures


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None):
    """Parse the command line."""
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--fill", choices=("copy", "seed"), default="copy")
    parser.add_argument("--source", type=Path, help="SQLite file to copy (default: the pages benchmark's)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--admins", type=int, default=50, help="admin accounts the users share")
    # Slow enough that the logins (scrypt: ~0.2 s of CPU each) don't swamp the ramp.
    parser.add_argument("--spawn-rate", type=float, default=1.0)
    parser.add_argument("--steady", type=int, default=90, help="seconds measured once every user is ready")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="gthread")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--runs", type=int, default=1, help="locust runs against the same server")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database already filled (by an earlier run's set-up): serve it as it is,"
        " skipping the cluster and the fill, to compare server settings on the same data",
    )
    args = parser.parse_args(argv)
    # The steady phase starts when the last user has logged in and run its tour, and the run
    # stops `--steady` seconds later; the ramp plus SETTLE_SECONDS bounds the wait for it.
    args.duration = math.ceil(args.users / args.spawn_rate) + SETTLE_SECONDS + args.steady
    return args


def fill_database(args, url: str) -> str:
    """Fill the database as asked; return a line describing the data."""
    if args.fill == "seed":
        start = time.perf_counter()
        seed_and_link(url, args.clients, args.orders)
        took = time.perf_counter() - start
        return f"{args.clients} clients, {args.orders} orders seeded and linked in {took:.0f} s"
    from .pages import prepare

    source = args.source or RESULTS / f"pages-{args.clients}-{args.orders}-42-runner.db"
    if not source.exists():
        log(f"building {source} (pages benchmark data, once) …")
        prepare(source, args.clients, args.orders, 42, "runner")
    start = time.perf_counter()
    counts = copy_from_sqlite(source, url)
    return (
        f"{counts.get('clients', 0)} clients, {counts.get('orders', 0)} orders (linked by the link runner)"
        f" copied from {source.name} with COPY in {time.perf_counter() - start:.0f} s"
        f" ({counts['aggregates recomputed']} clients' aggregates out of step with their links recomputed)"
    )


def measure(args, server: Server, postmaster: int, sample_path: Path, run: int):
    """Run locust once; return its result, the CPU seconds each side used, and the load averages."""
    before = load_average()
    start = (
        cpu_seconds(session_id=server.pid),
        cpu_seconds(parent_id=postmaster),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    result = run_locust(
        server.url,
        sample_path,
        RESULTS / f"load-run{run}",
        args.users,
        args.spawn_rate,
        args.duration,
        tuple(args.think),
        args.steady,
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # locust, reaped by now
    cpu = {
        "gunicorn": cpu_seconds(session_id=server.pid) - start[0],
        "PostgreSQL": cpu_seconds(parent_id=postmaster) - start[1],
        "locust": children.ru_utime + children.ru_stime - start[2].ru_utime - start[2].ru_stime,
    }
    return result, cpu, (before, load_average())


def _interrupted(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    """Start PostgreSQL, fill it, serve with gunicorn, drive with locust; exit 1 if the target is missed."""
    from tests.support.postgres import start_cluster

    args = parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, _interrupted)  # `kill` stops everything too, as Ctrl-C does
    cluster = None if args.database_url else start_cluster(PG_SETTINGS)
    status = 0
    try:
        if cluster is None:
            url = args.database_url
            fill = f"the database already filled at {sa.make_url(url).render_as_string(hide_password=True)}"
        else:
            log(f"PostgreSQL on 127.0.0.1:{cluster.port}; filling …")
            url = create_database(cluster, "yoozak_load")
            fill = fill_database(args, url)
        log(fill)
        admins = create_admins(url, args.admins)
        sample_path = RESULTS / "load-sample.json"
        write_sample(url, admins, sample_path)
        with serve(
            url, args.workers, args.worker_class, args.threads, RESULTS / "load-gunicorn.log"
        ) as server:
            for run in range(1, args.runs + 1):
                log(f"run {run}: {args.users} users against {server.url} for {args.duration} s …")
                postmaster = postmaster_pid(cluster) if cluster else postmaster_pid_of(url)
                result, cpu, loads = measure(args, server, postmaster, sample_path, run)
                failures = check_target(result)
                print(report(args, result, loads, fill, failures, cpu), flush=True)
                for error in (result.failures + result.exceptions)[:10]:
                    log(f"  {error}")
                status |= 1 if failures else 0
    except KeyboardInterrupt:
        log("interrupted")
        status = 130
    finally:
        if cluster is not None:
            cluster.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
