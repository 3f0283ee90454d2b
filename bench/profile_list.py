"""Where the time of a case list request goes, in-process (pyinstrument), on the 1,000,000
case databases of bench/case_list.py (generate them first by running it once).

    .venv/bin/python -m bench.profile_list --db postgresql
    .venv/bin/python -m bench.profile_list --db sqlite --path "/api/v1/cases?limit=50"
    .venv/bin/python -m bench.profile_list --db postgresql --split
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from bench._common import PY, setup_django, table, target_for
from bench.profile_create import _layers


def run(vendor: str, path: str, n: int) -> dict[str, Any]:
    from pyinstrument import Profiler

    setup_django(target_for(vendor, "list"))
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    from helpline.lib.actors import Actor
    from helpline.tenancy.models import Membership
    from helpline.tenancy.services import create_api_token

    user = get_user_model().objects.get(username="bench-operator")
    if path.startswith("/api/"):
        membership = Membership.objects.get(user=user)
        _t, token = create_api_token(actor=Actor.system("bench"), membership=membership,
                                     name="profile")  # fmt: skip
        client = Client(headers={"Authorization": f"Bearer {token}"})
    else:
        client = Client()
        client.force_login(user)
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for _ in range(5):
            assert client.get(path).status_code == 200
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            client.get(path)
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        p = Profiler(interval=0.0002)
        p.start()
        for _ in range(n):
            client.get(path)
        p.stop()
    root = p.last_session.root_frame()
    layers = _layers(root)
    total = sum(layers.values())
    return {
        "cpu_ms": cpu / n * 1000,
        "wall_ms": wall / n * 1000,
        "layers": {k: v / total for k, v in layers.items()},
    }


def split(vendor: str, n: int) -> list[tuple[str, float]]:
    """CPU of the parts of the desk list page, and of per-row template work for 50 rows."""
    setup_django(target_for(vendor, "list"))
    from django.contrib.auth import get_user_model
    from django.template.defaultfilters import date as date_filter
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse
    from django.utils import timezone, translation

    from helpline.cases import selectors as cs
    from helpline.cases.choices import Channel, Status, Urgency
    from helpline.desk.forms import CaseFilterForm
    from helpline.tenancy import selectors as ts
    from helpline.tenancy.models import Organization

    user = get_user_model().objects.get(username="bench-operator")
    org = Organization.objects.get(slug="bench")
    client = Client()
    client.force_login(user)
    operators, topics = list(ts.operators_for(org=org)), list(cs.topics_for(org=org))
    cases = cs.list_cases(org=org, filters=cs.CaseFilters(), limit=50).items

    def labels_once() -> list[Any]:
        m = {("s", v): str(lbl) for v, lbl in Status.choices}
        m |= {("u", v): str(lbl) for v, lbl in Urgency.choices}
        m |= {("c", v): str(lbl) for v, lbl in Channel.choices}
        return [(m["s", c.status], m["u", c.urgency], m["c", c.channel]) for c in cases]

    parts: list[tuple[str, Any]] = [
        ("whole desk page", lambda: client.get("/desk/bench/cases/")),
        ("table fragment only (htmx request, HX-Target: case-table)",
         lambda: client.get("/desk/bench/cases/", HTTP_HX_REQUEST="true",
                            HTTP_HX_TARGET="case-table")),
        ("filter form: render its fields (no queries)",
         lambda: [str(b) for b in CaseFilterForm(None, topics=topics, operators=operators)]),
        ("list_cases selector: 1 query, 50 rows with 4 joins",
         lambda: cs.list_cases(org=org, filters=cs.CaseFilters(), limit=50)),
        ("50 rows: 3 x get_FOO_display",
         lambda: [(str(c.get_status_display()), str(c.get_urgency_display()),
                   str(c.get_channel_display())) for c in cases]),
        ("50 rows: 3 labels from a dict built once", labels_once),
        ("50 rows: created_at formatted twice",
         lambda: [(date_filter(timezone.localtime(c.created_at), "DATETIME_FORMAT"),
                   date_filter(timezone.localtime(c.created_at), "SHORT_DATETIME_FORMAT"))
                  for c in cases]),
        ("50 rows: case URL reversed twice",
         lambda: [reverse("desk:case_detail", args=[org.slug, c.pk]) for c in cases for _ in "ab"]),
    ]  # fmt: skip
    out = []
    translation.activate("en")
    with override_settings(ALLOWED_HOSTS=["testserver"]), timezone.override(org.time_zone):
        for label, fn in parts:
            for _ in range(3):
                fn()
            c0 = time.process_time()
            for _ in range(n):
                fn()
            out.append((label, (time.process_time() - c0) / n * 1000))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="postgresql", choices=["sqlite", "postgresql"])
    p.add_argument("--path", default="/desk/bench/cases/")
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--split", action="store_true", help="CPU of the desk page's parts")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        result = split(args.db, args.n) if args.split else run(args.db, args.path, args.n)
        json.dump(result, sys.stdout)
        return
    out = subprocess.run([PY, "-m", "bench.profile_list", "--child", *sys.argv[1:]],
                         stdout=subprocess.PIPE, check=True)  # fmt: skip
    r = json.loads(out.stdout)
    if args.split:
        print(f"# {args.db}: CPU ms of the parts of the desk list page (in-process)")
        print(table(["part", "CPU ms"], r))
        return
    print(f"# {args.db} GET {args.path}: {r['cpu_ms']:.1f} ms CPU, {r['wall_ms']:.1f} ms wall "
          "per request in-process (django.test.Client, without profiler)")  # fmt: skip
    rows = [[k, f"{v:.0%}"] for k, v in sorted(r["layers"].items(), key=lambda kv: -kv[1])]
    print(table(["layer (self time, pyinstrument)", "share"], rows))


if __name__ == "__main__":
    main()
