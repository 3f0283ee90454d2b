"""Case creation rate: service layer and HTTP API, against the database's own ceiling.

For each database (SQLite in WAL mode, PostgreSQL) in a fresh dedicated database:

1. **Ceiling** (the baseline): the raw driver (``sqlite3`` / ``psycopg``) inserts a row
   shaped like a case into a scratch table, one row per transaction in autocommit, then the
   same number of rows in one transaction.
2. **Service layer**: ``cases.services.open_case`` called sequentially, one case (one
   transaction) per call, with a topic, a subject and a requester to validate as an API
   call would; again with no references, to show what the validation reads cost.
3. **API**: ``POST /api/v1/cases`` served by gunicorn (2 sync workers) on 127.0.0.1, load
   from another process with bounded concurrency, a fixed count and a time cap.
4. **Queries** per creation, counted in-process with ``CaptureQueriesContext``.
5. **Check**: the protocol numbers handed out are gap-free and match the counter.

Run: ``.venv/bin/python -m bench.case_creation`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._common import (
    PY,
    REPO,
    CpuMeter,
    Target,
    create_database,
    database_version,
    machine,
    percentile,
    raw_connect,
    run_load,
    save_result,
    serve,
    setup_django,
    table,
    target_for,
)

SCRATCH_COLUMNS = {
    # name: (SQLite type, PostgreSQL type) - the shape of cases_case without its indexes
    "organization_id": ("bigint NOT NULL", "bigint NOT NULL"),
    "protocol_number": ("varchar(40) NOT NULL", "varchar(40) NOT NULL"),
    "protocol_year": ("smallint NOT NULL", "smallint NOT NULL"),
    "protocol_seq": ("bigint NOT NULL", "bigint NOT NULL"),
    "channel": ("varchar(16) NOT NULL", "varchar(16) NOT NULL"),
    "case_type": ("varchar(32) NOT NULL", "varchar(32) NOT NULL"),
    "topic_id": ("bigint NULL", "bigint NULL"),
    "subject_id": ("bigint NULL", "bigint NULL"),
    "urgency": ("varchar(16) NOT NULL", "varchar(16) NOT NULL"),
    "severity": ("varchar(16) NOT NULL", "varchar(16) NOT NULL"),
    "status": ("varchar(24) NOT NULL", "varchar(24) NOT NULL"),
    "level": ("varchar(4) NOT NULL", "varchar(4) NOT NULL"),
    "title": ("varchar(200) NOT NULL", "varchar(200) NOT NULL"),
    "description": ("text NOT NULL", "text NOT NULL"),
    "requester_id": ("bigint NULL", "bigint NULL"),
    "assignee_id": ("integer NULL", "integer NULL"),
    "created_by_id": ("integer NULL", "integer NULL"),
    "created_at": ("datetime NOT NULL", "timestamptz NOT NULL"),
    "updated_at": ("datetime NOT NULL", "timestamptz NOT NULL"),
}
SCRATCH = "bench_scratch_case"
TITLE = "Sem água na rua desde ontem"
DESCRIPTION = "A moradora informa falta de água desde as 18h de ontem em toda a rua."


# --------------------------------------------------------------------------- ceiling


_SEQ = itertools.count(1)


def _scratch_row(_i: int, vendor: str) -> tuple[Any, ...]:
    i = next(_SEQ)  # unique: the indexed copy keeps cases_case's unique constraints
    now = datetime.now(UTC)
    ts: Any = now.isoformat(sep=" ") if vendor == "sqlite" else now
    return (
        1,
        f"BEN-2025-{i:07d}",
        2025,
        i,
        "phone",
        "information",
        1,
        1,
        "normal",
        "minor",
        "new",
        "l1",
        TITLE,
        DESCRIPTION,
        1,
        None,
        1,
        ts,
        ts,
    )


class Scratch:
    """A scratch table written by the raw driver: shaped like cases_case with a primary key
    only (the ceiling), or a copy of cases_case with all its indexes (``indexed``), to show
    what the schema itself costs per insert. Neither checks foreign keys."""

    def __init__(self, target: Target, *, indexed: bool = False) -> None:
        self.vendor = target.vendor
        self.conn = raw_connect(target)
        self.table = SCRATCH + ("_idx" if indexed else "")
        ph = "?" if self.vendor == "sqlite" else "%s"
        self.insert = (
            f"INSERT INTO {self.table} ({', '.join(SCRATCH_COLUMNS)}) "
            f"VALUES ({', '.join([ph] * len(SCRATCH_COLUMNS))})"
        )
        self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        if indexed and self.vendor == "postgresql":
            self.conn.execute(f"CREATE TABLE {self.table} (LIKE cases_case INCLUDING ALL)")
        elif indexed:
            ddl = self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'cases_case' AND sql IS NOT NULL "
                "ORDER BY type = 'index'"
            ).fetchall()
            for (sql,) in ddl:
                sql = sql.replace('"cases_case"', f'"{self.table}"')
                sql = sql.replace('INDEX "', f'INDEX "{self.table}_')
                self.conn.execute(sql)
        else:
            pk = (
                "id integer PRIMARY KEY AUTOINCREMENT"
                if self.vendor == "sqlite"
                else "id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
            )
            col = 0 if self.vendor == "sqlite" else 1
            cols = ", ".join(f"{name} {types[col]}" for name, types in SCRATCH_COLUMNS.items())
            self.conn.execute(f"CREATE TABLE {self.table} ({pk}, {cols})")
        self.autocommit(200)  # warm-up: file growth, caches

    def autocommit(self, n: int) -> list[float]:
        """Insert ``n`` rows, one per transaction; return each one's seconds."""
        lat = []
        for i in range(n):
            t = time.perf_counter()
            self.conn.execute(self.insert, _scratch_row(i, self.vendor))
            lat.append(time.perf_counter() - t)
        return lat

    def one_transaction(self, n: int) -> float:
        """Insert ``n`` rows in one transaction; return rows per second."""
        t0 = time.perf_counter()
        if self.vendor == "sqlite":
            self.conn.execute("BEGIN")
            for i in range(n):
                self.conn.execute(self.insert, _scratch_row(i, self.vendor))
            self.conn.execute("COMMIT")
        else:
            with self.conn.transaction():
                for i in range(n):
                    self.conn.execute(self.insert, _scratch_row(i, self.vendor))
        return n / (time.perf_counter() - t0)

    def sync_full(self, n: int) -> float:
        """SQLite only: autocommit rows per second if every commit were fsync'ed
        (synchronous=FULL), to compare with figures measured that way."""
        self.conn.execute("PRAGMA synchronous=FULL")
        try:
            return n / sum(self.autocommit(n))
        finally:
            self.conn.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        self.conn.execute(f"DROP TABLE {self.table}")
        self.conn.close()


