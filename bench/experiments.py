"""Evidence for the hot-path changes proposed in docs/benchmarks.md, measured in-process.

Nothing here is used by the app. Each variant of case creation below differs from
``cases.services.open_case`` only in how it validates the references (topic, subject,
requester) of the common call; the INSERTs, audit entry, contact event and commit are the
service's own. Variants run interleaved in rounds on a fresh dedicated database:

* ``current``: ``open_case`` as it is (three ``.first()`` reads, each ORDER BY + LIMIT 1);
* ``orm_2_reads``: the subject read gives the topic (no topic read), the requester is an
  ``exists()``: two ORM reads, no ordering, no model instances;
* ``one_read``: one SQL statement checks the three references at once.

Also the CPU of one API token lookup (``membership_for_token``) and of one whole API call
in-process, to split the API's cost between the HTTP/auth layers and the service.

    .venv/bin/python -m bench.experiments --db postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench._common import PY, create_database, setup_django, table, target_for


def _create(org: Any, actor: Any, title: str, topic_id: int | None, subject_id: int | None,
            requester_id: int | None) -> Any:  # fmt: skip
    """The part of open_case after validation, unchanged (same writes, same transaction)."""
    from django.utils import timezone

    from helpline.audit import services as audit
    from helpline.cases.models import CASE_AUDITED_FIELDS, Case
    from helpline.cases.protocol import allocate_protocol
    from helpline.events.models import EventKind
    from helpline.events.services import record_event

    now = timezone.now()
    protocol = allocate_protocol(org=org, at=now)
    case = Case.objects.create(
        organization=org, protocol_number=protocol.number, protocol_year=protocol.year,
        protocol_seq=protocol.seq, channel="phone", case_type="information", topic_id=topic_id,
        subject_id=subject_id, urgency="normal", severity="minor", level="l1", title=title,
        description="", requester_id=requester_id, created_by_id=actor.user_id,
        created_at=now, updated_at=now,
    )  # fmt: skip
    audit.record_create(org_id=org.pk, actor=actor, instance=case, fields=CASE_AUDITED_FIELDS)
    record_event(org_id=org.pk, kind=EventKind.CASE_OPENED, actor=actor, channel="phone",
                 case_id=case.pk, customer_id=requester_id,
                 data={"protocol": case.protocol_number, "type": "information",
                       "urgency": "normal"}, at=now)  # fmt: skip
    return case


def orm_2_reads(org: Any, actor: Any, title: str, topic_id: int, subject_id: int,
                requester_id: int) -> Any:  # fmt: skip
    from django.db import transaction

    from helpline.cases.models import Subject
    from helpline.customers.models import Customer

    with transaction.atomic():
        topics = list(
            Subject.objects.filter(organization=org, pk=subject_id).values_list(
                "topic_id", flat=True
            )
        )
        assert topics and topics[0] == topic_id, "subject"
        assert Customer.objects.filter(organization=org, pk=requester_id).exists(), "requester"
        return _create(org, actor, title, topic_id, subject_id, requester_id)


def one_read(org: Any, actor: Any, title: str, topic_id: int, subject_id: int,
             requester_id: int) -> Any:  # fmt: skip
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT topic_id FROM cases_subject WHERE organization_id = %s AND id = %s),"
            " EXISTS (SELECT 1 FROM customers_customer WHERE organization_id = %s AND id = %s)",
            [org.pk, subject_id, org.pk, requester_id],
        )
        subject_topic, requester_ok = cur.fetchone()
        assert subject_topic == topic_id and requester_ok, "references"
        return _create(org, actor, title, topic_id, subject_id, requester_id)


def run(vendor: str, n: int, rounds: int) -> dict[str, Any]:
    target = target_for(vendor, "profile")
    create_database(target)
    setup_django(target)
    from django.test import Client
    from django.test.utils import override_settings

    from bench._fixtures import make_tenant
    from bench.case_creation import api_payload
    from helpline.cases.services import open_case
    from helpline.lib.actors import Actor
    from helpline.tenancy.selectors import membership_for_token

    t = make_tenant()
    actor = Actor.for_user(t.operator)
    refs = {"topic_id": t.topic_id, "subject_id": t.subject_id, "requester_id": t.customer_id}

    def current(title: str) -> Any:
        return open_case(org=t.org, actor=actor, channel="phone", case_type="information",
                         title=title, **refs)  # fmt: skip

    client = Client(headers={"Authorization": f"Bearer {t.token}"})
    body = json.dumps(api_payload(t))

    def api(title: str) -> Any:
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            resp = client.post("/api/v1/cases", body.replace("{n}", title), "application/json")
        assert resp.status_code == 201

    variants = {
        "current open_case (3 reads with .first())": current,
        "2 ORM reads (subject gives the topic; exists())": lambda title: orm_2_reads(
            t.org, actor, title, **refs
        ),
        "1 SQL read for all references": lambda title: one_read(t.org, actor, title, **refs),
        "token lookup alone (membership_for_token)": lambda _title: membership_for_token(t.token),
        "whole API call in-process (django.test.Client)": api,
    }
    cpu = dict.fromkeys(variants, 0.0)
    wall = dict.fromkeys(variants, 0.0)
    for fn in variants.values():
        for i in range(20):
            fn(f"warm-up {i}")
    per_round = max(1, n // rounds)
    for _r in range(rounds):
        for name, fn in variants.items():
            c0, w0 = time.process_time(), time.perf_counter()
            for i in range(per_round):
                fn(f"case {i}")
            cpu[name] += time.process_time() - c0
            wall[name] += time.perf_counter() - w0
    total = per_round * rounds
    return {
        name: {"cpu_ms": cpu[name] / total * 1000, "wall_ms": wall[name] / total * 1000}
        for name in variants
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="postgresql", choices=["sqlite", "postgresql"])
    p.add_argument("--n", type=int, default=1000, help="calls per variant")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        json.dump(run(args.db, args.n, args.rounds), sys.stdout)
        return
    out = subprocess.run([PY, "-m", "bench.experiments", "--child", *sys.argv[1:]],
                         stdout=subprocess.PIPE, check=True)  # fmt: skip
    r = json.loads(out.stdout)
    base = r["current open_case (3 reads with .first())"]["cpu_ms"]
    rows = [[name, v["cpu_ms"], v["wall_ms"], f"{v['cpu_ms'] / base:.0%}"] for name, v in r.items()]
    print(f"# experiments ({args.db}), load average {os.getloadavg()[0]:.2f}")
    print(table(["variant", "CPU ms per call (this process)", "wall ms per call",
                 "CPU vs current open_case"], rows))  # fmt: skip


if __name__ == "__main__":
    main()
