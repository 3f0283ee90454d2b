"""Taking mail in by batches: one INSERT and one transaction per batch, a savepoint per
message, look-ups read once per batch, and the same outcomes as one message at a time."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpline.cases.choices import Status
from helpline.cases.models import Case, Message
from helpline.cases.services import change_status
from helpline.channels.email import adapter
from helpline.channels.email.adapter import (
    Received,
    accept_batch,
    ingest,
    ingest_batch,
    process_pending,
)
from helpline.channels.models import Inbound, InboundState
from helpline.channels.tests.conftest import Boxes
from helpline.events.models import ContactEvent, EventKind
from helpline.notify.models import OutboundEmail, TemplateKind

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant


def mail(
    n: int | str,
    *,
    sender: str = "",
    subject: str = "",
    reply_to: str = "",
    extra: str = "",
) -> bytes:
    sender = sender or f"cittadino{n}@example.it"
    head = (
        f"From: Cittadino {n} <{sender}>\nTo: urp@comune.example\n"
        f"Message-ID: <batch{n}@example.it>\nSubject: {subject or f'Segnalazione {n}'}\n"
    )
    if reply_to:
        head += f"In-Reply-To: {reply_to}\nReferences: {reply_to}\n"
    return (head + extra + "Content-Type: text/plain; charset=utf-8\n\nTesto.\n").encode()


def _kinds(queries: list[dict[str, Any]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for q in queries:
        sql = q["sql"]
        word = sql.split(" ", 1)[0].upper()
        found = re.search(r'\b(?:INTO|FROM|UPDATE|COPY)\s+"?(\w+)', sql)
        out[f"{word} {found.group(1) if found else ''}".strip()] += 1
    return out


def _count_passes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The passes a batch takes, in order (``careful``: with a savepoint per message)."""
    passes: list[bool] = []
    real = adapter._process_together

    def counting(rows: Any, *, careful: bool) -> Any:
        passes.append(careful)
        return real(rows, careful=careful)

    monkeypatch.setattr(adapter, "_process_together", counting)
    return passes


