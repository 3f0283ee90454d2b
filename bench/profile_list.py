"""Where the time of a case list request goes, in-process (pyinstrument), on the 1,000,000
case databases of bench/case_list.py (generate them first by running it once).

    .venv/bin/python -m bench.profile_list --db postgresql
    .venv/bin/python -m bench.profile_list --db sqlite --path "/api/v1/cases?limit=50"
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="postgresql", choices=["sqlite", "postgresql"])
    p.add_argument("--path", default="/desk/bench/cases/")
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        json.dump(run(args.db, args.path, args.n), sys.stdout)
        return
    out = subprocess.run([PY, "-m", "bench.profile_list", "--child", *sys.argv[1:]],
                         stdout=subprocess.PIPE, check=True)  # fmt: skip
    r = json.loads(out.stdout)
    print(f"# {args.db} GET {args.path}: {r['cpu_ms']:.1f} ms CPU, {r['wall_ms']:.1f} ms wall "
          "per request in-process (django.test.Client, without profiler)")  # fmt: skip
    rows = [[k, f"{v:.0%}"] for k, v in sorted(r["layers"].items(), key=lambda kv: -kv[1])]
    print(table(["layer (self time, pyinstrument)", "share"], rows))


if __name__ == "__main__":
    main()
