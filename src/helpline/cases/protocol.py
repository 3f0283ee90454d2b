"""Protocol numbers: unique, never reused, gap-free per tenant and year.

The counter row is incremented with one ``UPDATE ... RETURNING`` inside the transaction
that creates the case. On PostgreSQL the row lock serialises concurrent creations for the
same tenant and year until commit; on SQLite the IMMEDIATE transaction mode already holds
the database write lock. Either way a rolled-back creation also rolls back its increment,
which is what keeps the series gap-free. (A sequence would be faster but leaks numbers on
rollback, and Anatel-style rules require every protocol number to be accounted for.)

A batch that may open many cases in one transaction (the e-mail intake) takes its numbers
from a block (``reserved``): the first number it needs reserves as many as the batch has
items with one ``UPDATE``, and the ones left over are given back with another before the
transaction ends. The counter row stays locked by the transaction from the first ``UPDATE``
to the commit, so nobody can take a number in between and the series stays gap-free; a
case rolled back to its savepoint gives its number back to the block (``mark``/``rewind``).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from helpline.cases.models import ProtocolCounter
from helpline.tenancy.models import Organization

_TABLE = ProtocolCounter._meta.db_table
_INCREMENT = (
    f"UPDATE {_TABLE} SET last_seq = last_seq + %s "
    "WHERE organization_id = %s AND year = %s RETURNING last_seq"
)
_GIVE_BACK = (
    f"UPDATE {_TABLE} SET last_seq = %s WHERE organization_id = %s AND year = %s AND last_seq = %s"
)


@dataclass(frozen=True)
class Protocol:
    year: int
    seq: int
    number: str


def format_protocol(org: Organization, year: int, seq: int) -> str:
    return org.protocol_format.format(prefix=org.protocol_prefix, year=year, seq=seq)


def allocate_protocol(*, org: Organization, at: datetime) -> Protocol:
    """Take the next number for ``org`` in the year of ``at`` (in the tenant's time zone).

    Must run inside the transaction that stores the case.
    """
    assert connection.in_atomic_block, "allocate_protocol must run inside the case transaction"
    year = at.astimezone(ZoneInfo(org.time_zone)).year
    block = _block.get()
    if block is not None and block.org_id == org.pk and block.year == year:
        seq = block.take()
    else:
        seq = _increment(org, year, 1)
    return Protocol(year=year, seq=seq, number=format_protocol(org, year, seq))


def _increment(org: Organization, year: int, by: int) -> int:
    """Add ``by`` to the counter; the new last number."""
    with connection.cursor() as cursor:
        cursor.execute(_INCREMENT, [by, org.pk, year])
        row = cursor.fetchone()
        if row is None:
            # First case of the year: create the counter (a concurrent creator may win the
            # race, hence ignore_conflicts) and increment again.
            ProtocolCounter.objects.bulk_create(
                [ProtocolCounter(organization=org, year=year, last_seq=0)], ignore_conflicts=True
            )
            cursor.execute(_INCREMENT, [by, org.pk, year])
            row = cursor.fetchone()
    return int(row[0])


class _Block:
    """Numbers reserved for a batch: ``next`` is the next to hand out, ``end`` the last
    reserved (0 before the first is needed)."""

    def __init__(self, org: Organization, year: int, size: int) -> None:
        self.org, self.org_id, self.year, self.size = org, org.pk, year, max(size, 1)
        self.next = self.end = 0

    def take(self) -> int:
        if self.next == 0 or self.next > self.end:
            # The first need reserves the block; past its end, one at a time.
            by = self.size if self.end == 0 else 1
            self.end = _increment(self.org, self.year, by)
            if self.next == 0:
                self.next = self.end - by + 1
        seq = self.next
        self.next += 1
        return seq

    def give_back(self) -> None:
        if self.end and self.next <= self.end:
            with connection.cursor() as cursor:
                cursor.execute(_GIVE_BACK, [self.next - 1, self.org_id, self.year, self.end])
                assert cursor.rowcount == 1, "the protocol counter moved under its row lock"


_block: contextvars.ContextVar[_Block | None] = contextvars.ContextVar(
    "helpline_protocol_block", default=None
)


@contextlib.contextmanager
def reserved(*, org: Organization, at: datetime, size: int) -> Iterator[None]:
    """Within this block (inside one transaction), ``org``'s numbers of the year of ``at``
    come from a block of ``size`` reserved when the first is needed; the unused ones are
    given back on leaving. On an exception the transaction must be rolled back (it is:
    the block runs as part of the caller's ``atomic()``)."""
    year = at.astimezone(ZoneInfo(org.time_zone)).year
    block = _Block(org, year, size)
    token = _block.set(block)
    try:
        with transaction.atomic(savepoint=False):
            yield
            block.give_back()
    finally:
        _block.reset(token)


def mark() -> tuple[int, int] | None:
    """Where the current block stands (before a savepoint)."""
    block = _block.get()
    return (block.next, block.end) if block is not None else None


def rewind(position: tuple[int, int] | None) -> None:
    """Back to ``mark``'s position (the savepoint was rolled back, and with it any
    ``UPDATE`` of the counter made since: the numbers taken since are free again)."""
    block = _block.get()
    if block is not None and position is not None:
        block.next, block.end = position