# --------------------------------------------------------------------------- service


def service_calls(tenant: Any, n: int, *, with_refs: bool, offset: int = 0) -> list[float]:
    """Open ``n`` cases through ``open_case``, one transaction each; return each one's
    seconds. With references, the call names a topic, a subject and a requester that the
    service validates against the tenant, as an API or desk creation does."""
    from helpline.cases.services import open_case
    from helpline.lib.actors import Actor

    actor = Actor.for_user(tenant.operator)
    refs = (
        {
            "topic_id": tenant.topic_id,
            "subject_id": tenant.subject_id,
            "requester_id": tenant.customer_id,
        }
        if with_refs
        else {}
    )
    lat = []
    cpu0 = time.process_time()
    for i in range(offset, offset + n):
        t = time.perf_counter()
        open_case(
            org=tenant.org,
            actor=actor,
            channel="phone",
            case_type="information",
            title=f"{TITLE} {i}",
            description=DESCRIPTION,
            **refs,
        )
        lat.append(time.perf_counter() - t)
    _CPU[with_refs] = _CPU.get(with_refs, 0.0) + time.process_time() - cpu0
    return lat


_CPU: dict[bool, float] = {}


def _summary(lat: list[float]) -> dict[str, float]:
    return {
        "n": len(lat),
        "rate": len(lat) / sum(lat),
        "p50_ms": percentile(lat, 50) * 1000,
        "p95_ms": percentile(lat, 95) * 1000,
    }


