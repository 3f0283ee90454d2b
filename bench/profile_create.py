"""Where the time of a case creation goes: a profile to read next to bench/case_creation.py.

Two views of the same work, on a fresh dedicated database:

* ``inprocess``: ``open_case`` and ``POST /api/v1/cases`` (through ``django.test.Client``)
  under pyinstrument's sampling profiler; prints the time per step of the request (token
  auth, validation reads, protocol counter, INSERTs, commit, serialisation...) and per
  layer (database driver, ORM, django-ninja/pydantic, Django request handling, app code).
* ``server``: gunicorn with 2 sync workers under load from another process, both workers
  sampled by py-spy; prints the share of samples per layer, so the in-process picture can
  be checked against the real server (accept, parse, respond included).

    .venv/bin/python -m bench.profile_create --db postgresql
    .venv/bin/python -m bench.profile_create --db sqlite --mode server

Needs pyinstrument and py-spy (both pinned in requirements.lock, installed by ``make setup``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench._common import PY, create_database, server, setup_django, target_for

#: Layer of a leaf frame, by its file path (first match wins).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("database: driver + server (psycopg/sqlite3, round trips, commit)",
     ("/psycopg/", "/psycopg_binary/", "sqlite3", "<built-in method _sqlite3", "socket.py")),
    ("Django ORM: query building, SQL compiling, model instances",
     ("/django/db/",)),
    ("API layer: django-ninja + pydantic", ("/ninja/", "/pydantic/", "/pydantic_core/")),
    ("Django templates and form widgets", ("/django/template/", "/django/forms/",
                                           "/django/templatetags/")),
    ("Django request handling: handlers, middleware, sessions, auth, i18n, http",
     ("/django/core/", "/django/middleware/", "/django/contrib/", "/django/http/",
      "/django/utils/", "/django/urls/", "/django/test/", "/django_htmx/", "/whitenoise/",
      "/django/views/", "/django/conf/", "/django/dispatch/")),
    ("helpline app code (services, audit, events, selectors)", ("/helpline/",)),
    ("gunicorn + sockets", ("/gunicorn/", "selectors.py", "ssl.py")),
    ("json / other standard library", ("/json/", "/python3.11/", "/lib/python3")),
]  # fmt: skip

#: Steps of a creation: pyinstrument frames by function name (outermost match counts).
STEPS: list[tuple[str, tuple[str, ...]]] = [
    ("token auth: SELECT token + membership + org + user", ("membership_for_token",)),
    ("validation reads: topic, subject, requester (3 SELECTs)", ("_in_org", "_writing_member")),
    ("protocol number: UPDATE counter RETURNING", ("allocate_protocol",)),
    ("INSERT case (Case.objects.create)", ("manager_method", "create")),
    ("INSERT audit entry (record_create)", ("record_create",)),
    ("INSERT contact event (record_event)", ("record_event",)),
    ("COMMIT (transaction.atomic exit)", ("__exit__",)),
]


def layer_of(path: str) -> str:
    for name, needles in LAYERS:
        if any(n in path for n in needles):
            return name
    return "other"


# --------------------------------------------------------------------------- in-process


def _walk(frame: Any, fn: Any) -> None:
    fn(frame)
    for child in frame.children:
        _walk(child, fn)


def _steps(root: Any, open_case_name: str = "open_case") -> dict[str, float]:
    """Inclusive seconds per step (direct children of open_case, plus token auth)."""
    out: Counter[str] = Counter()

    def visit(frame: Any) -> None:
        if frame.function == "membership_for_token":
            out[STEPS[0][0]] += frame.time
        if frame.function == open_case_name:
            out["open_case total"] += frame.time
            for child in frame.children:
                for label, names in STEPS[1:-1]:
                    if child.function in names:
                        out[label] += child.time
        if frame.function == "inner" and any(c.function == open_case_name for c in frame.children):
            # transaction.atomic's decorator frame: what is not open_case is the commit
            out[STEPS[-1][0]] += frame.time - sum(
                c.time for c in frame.children if c.function == open_case_name
            )

    _walk(root, visit)
    return dict(out)


def _layers(root: Any) -> dict[str, float]:
    out: Counter[str] = Counter()

    def visit(frame: Any) -> None:
        if frame.is_synthetic:  # "[self]" and friends: counted with their parent
            return
        self_time = frame.time - sum(c.time for c in frame.children if not c.is_synthetic)
        if self_time > 0:
            out[layer_of(frame.file_path or frame.function)] += self_time

    _walk(root, visit)
    return dict(out)


def inprocess(vendor: str, n: int) -> dict[str, Any]:
    from pyinstrument import Profiler

    target = target_for(vendor, "profile")
    create_database(target)
    setup_django(target)
    from django.test import Client
    from django.test.utils import override_settings

    from bench._fixtures import make_tenant
    from bench.case_creation import api_payload, service_calls

    tenant = make_tenant()
    service_calls(tenant, 20, with_refs=True)
    out: dict[str, Any] = {}
    c0 = time.process_time()
    service_calls(tenant, n, with_refs=True)
    service_cpu = (time.process_time() - c0) / n * 1000
    p = Profiler(interval=0.0002)
    p.start()
    t0 = time.perf_counter()
    service_calls(tenant, n, with_refs=True)
    wall = time.perf_counter() - t0
    p.stop()
    root = p.last_session.root_frame()
    out["service"] = {"per_case_ms": wall / n * 1000, "cpu_ms": service_cpu, "steps": _steps(root),
                      "layers": _layers(root), "total": root.time}  # fmt: skip
    client = Client(headers={"Authorization": f"Bearer {tenant.token}"})
    body = json.dumps(api_payload(tenant))
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for i in range(20):
            client.post("/api/v1/cases", body.replace("{n}", str(i)), "application/json")
        c0 = time.process_time()
        for i in range(n):
            client.post("/api/v1/cases", body.replace("{n}", str(i)), "application/json")
        api_cpu = (time.process_time() - c0) / n * 1000
        p = Profiler(interval=0.0002)
        p.start()
        t0 = time.perf_counter()
        for i in range(n):
            resp = client.post("/api/v1/cases", body.replace("{n}", str(i)), "application/json")
            assert resp.status_code == 201, resp.content
        wall = time.perf_counter() - t0
        p.stop()
    root = p.last_session.root_frame()
    out["api"] = {"per_case_ms": wall / n * 1000, "cpu_ms": api_cpu, "steps": _steps(root),
                  "layers": _layers(root), "total": root.time}  # fmt: skip
    out["api_tree"] = p.output_text(unicode=False, color=False, show_all=False)
    return out


def report_inprocess(vendor: str, r: dict[str, Any]) -> str:
    """Shares come from the profile; milliseconds are those shares of the CPU time per case
    measured without the profiler (a sampling profiler slows deep Python stacks down)."""
    lines = []
    for kind in ("service", "api"):
        d = r[kind]
        total, cpu = d["total"], d["cpu_ms"]
        lines.append(f"\n## {vendor}: {kind}, {cpu:.1f} ms CPU per case without profiler")
        lines.append("| step (inclusive) | share | ~ CPU ms per case |")
        lines.append("|---|---|---|")
        for label, secs in sorted(d["steps"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {label} | {secs / total:.0%} | {secs / total * cpu:.1f} |")
        lines.append("\n| layer (self time) | share | ~ CPU ms per case |")
        lines.append("|---|---|---|")
        for label, secs in sorted(d["layers"].items(), key=lambda kv: -kv[1]):
            lines.append(f"| {label} | {secs / total:.0%} | {secs / total * cpu:.1f} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- server


def server_profile(vendor: str, seconds: int, concurrency: int) -> dict[str, Any]:
    pyspy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
    target = target_for(vendor, "profile")
    create_database(target)
    setup_django(target)
    from django.db import connection

    from bench._fixtures import make_tenant
    from bench.case_creation import api_payload

    tenant = make_tenant()
    connection.close()
    job = {
        "name": "create", "method": "POST", "paths": ["/api/v1/cases"],
        "headers": {"Authorization": f"Bearer {tenant.token}", "Content-Type": "application/json"},
        "body": json.dumps(api_payload(tenant)), "count": 10**6, "concurrency": concurrency,
        "time_cap": seconds + 3, "warmup": 20, "expect": [201],
    }  # fmt: skip
    with server(target) as port, tempfile.TemporaryDirectory() as tmp:
        master = int(
            subprocess.run(
                ["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True
            ).stdout.split()[0]
        )
        workers = [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(master)], capture_output=True, text=True
            ).stdout.split()
        ]
        load = subprocess.Popen(
            [PY, str(Path(__file__).parent / "_load.py")], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )  # fmt: skip
        assert load.stdin is not None
        load.stdin.write(json.dumps({"port": port, "jobs": [job]}).encode())
        load.stdin.close()
        time.sleep(2)
        spies = [
            subprocess.Popen(
                [
                    pyspy,
                    "record",
                    "--pid",
                    str(w),
                    "--duration",
                    str(seconds),
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                    "--output",
                    f"{tmp}/{w}.txt",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for w in workers
        ]
        for s in spies:
            s.wait()
        assert load.stdout is not None
        load_out = json.loads(load.stdout.read())[0]
        load.wait()
        leaf: Counter[str] = Counter()
        functions: Counter[str] = Counter()
        total = 0
        for w in workers:
            path = Path(f"{tmp}/{w}.txt")
            if not path.exists():
                continue
            for line in path.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                frames = stack.split(";")
                n = int(count)
                total += n
                top = frames[-1].replace(" (", " (/")  # py-spy: "fn (pkg/file.py:line)"
                leaf[layer_of(top)] += n
                fn = top.split(" (")[0]
                functions[f"{fn} ({top.split('(')[-1].rstrip(')').split('/')[-1]})"] += n
    return {
        "load": load_out,
        "samples": total,
        "layers": dict(leaf),
        "top_functions": functions.most_common(15),
    }


def report_server(vendor: str, r: dict[str, Any]) -> str:
    total = r["samples"] or 1
    load = r["load"]
    lines = [
        f"\n## {vendor}: gunicorn -w 2 under load, {load['rate']:.0f} cases/s "
        f"(p50 {load['p50_ms']:.0f} ms), {r['samples']:,} py-spy samples of both workers",
        "| layer (leaf frame) | share of worker samples |",
        "|---|---|",
    ]
    for label, n in sorted(r["layers"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {label} | {n / total:.0%} |")
    lines.append("\ntop leaf functions: " + "; ".join(
        f"{name} {n / total:.0%}" for name, n in r["top_functions"][:10]
    ))  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="postgresql", choices=["sqlite", "postgresql"])
    p.add_argument("--mode", default="inprocess", choices=["inprocess", "server"])
    p.add_argument("--n", type=int, default=300, help="cases per in-process profile")
    p.add_argument("--seconds", type=int, default=15, help="py-spy recording time")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--tree", action="store_true", help="print the API call tree too")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if not args.child:
        # One process per run: Django reads DATABASE_URL once.
        out = subprocess.run([PY, "-m", "bench.profile_create", "--child", *sys.argv[1:]],
                             env=dict(os.environ), stdout=subprocess.PIPE, check=True)  # fmt: skip
        r = json.loads(out.stdout)
        print(f"# profile of case creation ({args.mode}, {args.db}), load average "
              f"{os.getloadavg()[0]:.2f}")  # fmt: skip
        if args.mode == "inprocess":
            print(report_inprocess(args.db, r))
            if args.tree:
                print(r["api_tree"])
        else:
            print(report_server(args.db, r))
        return
    if args.mode == "inprocess":
        json.dump(inprocess(args.db, args.n), sys.stdout)
    else:
        json.dump(server_profile(args.db, args.seconds, args.concurrency), sys.stdout)


if __name__ == "__main__":
    main()
