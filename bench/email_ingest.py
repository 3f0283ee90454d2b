"""E-mail ingestion rate: raw bytes to a stored, threaded case, against the stdlib ceiling.

For each database (SQLite in WAL mode, PostgreSQL) in a fresh dedicated database:

1. **Ceiling** (the baseline, same run, same messages): the stdlib ``email`` package parses
   every message (``message_from_bytes`` with the default policy, plus ``get_body`` and the
   attachments' content) and nothing else - no storage, no database.
2. **Ingestion**: ``channels.email.adapter.ingest_batch`` over consecutive batches of
   ``--batch`` messages, as the IMAP poller (and the SMTP service, for concurrent
   deliveries) calls it: the batch's raw bytes stored in one INSERT (own transaction,
   committed), then each message parsed, classified (auto-reply, loop, rate limit),
   threaded, the customer found or created, the case opened (protocol number, audit,
   contact events, SLA hook) or the message added, the acknowledgement queued in the outbox
   (second transaction for the batch, a savepoint per message). Batch 1 is what a single
   SMTP connection gives (``ingest``, one message at a time). Every batch size runs in its
   own fresh database on the same messages.
3. **Check**: every message ended in exactly one outcome; none left unprocessed.

Durability stays on: PostgreSQL with ``fsync`` and ``synchronous_commit`` as configured
(printed), SQLite in WAL mode with the application's settings.

On PostgreSQL the run ``ANALYZE``s before each round, as autovacuum would while the tables
grow: a freshly created database has no statistics and the planner then scans a tenant's
contact points to find a sender (18 ms instead of well under 1 ms).

The mix (seeded, so every run ingests the same bytes): 60 % new requests from 400 senders
(plain UTF-8, Latin-1 quoted-printable, HTML-only, multipart with a 20 kB PDF), 30 %
replies threading by In-Reply-To or by the protocol number in the subject, 10 % auto-replies
and bounces.

Run: ``.venv/bin/python -m bench.email_ingest`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import base64
import email
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from email import policy
from pathlib import Path
from typing import Any

from bench._common import (
    PY,
    REPO,
    create_database,
    database_version,
    machine,
    save_result,
    setup_django,
    table,
    target_for,
)

#: The batch size of the IMAP poller and the SMTP service (checked against
#: ``channels.email.adapter.BATCH_SIZE`` in the run).
BATCH_SIZE = 50
PDF = b"%PDF-1.4\n" + bytes(random.Random(1).getrandbits(8) for _ in range(20_000)) + b"\n%%EOF\n"


def _b64(data: bytes) -> str:
    enc = base64.b64encode(data).decode()
    return "\n".join(enc[i : i + 76] for i in range(0, len(enc), 76))


def make_messages(n: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """(kind, raw) pairs; replies refer to earlier new requests of the same sender."""
    rnd = random.Random(seed)
    out: list[tuple[str, bytes]] = []
    earlier: list[tuple[str, str]] = []  # (sender, message id)
    for i in range(n):
        sender = f"cidadao{rnd.randrange(400)}@example.com.br"
        head = (
            f"From: Cidadão {i} <{sender}>\nTo: atendimento@bench.example\n"
            f"Date: Mon, 9 Nov 2026 10:{i % 60:02d}:00 -0300\n"
            f"Message-ID: <bench{i}@example.com.br>\n"
            "MIME-Version: 1.0\n"
        )
        roll = rnd.random()
        if roll < 0.10:
            kind = "auto-reply"
            raw = head + "Subject: Resposta automática\nAuto-Submitted: auto-replied\n"
            raw += "Content-Type: text/plain; charset=utf-8\n\nEstou de férias.\n"
        elif roll < 0.40 and earlier:
            kind = "reply"
            _s, ref = rnd.choice(earlier)
            raw = head + f"Subject: Re: Falta de água\nIn-Reply-To: {ref}\nReferences: {ref}\n"
            raw += "Content-Type: text/plain; charset=utf-8\n\nContinua sem água, por favor.\n"
        else:
            kind = "new"
            style = rnd.randrange(4)
            subject = f"Falta de água na rua {i}"
            if style == 0:
                body = (
                    "Content-Type: text/plain; charset=utf-8\n\n"
                    "Está faltando água desde ontem à noite.\n"
                )
            elif style == 1:
                body = (
                    "Content-Type: text/plain; charset=iso-8859-1\n"
                    "Content-Transfer-Encoding: quoted-printable\n\nEst=E1 faltando =E1gua.\n"
                )
            elif style == 2:
                body = (
                    "Content-Type: text/html; charset=utf-8\n\n<html><body><p>Está faltando "
                    "<b>água</b> desde ontem.</p><p>Rua das Flores, 12</p></body></html>\n"
                )
            else:
                body = (
                    'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
                    "Content-Type: text/plain; charset=utf-8\n\nSegue a conta em anexo.\n--b\n"
                    'Content-Type: application/pdf; name="conta.pdf"\n'
                    'Content-Disposition: attachment; filename="conta.pdf"\n'
                    "Content-Transfer-Encoding: base64\n\n" + _b64(PDF) + "\n--b--\n"
                )
            raw = head + f"Subject: {subject}\n" + body
            earlier.append((sender, f"<bench{i}@example.com.br>"))
        out.append((kind, raw.encode()))
    return out


def parse_only(messages: list[tuple[str, bytes]]) -> float:
    """Messages per second the stdlib parses (the ceiling)."""
    start = time.perf_counter()
    for _kind, raw in messages:
        msg = email.message_from_bytes(raw, policy=policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
        if body is not None:
            body.get_content()
        for part in msg.iter_attachments():  # type: ignore[attr-defined]
            part.get_content()
    return len(messages) / (time.perf_counter() - start)


def run_one(vendor: str, batch: int, args: argparse.Namespace) -> dict[str, Any]:
    target = target_for(vendor, "email")
    create_database(target)
    os.environ["HELPLINE_MAIL_RATE_LIMIT_PER_HOUR"] = "1000"
    setup_django(target)
    from django.db import connection

    from bench._fixtures import make_tenant
    from helpline.cases.models import Case, Message
    from helpline.channels.email import adapter
    from helpline.channels.email.adapter import Received, ingest_batch
    from helpline.channels.models import Inbound, Mailbox

    assert adapter.BATCH_SIZE == BATCH_SIZE, "bench.email_ingest.BATCH_SIZE is out of date"

    tenant = make_tenant()
    mailbox = Mailbox.objects.create(
        organization=tenant.org, name="Atendimento", address="atendimento@bench.example"
    )
    messages = make_messages(args.n)
    warm = make_messages(50, seed=99)

    def take_in(raws: list[bytes]) -> list[str]:
        states = []
        for start in range(0, len(raws), batch):
            chunk = [Received(mailbox, raw) for raw in raws[start : start + batch]]
            states += [state for _row, state in ingest_batch(chunk, source="bench")]
        return states

    take_in([raw.replace(b"<bench", b"<warm") for _k, raw in warm])  # imports, caches: not measured
    from helpline.events.models import ContactEvent, EventKind

    def events() -> Counter[str]:
        kinds = (EventKind.CASE_OPENED, EventKind.MESSAGE_RECEIVED)
        return Counter(ContactEvent.objects.filter(kind__in=kinds).values_list("kind", flat=True))

    events_before = events()
    result: dict[str, Any] = {"vendor": vendor, "label": target.label, "n": args.n, "batch": batch}
    result["version"] = database_version(target)
    result["load_before"] = os.getloadavg()[0]
    ceilings, rates, cpu = [], [], 0.0
    # Consecutive slices, so that a reply always follows the request it answers.
    size = -(-len(messages) // args.rounds)
    chunks = [messages[i : i + size] for i in range(0, len(messages), size)]
    states: Counter[str] = Counter()
    # BENCH_PROFILE=file.html: where the ingesting time goes (pyinstrument; slows the run).
    profile_to = os.environ.get("BENCH_PROFILE")
    profiler = None
    if profile_to:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    for chunk in chunks:  # interleave ceiling and ingestion so that load shifts hit both
        if vendor == "postgresql":
            # What autovacuum does as the tables grow: without statistics the planner takes
            # the customer-by-contact look-up for a scan of the tenant's contact points.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        ceilings.append(parse_only(chunk))
        start, cpu_start = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.start()
        states.update(take_in([raw for _kind, raw in chunk]))
        if profiler is not None:
            profiler.stop()
        rates.append(len(chunk) / (time.perf_counter() - start))
        cpu += time.process_time() - cpu_start
    result["load_after"] = os.getloadavg()[0]
    if profiler is not None and profile_to:
        every_frame = bool(os.environ.get("BENCH_PROFILE_ALL"))
        Path(profile_to).write_text(profiler.output_text(unicode=False, show_all=every_frame))
    result["parse_only"] = sorted(ceilings)[len(ceilings) // 2]
    result["ingest"] = sorted(rates)[len(rates) // 2]
    result["ingest_all"] = rates
    result["parse_all"] = ceilings
    result["cpu_ms"] = cpu * 1000 / len(messages)
    result["states"] = dict(states)
    result["kinds"] = dict(Counter(k for k, _r in messages))
    result["stored"] = Inbound.objects.filter(source="bench").count() - len(warm)
    result["unprocessed"] = Inbound.objects.filter(state="received").count()
    result["flagged"] = Inbound.objects.filter(source="bench", state="failed").count()
    result["events"] = dict(events() - events_before)
    result["cases"] = Case.objects.count()
    result["messages"] = Message.objects.count()
    connection.close()
    return result


def report(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        ratio = r["ingest"] / r["parse_only"]
        st = r["states"]
        pg_target = "-"
        if r["vendor"] == "postgresql":
            pg_target = "met" if r["ingest"] >= 100 else "NOT met"
        rows.append(
            [
                r["label"],
                r["batch"],
                r["n"],
                r["parse_only"],
                r["ingest"],
                f"{ratio:.0%}",
                "met" if ratio >= 0.30 else "NOT met",
                pg_target,
                f"{r['cpu_ms']:.2f}",
                st.get("case_opened", 0),
                st.get("added", 0),
                st.get("ignored", 0),
                st.get("failed", 0),
                r["stored"],
                r["unprocessed"],
            ]
        )
    text = table(
        [
            "database",
            "batch",
            "messages",
            "stdlib parse-only msg/s (ceiling)",
            "ingested msg/s",
            "of ceiling",
            ">= 30 %",
            ">= 100 msg/s (PostgreSQL)",
            "CPU ms/msg (ingesting process)",
            "cases opened",
            "messages added",
            "ignored",
            "flagged",
            "stored",
            "left unprocessed",
        ],
        rows,
    )
    for r in results:
        text += (
            f"\n\n{r['label']}, batch {r['batch']}: mix {r['kinds']}; contact events "
            f"{r['events']}; 1-min load "
            f"{r['load_before']:.2f} before, {r['load_after']:.2f} after; per-round ingest msg/s "
            + ", ".join(f"{x:.0f}" for x in r["ingest_all"])
            + "; per-round parse-only msg/s "
            + ", ".join(f"{x:.0f}" for x in r["parse_all"])
        )
    return text


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    p.add_argument("--n", type=int, default=2000, help="messages ingested per database")
    p.add_argument("--rounds", type=int, default=5, help="ceiling/ingestion interleaving rounds")
    p.add_argument(
        "--batch",
        default=f"1,{BATCH_SIZE}",
        help="comma-separated batch sizes, each in its own fresh database "
        f"(default 1 and the services' {BATCH_SIZE})",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-batch", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        json.dump(run_one(args.child, args.child_batch, args), sys.stdout, default=str)
        return
    results = []
    for vendor in args.db.split(","):
        for batch in (int(b) for b in args.batch.split(",")):
            cmd = [PY, "-m", "bench.email_ingest", *sys.argv[1:], "--child", vendor]
            out = subprocess.run([*cmd, "--child-batch", str(batch)], cwd=REPO, capture_output=True)
            if out.stderr:
                sys.stderr.write(out.stderr.decode()[-3000:])
            if out.returncode:
                raise SystemExit(f"{vendor} batch {batch} run failed ({out.returncode})")
            results.append(json.loads(out.stdout))
    print(f"# e-mail ingestion - {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {machine()}")
    for r in results:
        print(
            f"{r['label']} batch {r['batch']}: {r['version']}; 1-min load average "
            f"{r['load_before']:.2f} before, {r['load_after']:.2f} after"
        )
    print(f"command: {Path(sys.executable).name} -m bench.email_ingest {' '.join(sys.argv[1:])}")
    print()
    print(report(results))
    print(f"\nraw results: {save_result('email_ingest', {'args': vars(args), 'results': results})}")


if __name__ == "__main__":
    main()