class RawOpenCase:
    """``open_case``'s own SQL replayed through the raw driver, without Django: the same
    three reads, counter UPDATE, three INSERTs into the real tables and one commit. The
    floor of the service's design on this database; the gap to the service is Python."""

    def __init__(self, target: Target, tenant: Any) -> None:
        from helpline.cases.protocol import format_protocol

        self.vendor, self.tenant, self.fmt = target.vendor, tenant, format_protocol
        self.conn = raw_connect(target)
        self.year = datetime.now(UTC).year  # within the tenant's year except around midnight
        ph = "?" if self.vendor == "sqlite" else "%s"
        self.sql = {
            "topic": f"SELECT id FROM cases_topic WHERE organization_id = {ph} AND id = {ph}",
            "subject": "SELECT id, topic_id FROM cases_subject "
            f"WHERE organization_id = {ph} AND id = {ph}",
            "customer": "SELECT id FROM customers_customer "
            f"WHERE organization_id = {ph} AND id = {ph}",
            "counter": "UPDATE cases_protocolcounter SET last_seq = last_seq + 1 "
            f"WHERE organization_id = {ph} AND year = {ph} RETURNING last_seq",
            "case": "INSERT INTO cases_case (organization_id, protocol_number, protocol_year, "
            "protocol_seq, channel, case_type, topic_id, subject_id, urgency, severity, status, "
            "level, title, description, requester_id, created_by_id, created_at, updated_at) "
            f"VALUES ({', '.join([ph] * 18)}) RETURNING id",
            "audit": "INSERT INTO audit_auditentry (organization_id, at, actor_kind, "
            "actor_user_id, actor_customer_id, actor_label, action, object_type, object_id, "
            f"object_repr, changes) VALUES ({', '.join([ph] * 11)})",
            "event": "INSERT INTO events_contactevent (organization_id, at, kind, channel, "
            "case_id, customer_id, actor_kind, actor_user_id, actor_label, data) "
            f"VALUES ({', '.join([ph] * 10)})",
        }

    def one(self, i: int) -> None:
        t, org = self.tenant, self.tenant.org
        now = datetime.now(UTC)
        ts: Any = str(now.replace(tzinfo=None)) if self.vendor == "sqlite" else now
        x = self.conn.execute
        if self.vendor == "sqlite":
            x("BEGIN IMMEDIATE")
            tx = None
        else:
            tx = self.conn.transaction()
            tx.__enter__()
        assert x(self.sql["topic"], (org.pk, t.topic_id)).fetchone()
        assert x(self.sql["subject"], (org.pk, t.subject_id)).fetchone()[1] == t.topic_id
        assert x(self.sql["customer"], (org.pk, t.customer_id)).fetchone()
        seq = x(self.sql["counter"], (org.pk, self.year)).fetchone()[0]
        number = self.fmt(org, self.year, seq)
        title = f"{TITLE} raw {i}"
        case_id = x(self.sql["case"], (org.pk, number, self.year, seq, "phone", "information",
                                       t.topic_id, t.subject_id, "normal", "minor", "new", "l1",
                                       title, DESCRIPTION, t.customer_id, t.operator.pk, ts,
                                       ts)).fetchone()[0]  # fmt: skip
        after = {"protocol_number": number, "channel": "phone", "case_type": "information",
                 "topic": t.topic_id, "subject": t.subject_id, "urgency": "normal",
                 "severity": "minor", "status": "new", "level": "l1", "title": title,
                 "description": DESCRIPTION, "requester": t.customer_id}  # fmt: skip
        changes = json.dumps({k: [None, v] for k, v in after.items()})
        x(self.sql["audit"], (org.pk, ts, "user", t.operator.pk, None, "bench-operator",
                              "create", "cases.case", str(case_id), f"{number} {title}"[:200],
                              changes))  # fmt: skip
        data = json.dumps({"protocol": number, "type": "information", "urgency": "normal"})
        x(self.sql["event"], (org.pk, ts, "case_opened", "phone", case_id, t.customer_id, "user",
                              t.operator.pk, "bench-operator", data))  # fmt: skip
        if tx is None:
            x("COMMIT")
        else:
            tx.__exit__(None, None, None)

    def calls(self, n: int) -> list[float]:
        lat = []
        for i in range(n):
            t0 = time.perf_counter()
            self.one(i)
            lat.append(time.perf_counter() - t0)
        return lat


