"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests and benchmarks.

As root, initdb and the server run as the `postgres` user (PostgreSQL refuses root);
otherwise as the current user. The cluster lives in a temporary folder and is removed
when stopped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or the cluster would not start."""


def find_bindir() -> Path:
    """Return the newest /usr/lib/postgresql/<version>/bin holding initdb."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: "
            "`make test` installs them with apt-get (package postgresql)."
        )
    return Path(candidates[-1]).parent


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """A running cluster: where it lives and how to reach it."""

    datadir: Path
    port: int
    bindir: Path
    as_postgres: bool

    @property
    def url(self) -> str:
        """Return the SQLAlchemy URL of the `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        """Return the SQLAlchemy URL of one database of this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server and remove its files."""
        _run(
            self,
            [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop"],
            check=False,
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _run(cluster_or_flag, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    as_postgres = cluster_or_flag if isinstance(cluster_or_flag, bool) else cluster_or_flag.as_postgres
    if as_postgres:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise PostgresUnavailable(
            f"{' '.join(argv)} failed: {result.stderr.strip() or result.stdout.strip()}"
        )
    return result


def start_cluster(settings: dict[str, str] | None = None) -> Cluster:
    """Initialise and start a new cluster listening on 127.0.0.1 and a private socket folder."""
    bindir = find_bindir()
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="yoozak-pg-"))
    datadir = root / "data"
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    os.chmod(root, 0o755)
    _run(
        as_postgres,
        [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C",
        ],
    )
    port = free_port()
    options = {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        "unix_socket_directories": f"'{root}'",
        "fsync": "off",  # a throwaway cluster: durability buys nothing here
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    } | (settings or {})
    with open(datadir / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.writelines(f"{k} = {v}\n" for k, v in options.items())
    cluster = Cluster(datadir, port, bindir, as_postgres)
    _run(
        cluster,
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
    )
    _wait_ready(cluster)
    return cluster


def _has_c_utf8() -> bool:
    return any(Path(p).exists() for p in ("/usr/lib/locale/C.utf8", "/usr/lib/locale/C.UTF-8"))


def _wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", cluster.port)) == 0:
                return
        time.sleep(0.1)
    raise PostgresUnavailable(f"PostgreSQL did not answer on 127.0.0.1:{cluster.port}")
