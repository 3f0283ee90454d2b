"""Shared plumbing for the benchmarks: dedicated databases, the server, the load client,
percentiles and a description of the machine.

Benchmarks never touch the dev database: SQLite files live under ``var/bench/`` and
PostgreSQL databases are created (and dropped) by name on ``BENCH_PG_ADMIN_URL``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
BENCH_DIR = Path(os.environ.get("BENCH_DATA_DIR", REPO / "var" / "bench")).resolve()
RESULTS_DIR = REPO / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BASE_URL = PG_ADMIN_URL.rsplit("/", 1)[0]


# --------------------------------------------------------------------------- databases


@dataclass(frozen=True)
class Target:
    """One dedicated benchmark database."""

    vendor: str  # "sqlite" or "postgresql"
    url: str  # DATABASE_URL for Django
    name: str  # file path or database name

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.vendor == "postgresql" else "SQLite (WAL)"


def sqlite_target(stem: str) -> Target:
    path = BENCH_DIR / f"{stem}.sqlite3"
    return Target("sqlite", f"sqlite:///{path}", str(path))


def pg_target(dbname: str) -> Target:
    if not dbname.startswith("helpline_bench"):
        raise SystemExit(f"refusing to use {dbname!r}: bench databases are named helpline_bench*")
    return Target("postgresql", f"{PG_BASE_URL}/{dbname}", dbname)


def target_for(vendor: str, stem: str) -> Target:
    return sqlite_target(stem) if vendor == "sqlite" else pg_target(f"helpline_bench_{stem}")


def _pg_admin_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def pg_database_exists(dbname: str) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
    return row is not None


def drop_database(target: Target) -> None:
    if target.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(target.name + suffix).unlink(missing_ok=True)
    else:
        _pg_admin_exec(f'DROP DATABASE IF EXISTS "{target.name}" WITH (FORCE)')


def create_database(target: Target) -> None:
    """Create an empty database for ``target`` (dropping any previous one) and migrate it."""
    drop_database(target)
    (BENCH_DIR / "data" / "static").mkdir(parents=True, exist_ok=True)
    if target.vendor != "sqlite":
        _pg_admin_exec(f'CREATE DATABASE "{target.name}"')
    migrate(target)


def database_exists(target: Target) -> bool:
    if target.vendor == "sqlite":
        return Path(target.name).exists()
    return pg_database_exists(target.name)


def migrate(target: Target) -> None:
    subprocess.run(
        [PY, "-m", "helpline", "migrate", "--no-input", "-v0"],
        env=child_env(target),
        check=True,
        cwd=REPO,
    )


def child_env(target: Target, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=target.url,
        DJANGO_SETTINGS_MODULE="helpline.settings",
        HELPLINE_DATA_DIR=str(BENCH_DIR / "data"),
        HELPLINE_DEBUG="0",
        PYTHONPATH=os.pathsep.join(
            p for p in (str(REPO / "src"), str(REPO), env.get("PYTHONPATH", "")) if p
        ),
    )
    env.update(extra)
    return env


def setup_django(target: Target) -> None:
    """Point Django at ``target`` (must run before anything imports settings)."""
    os.environ.update(child_env(target))
    for p in (str(REPO / "src"), str(REPO)):
        if p not in sys.path:
            sys.path.insert(0, p)
    import django

    django.setup()


def raw_connect(target: Target) -> Any:
    """A raw DB-API connection in autocommit mode, configured like the app's."""
    if target.vendor == "sqlite":
        conn = sqlite3.connect(target.name, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn
    import psycopg

    return psycopg.connect(target.url.replace("postgres://", "postgresql://"), autocommit=True)


def database_version(target: Target) -> str:
    if target.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    conn = raw_connect(target)
    try:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('shared_buffers', 'synchronous_commit', 'fsync')"
            ).fetchall()
        )
    finally:
        conn.close()
    sb_mb = int(settings["shared_buffers"]) * 8 // 1024
    return (
        f"PostgreSQL {version.split()[0]} (shared_buffers {sb_mb} MB, "
        f"fsync {settings['fsync']}, synchronous_commit {settings['synchronous_commit']})"
    )


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (the server's workers)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(stat.parent.name))
    return out


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (those still alive)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


class CpuMeter:
    """CPU seconds used by the server workers and the database backends between ``start``
    and ``stop``. Backends come and go (``CONN_MAX_AGE``), so a thread samples every pid
    twice a second: one that appears counts from zero, one that exits keeps its last sample
    (figures err on the low side by at most half a second of one backend)."""

    def __init__(self, target: Target, workers: Sequence[int]) -> None:
        self.target, self.workers = target, list(workers)

    def _sample(self) -> None:
        for group, pids in (("server workers", self.workers),
                            ("database backends", pg_backends(self.target))):  # fmt: skip
            for pid in pids:
                value = cpu_seconds([pid])
                self.first.setdefault((group, pid), 0.0 if self.started else value)
                self.last[(group, pid)] = max(value, self.last.get((group, pid), 0.0))

    def _loop(self) -> None:
        while not self.done.wait(0.5):
            self._sample()

    def start(self) -> None:
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.started = False
        self._sample()
        self.started = True
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.thread.join()
        self._sample()
        out = {"server workers": 0.0, "database backends": 0.0}
        for key, value in self.last.items():
            out[key[0]] += value - self.first[key]
        return out


def pg_backends(target: Target) -> list[int]:
    """PIDs of the PostgreSQL backends connected to ``target``'s database."""
    if target.vendor != "postgresql":
        return []
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [target.name],
        ).fetchall()
    return [int(r[0]) for r in rows]


@dataclass
class Server:
    port: int
    pid: int

    @property
    def workers(self) -> list[int]:
        return children(self.pid)


@contextlib.contextmanager
def serve(target: Target, *, workers: int = 2, kind: str = "gunicorn") -> Iterator[Server]:
    """Like ``server`` but yields the port and the master's pid."""
    with server(target, workers=workers, kind=kind, _info=True) as info:
        yield info  # type: ignore[misc]


@contextlib.contextmanager
def server(
    target: Target, *, workers: int = 2, kind: str = "gunicorn", _info: bool = False
) -> Iterator[Any]:
    """Serve the app on 127.0.0.1 with ``workers`` processes; yield the port.

    ``gunicorn`` is gunicorn's sync worker on the WSGI app (the production default);
    ``uvicorn`` serves the ASGI app.
    """
    port = free_port()
    if kind == "gunicorn":
        cmd = [
            PY,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "helpline.wsgi:application",
        ]
    else:
        cmd = [
            PY,
            "-m",
            "uvicorn",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "helpline.asgi:application",
        ]
    proc = subprocess.Popen(cmd, env=child_env(target), cwd=REPO, start_new_session=True)
    try:
        _wait_for(port, proc)
        yield Server(port, proc.pid) if _info else port
    finally:
        # The server runs in its own session: signal its process group (master + workers).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_for(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def run_load(port: int, jobs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``jobs`` with the load client in its own process (see ``bench/_load.py``)."""
    plan = json.dumps({"port": port, "jobs": list(jobs)})
    out = subprocess.run(
        [PY, str(REPO / "bench" / "_load.py")],
        input=plan.encode(),
        capture_output=True,
        check=True,
        cwd=REPO,
    )
    return list(json.loads(out.stdout))


# --------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    return (
        f"{os.cpu_count()} cores ({model}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            if abs(v) < 1:
                return f"{v:.2f}"
            return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def save_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path