def in_process(target: Target, tenant: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Ceiling and service layer, interleaved in rounds so that both see the same machine
    (a noisy neighbour slows both, not just one of them)."""
    scratch, indexed = Scratch(target), Scratch(target, indexed=True)
    service_calls(tenant, 20, with_refs=True)  # warm-up: imports, plan caches
    raw_service = RawOpenCase(target, tenant)
    raw_service.calls(20)
    warm_cpu = _CPU[True]
    lat: dict[str, list[float]] = {
        "ceiling": [],
        "ceiling_indexed": [],
        "raw_service": [],
        "service": [],
        "service_bare": [],
    }
    rounds = max(1, args.rounds)
    for r in range(rounds):
        lat["ceiling"] += scratch.autocommit(args.raw_n // rounds)
        lat["ceiling_indexed"] += indexed.autocommit(args.raw_n // rounds)
        lat["raw_service"] += raw_service.calls(args.service_n // rounds)
        lat["service"] += service_calls(
            tenant, args.service_n // rounds, with_refs=True, offset=r * args.service_n
        )
        lat["service_bare"] += service_calls(
            tenant, args.service_n // rounds, with_refs=False, offset=r * args.service_n
        )
    out: dict[str, Any] = {k: _summary(v) for k, v in lat.items()}
    # CPU of this process per case (Python + driver; not the database server's)
    out["service"]["cpu_ms"] = (_CPU[True] - warm_cpu) / len(lat["service"]) * 1000
    out["service_bare"]["cpu_ms"] = _CPU[False] / len(lat["service_bare"]) * 1000
    out["ceiling"]["one_transaction"] = scratch.one_transaction(args.raw_n)
    if target.vendor == "sqlite":
        out["ceiling"]["sync_full"] = scratch.sync_full(max(200, args.raw_n // 5))
    scratch.close()
    indexed.close()
    raw_service.conn.close()
    return out


def api_payload(tenant: Any) -> dict[str, Any]:
    return {
        "channel": "phone",
        "case_type": "information",
        "title": TITLE + " {n}",
        "description": DESCRIPTION,
        "topic_id": tenant.topic_id,
        "subject_id": tenant.subject_id,
        "requester_id": tenant.customer_id,
    }


def count_queries(tenant: Any) -> dict[str, Any]:
    """SQL statements for one creation via the service and via the API (in-process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from helpline.cases.services import open_case
    from helpline.lib.actors import Actor

    out: dict[str, Any] = {}
    with CaptureQueriesContext(connection) as ctx:
        open_case(
            org=tenant.org,
            actor=Actor.for_user(tenant.operator),
            channel="phone",
            case_type="information",
            title="counted",
            topic_id=tenant.topic_id,
            subject_id=tenant.subject_id,
            requester_id=tenant.customer_id,
        )
    out["service"] = len(ctx.captured_queries)
    out["service_sql"] = [q["sql"][:160] for q in ctx.captured_queries]
    client = Client(headers={"Authorization": f"Bearer {tenant.token}"})
    body = json.dumps(api_payload(tenant)).replace("{n}", "counted")
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client.post("/api/v1/cases", body, content_type="application/json")  # token last use
        with CaptureQueriesContext(connection) as ctx:
            resp = client.post("/api/v1/cases", body, content_type="application/json")
    out["api_status"] = resp.status_code
    out["api"] = len(ctx.captured_queries) if resp.status_code == 201 else None
    out["api_sql"] = [q["sql"][:160] for q in ctx.captured_queries]
    return out


def check_protocols(org: Any) -> dict[str, Any]:
    from django.db.models import Count, Max, Min

    from helpline.cases.models import Case, ProtocolCounter

    rows = list(
        Case.objects.filter(organization=org)
        .values("protocol_year")
        .annotate(n=Count("id"), lo=Min("protocol_seq"), hi=Max("protocol_seq"))
    )
    counters = dict(
        ProtocolCounter.objects.filter(organization=org).values_list("year", "last_seq")
    )
    ok = all(r["lo"] == 1 and r["hi"] == r["n"] == counters.get(r["protocol_year"]) for r in rows)
    return {"gap_free": ok, "years": rows}


# --------------------------------------------------------------------------- one database


def run_one(vendor: str, args: argparse.Namespace) -> dict[str, Any]:
    target = target_for(vendor, "create")
    create_database(target)
    setup_django(target)
    from django.db import connection

    from bench._fixtures import make_tenant

    tenant = make_tenant()
    result: dict[str, Any] = {"vendor": vendor, "label": target.label}
    result["version"] = database_version(target)
    result["load_before"] = os.getloadavg()[0]
    result.update(in_process(target, tenant, args))
    result["queries"] = count_queries(tenant)
    if result["queries"]["api_status"] == 201 and not args.no_api:
        connection.close()
        job = {
            "name": "create",
            "method": "POST",
            "paths": ["/api/v1/cases"],
            "headers": {
                "Authorization": f"Bearer {tenant.token}",
                "Content-Type": "application/json",
            },
            "body": json.dumps(api_payload(tenant), ensure_ascii=False),
            "count": args.api_n,
            "concurrency": args.concurrency,
            "time_cap": args.time_cap,
            "warmup": 20,
            "expect": [201],
        }
        with serve(target, workers=args.workers, kind=args.server) as srv:
            run_load(srv.port, [{**job, "count": 50, "warmup": 0}])  # connect, warm caches
            meter = CpuMeter(target, srv.workers)
            meter.start()
            client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result["api"] = run_load(srv.port, [{**job, "warmup": 0}])[0]
            client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = meter.stop()
            used["load client"] = (
                client_after.ru_utime + client_after.ru_stime
                - client_before.ru_utime - client_before.ru_stime
            )  # fmt: skip
            n = result["api"]["sent"]
            result["api"]["cpu_ms"] = {k: v / n * 1000 for k, v in used.items()}
    result["load_after"] = os.getloadavg()[0]
    result["check"] = check_protocols(tenant.org)
    connection.close()
    return result


# --------------------------------------------------------------------------- report


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    rows: list[list[Any]] = []
    for r in results:
        c, ci, s, sb = r["ceiling"], r["ceiling_indexed"], r["service"], r["service_bare"]
        db = r["label"]

        def ratio(rate: float, c: dict[str, Any] = c) -> str:
            return f"{rate / c['rate']:.0%}"

        rows += [
            [db, "**ceiling**: raw INSERT, autocommit (baseline)", c["rate"], c["p50_ms"],
             c["p95_ms"], "100%", ""],
            [db, "raw INSERT, autocommit, into a copy of cases_case (16 indexes)", ci["rate"],
             ci["p50_ms"], ci["p95_ms"], ratio(ci["rate"]), ""],
            [db, "raw INSERT, all rows in one transaction", c["one_transaction"], "", "", "", ""],
        ]  # fmt: skip
        if "sync_full" in c:
            rows.append([db, "raw INSERT, autocommit, synchronous=FULL", c["sync_full"],
                         "", "", "", ""])  # fmt: skip
        rs = r["raw_service"]
        rows.append([db, "open_case's SQL (3 reads, UPDATE, 3 INSERTs, commit) via raw driver",
                     rs["rate"], rs["p50_ms"], rs["p95_ms"], ratio(rs["rate"]), ""])  # fmt: skip
        rows += [
            [db, "**service** open_case (topic, subject, requester)", s["rate"], s["p50_ms"],
             s["p95_ms"], ratio(s["rate"]), f"{s['cpu_ms']:.1f} (this process)"],
            [db, "service open_case (no references)", sb["rate"], sb["p50_ms"], sb["p95_ms"],
             ratio(sb["rate"]), f"{sb['cpu_ms']:.1f} (this process)"],
        ]  # fmt: skip
        api = r.get("api")
        if api:
            cpu = api.get("cpu_ms", {})
            cpu_text = ", ".join(f"{k} {v:.1f}" for k, v in cpu.items() if v)
            label = (f"**API** POST /api/v1/cases, {args.server} -w {args.workers}, "
                     f"{args.concurrency} in flight")  # fmt: skip
            rows.append([db, label, api["rate"], api["p50_ms"], api["p95_ms"],
                         ratio(api["rate"]), cpu_text])  # fmt: skip
    out = [table(["database", "what", "per second", "p50 ms", "p95 ms", "vs ceiling",
                  "CPU ms per case"], rows)]  # fmt: skip
    qrows = []
    for r in results:
        q = r["queries"]
        api = r.get("api") or {}
        sent = f"{api.get('ok', 0)}/{api.get('sent', 0)}"
        if api.get("capped"):
            sent += " (time cap)"
        api_q = q["api"] if q["api"] is not None else f"n/a ({q['api_status']})"
        gap_free = "yes" if r["check"]["gap_free"] else "NO"
        qrows.append([r["label"], q["service"], api_q, sent, gap_free])
    out.append("")
    out.append(table(["database", "SQL per service creation", "SQL per API creation",
                      "API ok/sent", "protocols gap-free"], qrows))  # fmt: skip
    return "\n".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    p.add_argument("--raw-n", type=int, default=5000, help="rows per ceiling measurement")
    p.add_argument("--rounds", type=int, default=5, help="ceiling/service interleaving rounds")
    p.add_argument("--service-n", type=int, default=2000, help="cases through open_case")
    p.add_argument("--api-n", type=int, default=5000, help="cases through the API")
    p.add_argument("--concurrency", type=int, default=8, help="API requests in flight")
    p.add_argument("--time-cap", type=float, default=120, help="seconds the API load may last")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--server", choices=["gunicorn", "uvicorn"], default="gunicorn")
    p.add_argument("--no-api", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        json.dump(run_one(args.child, args), sys.stdout, default=str)
        return
    results = []
    for vendor in args.db.split(","):
        # One process per database: Django reads DATABASE_URL once, at setup.
        cmd = [PY, "-m", "bench.case_creation", "--child", vendor, *sys.argv[1:]]
        out = subprocess.run(cmd, cwd=REPO, capture_output=True)
        if out.stderr:
            sys.stderr.write(out.stderr.decode())
        if out.returncode:
            raise SystemExit(f"{vendor} run failed ({out.returncode})")
        results.append(json.loads(out.stdout))
    print(f"# case creation - {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {machine()}")
    for r in results:
        print(
            f"{r['label']}: {r['version']}; 1-min load average {r['load_before']:.2f} "
            f"before, {r['load_after']:.2f} after"
        )
    print(f"command: {Path(sys.executable).name} -m bench.case_creation {' '.join(sys.argv[1:])}")
    print()
    print(report(results, args))
    for r in results:
        if r.get("api") and r["api"]["first_error"]:
            print(f"\nfirst API error on {r['label']}: {r['api']['first_error'][:500]}")
    print(
        f"\nraw results: {save_result('case_creation', {'args': vars(args), 'results': results})}"
    )


if __name__ == "__main__":
    main()