def _protocol_seqs(tenant: Tenant) -> list[int]:
    return sorted(
        Case.objects.filter(organization=tenant.org).values_list("protocol_seq", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_batch_costs_one_insert_two_commits_and_look_ups_independent_of_its_size(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    """Statements for a batch of N: the raw rows in one INSERT, two transactions, the
    look-ups (rows locked, senders' recent mail, customers) and the final writes (audit,
    contact events, acknowledgements, outcomes) a fixed number whatever N; what grows is
    only each case with its protocol number: the same constant for every message."""
    # Known senders (their customers exist), so that every message costs the same.
    warm = [Received(boxes.email, mail(f"w{i}", sender=f"s{i}@example.it")) for i in range(20)]
    ingest_batch(warm, source="test")

    def run(n: int, tag: str) -> Counter[str]:
        batch = [
            Received(boxes.email, mail(f"{tag}{i}", sender=f"s{i}@example.it", subject=f"N {i}"))
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as q:
            taken = ingest_batch(batch, source="test")
        assert [s for _r, s in taken] == [InboundState.CASE_OPENED] * n
        return _kinds(q.captured_queries)

    counts = {n: run(n, f"n{n}-") for n in (5, 10, 20)}
    for kinds in counts.values():
        assert kinds["INSERT helpline_channels_inbound"] == 1
        assert kinds["COMMIT"] == 2
        assert kinds["SELECT helpline_channels_inbound"] == 2  # rows locked, rate limit
        assert kinds["SELECT customers_customer"] == 1  # every sender of the batch
        assert kinds["SELECT notify_mailtemplate"] == 1
        assert kinds["SELECT sla_policy"] == 1
        assert kinds["INSERT notify_outboundemail"] + kinds["COPY notify_outboundemail"] == 1
        # Inserted with COPY on PostgreSQL (lib.bulk.copy_rows).
        assert kinds["INSERT audit_auditentry"] + kinds["COPY audit_auditentry"] == 1
        assert kinds["INSERT events_contactevent"] + kinds["COPY events_contactevent"] == 1
        assert kinds["UPDATE helpline_channels_inbound"] == 1
    total = {n: sum(kinds.values()) for n, kinds in counts.items()}
    per_message = (total[10] - total[5]) / 5
    assert total[20] - total[10] == 10 * per_message  # a constant per message
    # The check of the mailbox's topic; on SQLite the case's INSERT too (on PostgreSQL the
    # cases are inserted with the batch, lib.deferred), and a SAVEPOINT and its RELEASE
    # (its backend makes the services' savepoints regardless).
    pg = connection.vendor == "postgresql"
    assert per_message <= (1 if pg else 4), counts[20]
    # And a few per batch: two transactions, one INSERT of the raw rows, the look-ups
    # (rows, senders, customers, mail templates, SLA policies), the block of protocol
    # numbers reserved (one UPDATE of the counter for all the cases; every message opens
    # one, so nothing is left to give back), one INSERT each of the audit entries, the
    # contact events and the acknowledgements, one UPDATE of the outcomes.
    # On PostgreSQL also the cases' ids drawn from their sequence and their COPY.
    for kinds in counts.values():
        assert kinds["UPDATE cases_protocolcounter"] == 1
        if pg:  # (an INSERT for fewer than lib.bulk.COPY_FROM rows)
            assert kinds["INSERT cases_case"] + kinds["COPY cases_case"] == 1
    assert total[5] - 5 * per_message <= (17 if pg else 15), counts[5]


def test_one_message_that_fails_is_flagged_alone_and_the_rest_of_its_batch_lands(
    tenant_a: Tenant, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure comes after its case was written (while queueing the acknowledgement):
    its savepoint takes the case, its protocol number and its contact event back with it."""
    from helpline.notify import services as notify

    real = notify.queue_acknowledgement

    def flaky(**kwargs: Any) -> Any:
        if kwargs["case"].title == "Segnalazione 3":
            raise RuntimeError("the outbox is on fire")
        return real(**kwargs)

    monkeypatch.setattr(notify, "queue_acknowledgement", flaky)
    taken = ingest_batch([Received(boxes.email, mail(i)) for i in range(1, 7)], source="test")
    states = [s for _r, s in taken]
    assert states == ["case_opened"] * 2 + ["failed"] + ["case_opened"] * 3
    failed = Inbound.objects.get(pk=taken[2][0].pk)
    assert failed.state == InboundState.FAILED and "the outbox is on fire" in failed.error
    assert failed.case_id is None and bytes(failed.raw) == mail(3)  # kept, to be opened
    assert not Case.objects.filter(title="Segnalazione 3").exists()
    assert Case.objects.filter(organization=tenant_a.org).count() == 5
    assert _protocol_seqs(tenant_a) == [1, 2, 3, 4, 5]  # gap-free: its number was rolled back
    assert OutboundEmail.objects.filter(kind=TemplateKind.ACKNOWLEDGEMENT).count() == 5
    opened = ContactEvent.objects.filter(kind=EventKind.CASE_OPENED)
    assert sorted(opened.values_list("case_id", flat=True)) == sorted(
        Case.objects.values_list("pk", flat=True)
    )
    from helpline.audit.models import AuditEntry

    audited = AuditEntry.objects.filter(object_type="cases.case", action="create")
    assert sorted(int(i) for i in audited.values_list("object_id", flat=True)) == sorted(
        Case.objects.values_list("pk", flat=True)
    )


def test_a_worker_killed_mid_batch_loses_nothing(
    tenant_a: Tenant, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw rows were committed before processing began; the process dies on the third
    message (nothing of the processing transaction survives); recovery finishes all of it,
    each message once, with gap-free protocol numbers."""
    batch = [Received(boxes.email, mail(i)) for i in range(1, 6)]
    real = adapter.take_in
    calls = []

    def dying(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # not an Exception: nothing in the intake catches it
        return real(**kwargs)

    monkeypatch.setattr(adapter, "take_in", dying)
    with pytest.raises(KeyboardInterrupt):
        ingest_batch(batch, source="imap")
    assert Inbound.objects.filter(state=InboundState.RECEIVED).count() == 5
    assert not Case.objects.exists()
    monkeypatch.setattr(adapter, "take_in", real)
    # The poller fetches the same messages again (their UIDs were not recorded): no copies.
    again = accept_batch(batch, source="imap")
    assert [new for _r, new in again] == [False] * 5
    assert process_pending(older_than=timedelta(0)) == 5
    assert set(Inbound.objects.values_list("state", flat=True)) == {InboundState.CASE_OPENED}
    assert _protocol_seqs(tenant_a) == [1, 2, 3, 4, 5]
    assert process_pending(older_than=timedelta(0)) == 0


def test_the_same_message_twice_in_a_batch_is_stored_and_taken_in_once(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    taken = ingest_batch(
        [
            Received(boxes.email, mail(1)),
            Received(boxes.email, mail(2)),
            Received(boxes.email, mail(1)),
        ],
        source="smtp",
    )
    assert taken[0][0].pk == taken[2][0].pk
    assert taken[0][1] == taken[2][1] == InboundState.CASE_OPENED
    assert Inbound.objects.count() == 2
    assert Case.objects.count() == 2
    # And once more, in a later batch: stored rows come back with their outcome.
    again = ingest_batch([Received(boxes.email, mail(1))], source="imap")
    assert again[0][0].pk == taken[0][0].pk and again[0][1] == InboundState.CASE_OPENED
    assert Case.objects.count() == 2


def test_replies_and_auto_replies_in_the_batch_of_the_message_they_answer(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    """A reply threads onto the case its original opened earlier in the same batch; the
    same sender's second message finds the customer the first one created; auto-replies
    open nothing; contact events are recorded per message."""
    batch = [
        Received(boxes.email, mail(1, sender="anna@example.it")),
        Received(
            boxes.email,
            mail(2, sender="anna@example.it", subject="Re: x", reply_to="<batch1@example.it>"),
        ),
        Received(
            boxes.email,
            mail(
                3,
                sender="anna@example.it",
                subject="Fuori sede",
                extra="Auto-Submitted: auto-replied\n",
            ),
        ),
        Received(boxes.email, mail(4, sender="anna@example.it", subject="Altra cosa")),
    ]
    states = [s for _r, s in ingest_batch(batch, source="test")]
    assert states == ["case_opened", "added", "ignored", "case_opened"]
    cases = list(Case.objects.order_by("pk"))
    assert len(cases) == 2 and cases[0].requester_id == cases[1].requester_id
    assert Message.objects.filter(case=cases[0]).count() == 1
    events = Counter(ContactEvent.objects.values_list("kind", flat=True))
    assert events[EventKind.CASE_OPENED] == 2
    assert events[EventKind.MESSAGE_RECEIVED] == 1  # the reply's message has its own event
    assert OutboundEmail.objects.filter(kind=TemplateKind.ACKNOWLEDGEMENT).count() == 2


def test_two_replies_to_a_closed_case_in_one_batch_reopen_it_once(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    ingest_batch([Received(boxes.email, mail(1))], source="test")
    case = Case.objects.get()
    for status in (Status.OPEN, Status.RESOLVED, Status.CLOSED):
        case = change_status(case=case, actor=tenant_a.actor, status=status)
    batch = [
        Received(
            boxes.email,
            mail(
                n,
                sender="cittadino1@example.it",
                subject="Re: ancora",
                reply_to="<batch1@example.it>",
            ),
        )
        for n in (2, 3)
    ]
    assert [s for _r, s in ingest_batch(batch, source="test")] == ["added", "added"]
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    assert Message.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("batch", [1, 8])
def test_the_rate_limit_counts_the_batch_in_order(
    tenant_a: Tenant, boxes: Boxes, settings: Any, batch: int
) -> None:
    """Eight messages from one sender with a limit of five an hour: the first five open
    cases and the rest are ignored, taken in one at a time or in one batch."""
    settings.HELPLINE_MAIL_RATE_LIMIT_PER_HOUR = 5
    raws = [Received(boxes.email, mail(i, sender="flood@example.it")) for i in range(8)]
    states = []
    for start in range(0, len(raws), batch):
        states += [s for _r, s in ingest_batch(raws[start : start + batch], source="test")]
    assert states == ["case_opened"] * 5 + ["ignored"] * 3


def test_a_batch_of_one_is_what_ingest_does(tenant_a: Tenant, boxes: Boxes) -> None:
    row, state = ingest(mailbox=boxes.email, raw=mail(1), source="test")
    assert state == InboundState.CASE_OPENED
    assert Inbound.objects.get(pk=row.pk).state == InboundState.CASE_OPENED


def test_the_sla_clocks_of_every_case_of_a_batch_start(tenant_a: Tenant, boxes: Boxes) -> None:
    """The batch shares the tenant's SLA policies; each case still gets its own clocks, and
    a reply in the same batch is seen by its case's clocks."""
    from helpline.sla.models import CaseSla, Clock, Policy, PolicyTarget, TargetKind, TargetUnit

    policy = Policy.objects.create(organization=tenant_a.org, name="Mail")
    for kind, amount in ((TargetKind.FIRST_RESPONSE, 2), (TargetKind.RESOLUTION, 48)):
        PolicyTarget.objects.create(policy=policy, kind=kind, amount=amount, unit=TargetUnit.HOURS)
    batch = [Received(boxes.email, mail(i)) for i in range(1, 4)]
    batch.append(
        Received(
            boxes.email,
            mail(
                4, sender="cittadino1@example.it", subject="Re: x", reply_to="<batch1@example.it>"
            ),
        )
    )
    states = [s for _r, s in ingest_batch(batch, source="test")]
    assert states == ["case_opened"] * 3 + ["added"]
    for case in Case.objects.all():
        kinds = set(Clock.objects.filter(case=case).values_list("kind", flat=True))
        assert kinds == {TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION}, case
        assert CaseSla.objects.get(case=case).policy_id == policy.pk


def test_a_batch_that_fails_as_a_whole_is_taken_again_one_message_at_a_time(
    tenant_a: Tenant, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's final writes fail (the acknowledgements of one message cannot be
    inserted, say): the whole batch is rolled back and each message taken again alone, so
    that only the one at fault is flagged."""
    from helpline.channels import intake

    real = intake.BatchWrites.flush

    def picky(self: intake.BatchWrites) -> None:
        acks = [row for row, _i, _k in self.rows if isinstance(row, OutboundEmail)]
        if any(o.case is not None and o.case.title == "Segnalazione 2" for o in acks):
            raise RuntimeError("value too long for type character varying(254)")
        real(self)

    monkeypatch.setattr(intake.BatchWrites, "flush", picky)
    taken = ingest_batch([Received(boxes.email, mail(i)) for i in range(1, 5)], source="test")
    assert [s for _r, s in taken] == ["case_opened", "failed", "case_opened", "case_opened"]
    failed = Inbound.objects.get(pk=taken[1][0].pk)
    assert "value too long" in failed.error
    assert sorted(Case.objects.values_list("title", flat=True)) == [
        "Segnalazione 1",
        "Segnalazione 3",
        "Segnalazione 4",
    ]
    assert _protocol_seqs(tenant_a) == [1, 2, 3]
    assert OutboundEmail.objects.count() == 3


def test_a_message_that_fails_before_writing_anything_costs_the_batch_no_second_pass(
    tenant_a: Tenant, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fax without its document fails while its item is built, before any write: it is
    flagged in the same pass, and the batch is not taken again."""
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[4] / "tests" / "email_corpus"
    passes = _count_passes(monkeypatch)
    batch = [
        Received(boxes.email, mail(1)),
        Received(boxes.fax, (corpus / "72_fax_without_document.eml").read_bytes()),
        Received(boxes.email, mail(2)),
    ]
    states = [s for _r, s in ingest_batch(batch, source="smtp")]
    assert states == ["case_opened", "failed", "case_opened"]
    assert passes == [False]
    assert "without a document" in Inbound.objects.get(state=InboundState.FAILED).error


def test_a_failure_a_service_recovers_from_is_taken_again_with_savepoints(
    tenant_a: Tenant, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sender address the customer service refuses (the intake then creates the customer
    without it): in the fast pass the refusal leaves the transaction marked for rollback (no
    savepoint to go back to on PostgreSQL), so the batch is taken again with savepoints and
    ends as one-at-a-time processing would."""
    passes = _count_passes(monkeypatch)
    batch = [
        Received(boxes.email, mail(1)),
        Received(boxes.email, mail(2, sender="bad..dots@example.it")),
        Received(boxes.email, mail(3)),
    ]
    states = [s for _r, s in ingest_batch(batch, source="test")]
    assert states == ["case_opened"] * 3
    odd = Case.objects.get(title="Segnalazione 2")
    assert odd.requester is not None and odd.requester.email == ""
    assert passes[0] is False and len(passes) <= 2
    if connection.vendor == "postgresql":
        assert passes == [False, True]
    assert _protocol_seqs(tenant_a) == [1, 2, 3]
    assert Inbound.objects.filter(state=InboundState.CASE_OPENED).count() == 3


@pytest.mark.django_db(transaction=True)
def test_replies_in_a_batch_read_their_cases_and_clocks_once_for_the_batch(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    """The cases a batch threads into are read (and locked) with its look-ups, their SLA
    clocks with them: a reply then costs its message and the case's update, no read."""
    n = 8
    firsts = [Received(boxes.email, mail(f"q{i}", sender=f"r{i}@example.it")) for i in range(n)]
    ingest_batch(firsts, source="test")
    replies = [
        Received(
            boxes.email,
            mail(
                f"a{i}",
                sender=f"r{i}@example.it",
                subject="Re: x",
                reply_to=f"<batchq{i}@example.it>",
            ),
        )
        for i in range(n)
    ]
    with CaptureQueriesContext(connection) as q:
        taken = ingest_batch(replies, source="test")
    assert [s for _r, s in taken] == [InboundState.ADDED] * n
    kinds = _kinds(q.captured_queries)
    assert kinds["SELECT cases_case"] == 1  # every case of the batch, locked
    assert kinds["SELECT sla_clock"] == 1
    assert kinds["INSERT cases_message"] + kinds["COPY cases_message"] == (
        1 if connection.vendor == "postgresql" else n  # with the batch (lib.deferred)
    )
    assert kinds["UPDATE cases_case"] == n
    assert kinds["UPDATE cases_protocolcounter"] == 0  # no case opened: no block reserved
    cases = Case.objects.filter(organization=tenant_a.org)
    assert all(c.messages.count() == 1 for c in cases)  # the reply (the request is the case)


@pytest.mark.django_db(transaction=True)
def test_a_reminder_chasing_a_case_opened_earlier_in_its_batch_is_taken_in(
    tenant_a: Tenant, boxes: Boxes
) -> None:
    """The chased case may be a row still to be inserted at the end of the batch
    (PostgreSQL, lib.deferred): the reminder names it without a reference query."""
    from django.utils import timezone

    from helpline.cases.choices import CaseType
    from helpline.cases.protocol import format_protocol

    number = format_protocol(tenant_a.org, timezone.now().year, 1)  # the batch's first case
    batch = [
        Received(boxes.email, mail("k1", sender="anna@example.it")),
        Received(boxes.email, mail("k2", sender="anna@example.it", subject=f"Sollecito {number}")),
    ]
    taken = ingest_batch(batch, source="test")
    assert [s for _r, s in taken] == [InboundState.CASE_OPENED] * 2
    first, reminder = Case.objects.filter(organization=tenant_a.org).order_by("protocol_seq")
    assert first.protocol_number == number
    assert reminder.case_type == CaseType.REMINDER and reminder.related_case_id == first.pk


@pytest.mark.parametrize("tenant_wording", [False, True])
def test_the_acknowledgement_of_a_case_opened_by_mail_links_the_privacy_notice(
    tenant_a: Tenant, boxes: Boxes, settings: Any, tenant_wording: bool
) -> None:
    """Issue 13: the intake's batches render acknowledgements through the same function as
    every other mail (notify.services.render_source), so the link is there, with the
    built-in wording and with a tenant's own that does not place ``{{ privacy_url }}``."""
    from helpline.notify.models import MailTemplate

    settings.HELPLINE_PUBLIC_URL = "https://help.example.it"
    if tenant_wording:
        for lang in ("it", "en"):
            MailTemplate.objects.create(
                organization=tenant_a.org,
                kind=TemplateKind.ACKNOWLEDGEMENT,
                language=lang,
                subject="[{{ protocol }}] Ricevuta",
                body="Gentile {{ name }}, protocollo {{ protocol }}.",
            )
    taken = ingest_batch(
        [Received(boxes.email, mail(f"p{i}", sender=f"p{i}@example.it")) for i in range(3)],
        source="test",
    )
    assert [s for _r, s in taken] == [InboundState.CASE_OPENED] * 3
    acks = list(OutboundEmail.objects.filter(kind=TemplateKind.ACKNOWLEDGEMENT))
    assert len(acks) == 3
    url = f"https://help.example.it/{tenant_a.org.slug}/privacy/?channel=email&lang="
    for ack in acks:
        assert url in ack.body, ack.body
        assert ack.body.rstrip().splitlines()[-1].endswith(url + tenant_a.org.language)
