"""Case list latency with 1,000,000 cases: the desk page and the API list endpoint.

For each database (SQLite in WAL mode, PostgreSQL) in a dedicated database filled once by
``bench.generate_cases`` (1,000,000 cases for tenant ``bench`` and 100,000 for
``bench-other``, reused by later runs):

1. **HTTP**: each view of the desk list (``/desk/bench/cases/``) and of the API
   (``GET /api/v1/cases``) is requested sequentially by a client in another process from
   gunicorn with 2 sync workers on 127.0.0.1: p50/p95/p99 per view.
2. **Queries** per request, counted in-process with ``CaptureQueriesContext`` through
   ``django.test.Client``; the main list query is EXPLAINed (ANALYZE on PostgreSQL).
3. **Baseline**, in-process through the ORM: the same page with offset pagination and a
   ``COUNT(*)`` (what django-helpdesk and Django's Paginator do) next to the keyset
   selector the app uses, on page 1, page 2 and a page ``--deep`` (100,000) rows deep.

Run: ``.venv/bin/python -m bench.case_list`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench._common import (
    PY,
    REPO,
    CpuMeter,
    Target,
    child_env,
    create_database,
    database_exists,
    database_version,
    machine,
    migrate,
    percentile,
    run_load,
    save_result,
    serve,
    setup_django,
    table,
    target_for,
)

SLUG, OTHER_SLUG = "bench", "bench-other"
TARGET_P95_MS = 150


# --------------------------------------------------------------------------- data


def ensure_data(target: Target, args: argparse.Namespace) -> None:
    """Generate the cases once; later runs reuse them (``--regenerate`` to start over)."""
    if not args.regenerate and database_exists(target) and _case_count(target) >= args.n:
        migrate(target)  # the data stay; the schema follows the code
        return
    create_database(target)
    for slug, prefix, n, customers in (
        (SLUG, "BEN", args.n, max(1000, args.n // 10)),
        (OTHER_SLUG, "OTH", args.other_n, max(1000, args.other_n // 10)),
    ):
        if n <= 0:
            continue
        cmd = [PY, "-m", "bench.generate_cases", "--database-url", target.url, "--n", str(n),
               "--org-slug", slug, "--prefix", prefix, "--customers", str(customers)]  # fmt: skip
        subprocess.run(cmd, cwd=REPO, env=child_env(target), check=True, stdout=sys.stderr)


def _case_count(target: Target) -> int:
    from bench._common import raw_connect

    conn = raw_connect(target)
    try:
        row = conn.execute(
            "SELECT COUNT(*) FROM cases_case c JOIN tenancy_organization o "
            "ON o.id = c.organization_id WHERE o.slug = 'bench'"
        ).fetchone()
        return int(row[0])
    except Exception:  # no tables yet
        return 0
    finally:
        conn.close()


# --------------------------------------------------------------------------- views


def build_views(org: Any, user: Any, token: str, deep_rows: int) -> list[dict[str, Any]]:
    """The views measured: path, headers and what they show."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from helpline.cases.models import Case
    from helpline.cases.selectors import CaseFilters, list_cases
    from helpline.lib.keyset import _encode

    # The busiest assignee: the heaviest "by assignee" list a supervisor would open.
    top = (
        Case.objects.filter(organization=org, assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert top is not None, "no assigned cases"
    assignee_id = top["assignee"]
    assert get_user_model().objects.filter(pk=assignee_id).exists()
    page2 = list_cases(org=org, filters=CaseFilters(), limit=50).next_cursor
    deep_row = (
        Case.objects.filter(organization=org)
        .order_by("-created_at", "-id")
        .values_list("created_at", "id")[deep_rows - 1]
    )
    deep = _encode(list(deep_row))
    status_page2 = list_cases(org=org, filters=CaseFilters(status=["open"]), limit=50).next_cursor
    protocol = (
        Case.objects.filter(organization=org)
        .order_by("id")
        .values_list("protocol_number", flat=True)[deep_rows]
    )
    desk = f"/desk/{org.slug}/cases/"
    api = "/api/v1/cases"
    views = [
        ("desk", "default (newest first)", desk, {}),
        ("desk", "status = open", desk, {"status": "open"}),
        ("desk", "status = active (5 statuses)", desk, {"status": "active"}),
        ("desk", f"assignee = busiest operator ({top['n']:,} cases)", desk,
         {"assignee": assignee_id}),
        ("desk", "page 2 (cursor)", desk, {"cursor": page2}),
        ("desk", f"page {deep_rows // 50 + 1:,} (cursor {deep_rows:,} rows deep)", desk,
         {"cursor": deep}),
        ("desk", "search: a protocol number", desk, {"q": protocol}),
        ("api", "default (limit=50)", api, {"limit": 50}),
        ("api", "status = open", api, {"limit": 50, "status": "open"}),
        ("api", "status = open, page 2 (cursor)", api,
         {"limit": 50, "status": "open", "cursor": status_page2}),
        ("api", "assignee = busiest operator", api, {"limit": 50, "assignee_id": assignee_id}),
        ("api", "page 2 (cursor)", api, {"limit": 50, "cursor": page2}),
        ("api", f"page {deep_rows // 50 + 1:,} (cursor {deep_rows:,} rows deep)", api,
         {"limit": 50, "cursor": deep}),
    ]  # fmt: skip
    out = []
    for kind, label, path, params in views:
        if kind == "desk":
            from bench._fixtures import session_cookie

            headers = {"Cookie": session_cookie(user)}
        else:
            headers = {"Authorization": f"Bearer {token}"}
        full = f"{path}?{urlencode(params)}" if params else path
        out.append({"kind": kind, "label": label, "path": full, "headers": headers})
    return out


# --------------------------------------------------------------------------- in-process


def count_queries(view: dict[str, Any], user: Any, token: str, vendor: str) -> dict[str, Any]:
    """Queries for one request of ``view`` (after a warm-up request) and the plan of the
    main list query."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    if view["kind"] == "desk":
        client = Client()
        client.force_login(user)
    else:
        client = Client(headers={"Authorization": f"Bearer {token}"})
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client.get(view["path"])
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(view["path"])
    queries = ctx.captured_queries
    main = max(
        (q for q in queries if 'FROM "cases_case"' in q["sql"]),
        key=lambda q: float(q["time"]),
        default=None,
    )
    plan = explain(main["sql"], vendor) if main else []
    return {
        "status": resp.status_code,
        "queries": len(queries),
        "sql": [f"{q['time']} {q['sql'][:300]}" for q in queries],
        "main_sql": main["sql"] if main else None,
        "plan": plan,
    }


def explain(sql: str, vendor: str) -> list[str]:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cur:
        cur.execute(prefix + sql)
        rows = cur.fetchall()
    if vendor == "postgresql":
        return [r[0] for r in rows]
    return [" ".join(str(c) for c in r) for r in rows]


def _timed(fn: Any, reps: int) -> dict[str, float]:
    lat = []
    fn()  # warm-up
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        lat.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95)}


def baseline(org: Any, reps: int, deep_rows: int) -> list[dict[str, Any]]:
    """Offset + COUNT(*) (Paginator-style) against keyset, through the ORM, in-process."""
    from django.core.paginator import Paginator

    from helpline.cases.models import Case
    from helpline.cases.selectors import CaseFilters, list_cases
    from helpline.lib.keyset import _encode

    qs = (
        Case.objects.filter(organization=org)
        .select_related("topic", "subject", "requester", "assignee")
        .order_by("-created_at", "-id")
    )
    cursors: dict[int, str | None] = {1: None}
    cursors[2] = list_cases(org=org, filters=CaseFilters(), limit=50).next_cursor
    deep_page = deep_rows // 50 + 1
    deep_row = qs.values_list("created_at", "id")[deep_rows - 1]
    cursors[deep_page] = _encode(list(deep_row))
    out = []
    for page in (1, 2, deep_page):

        def offset(page: int = page) -> None:
            p = Paginator(qs, 50).page(page)  # SELECT COUNT(*), then OFFSET/LIMIT
            list(p.object_list)

        def keyset(page: int = page) -> None:
            list_cases(org=org, filters=CaseFilters(), cursor=cursors[page], limit=50)

        out.append({"page": page, "offset": _timed(offset, reps), "keyset": _timed(keyset, reps)})
        # Same rows both ways (a check that the comparison is fair).
        a = [c.pk for c in Paginator(qs, 50).page(page).object_list]
        b = [c.pk for c in list_cases(org=org, filters=CaseFilters(), cursor=cursors[page]).items]
        out[-1]["same_rows"] = a == b
    return out


# --------------------------------------------------------------------------- one database


def run_one(vendor: str, args: argparse.Namespace) -> dict[str, Any]:
    target = target_for(vendor, "list")
    ensure_data(target, args)
    setup_django(target)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from helpline.cases.models import Case
    from helpline.lib.actors import Actor
    from helpline.tenancy.models import Membership, Organization
    from helpline.tenancy.services import create_api_token

    org = Organization.objects.get(slug=SLUG)
    user = get_user_model().objects.get(username=f"{SLUG}-operator")
    membership = Membership.objects.get(organization=org, user=user)
    _t, token = create_api_token(actor=Actor.system("bench"), membership=membership, name="run")
    result: dict[str, Any] = {
        "vendor": vendor,
        "label": target.label,
        "version": database_version(target),
        "cases": Case.objects.filter(organization=org).count(),
        "cases_all": Case.objects.count(),
        "load_before": os.getloadavg()[0],
    }
    deep_rows = min(args.deep, result["cases"] // 2)
    views = build_views(org, user, token, deep_rows)
    for view in views:
        view.update(count_queries(view, user, token, vendor))
    result["baseline"] = baseline(org, args.baseline_reps, deep_rows)
    connection.close()
    jobs = [
        {
            "name": f"{v['kind']}: {v['label']}",
            "paths": [v["path"]],
            "headers": v["headers"],
            "count": args.requests,
            "concurrency": 1,
            "time_cap": args.time_cap,
            "warmup": 10,
            "expect": [200],
        }
        for v in views
    ]
    with serve(target, workers=args.workers, kind=args.server) as srv:
        meter = CpuMeter(target, srv.workers)
        for view, job in zip(views, jobs, strict=True):
            run_load(srv.port, [{**job, "count": 0}])  # warm-up (and connect) only
            meter.start()
            view["http"] = run_load(srv.port, [{**job, "warmup": 0}])[0]
            # CPU of the server workers and database backends per request: what bounds
            # the throughput of a 2-core machine, whatever else runs on it.
            used = meter.stop()
            view["http"]["cpu_ms"] = sum(used.values()) / view["http"]["sent"] * 1000
            view["http"]["cpu_split_ms"] = {
                k: v / view["http"]["sent"] * 1000 for k, v in used.items()
            }
    result["views"] = views
    result["load_after"] = os.getloadavg()[0]
    return result


# --------------------------------------------------------------------------- report


def report(results: list[dict[str, Any]]) -> str:
    out = []
    rows = []
    for r in results:
        for v in r["views"]:
            h = v["http"]
            ok = "yes" if h["p95_ms"] <= TARGET_P95_MS else "**no**"
            cpu = h.get("cpu_ms", "")
            rows.append([r["label"], v["kind"], v["label"], h["p50_ms"], h["p95_ms"], h["p99_ms"],
                         v["queries"], cpu, f"{h['ok']}/{h['sent']}", ok])  # fmt: skip
    out.append(table(["database", "page", "view", "p50 ms", "p95 ms", "p99 ms", "SQL queries",
                      "server CPU ms", "ok/sent", f"p95 <= {TARGET_P95_MS} ms"], rows))  # fmt: skip
    out.append("")
    rows = []
    for r in results:
        for b in r["baseline"]:
            o, k = b["offset"], b["keyset"]
            rows.append([r["label"], f"{b['page']:,}", o["p50_ms"], o["p95_ms"], k["p50_ms"],
                         k["p95_ms"], f"{o['p50_ms'] / k['p50_ms']:.1f}x",
                         "yes" if b["same_rows"] else "NO"])  # fmt: skip
    out.append(table(["database", "page (50 rows)", "offset+COUNT p50 ms (baseline)",
                      "offset+COUNT p95 ms", "keyset p50 ms", "keyset p95 ms",
                      "keyset saves", "same rows"], rows))  # fmt: skip
    return "\n".join(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    p.add_argument("--n", type=int, default=1_000_000, help="cases of the measured tenant")
    p.add_argument("--other-n", type=int, default=100_000, help="cases of a second tenant")
    p.add_argument("--regenerate", action="store_true", help="generate the data again")
    p.add_argument("--requests", type=int, default=200, help="sequential requests per view")
    p.add_argument("--time-cap", type=float, default=60, help="seconds per view at most")
    p.add_argument("--baseline-reps", type=int, default=20)
    p.add_argument("--deep", type=int, default=100_000, help="rows before the deep page")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--server", choices=["gunicorn", "uvicorn"], default="gunicorn")
    p.add_argument("--plans", action="store_true", help="print the query plans")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        json.dump(run_one(args.child, args), sys.stdout, default=str)
        return
    results = []
    for vendor in args.db.split(","):
        cmd = [PY, "-m", "bench.case_list", "--child", vendor, *sys.argv[1:]]
        out = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE)
        if out.returncode:
            raise SystemExit(f"{vendor} run failed ({out.returncode})")
        results.append(json.loads(out.stdout))
    print(f"# case list - {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {machine()}")
    for r in results:
        print(f"{r['label']}: {r['version']}; {r['cases']:,} cases in the tenant, "
              f"{r['cases_all']:,} in the table; 1-min load average {r['load_before']:.2f} "
              f"before, {r['load_after']:.2f} after")  # fmt: skip
    print(f"command: {Path(sys.executable).name} -m bench.case_list {' '.join(sys.argv[1:])}")
    print()
    print(report(results))
    for r in results:
        for v in r["views"]:
            slow = v["http"]["p95_ms"] > TARGET_P95_MS
            if (args.plans or slow) and v["plan"]:
                print(f"\n{r['label']} {v['kind']} {v['label']}: main query plan")
                print("\n".join("    " + line for line in v["plan"]))
            if v["http"]["first_error"]:
                print(f"\n{r['label']} {v['label']}: {v['http']['first_error'][:300]}")
    print(f"\nraw results: {save_result('case_list', {'args': vars(args), 'results': results})}")


if __name__ == "__main__":
    main()
