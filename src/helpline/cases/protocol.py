"""Protocol numbers: unique, never reused, gap-free per tenant and year.

The counter row is incremented with one ``UPDATE ... RETURNING`` inside the transaction
that creates the case. On PostgreSQL the row lock serialises concurrent creations for the
same tenant and year until commit; on SQLite the IMMEDIATE transaction mode already holds
the database write lock. Either way a rolled-back creation also rolls back its increment,
which is what keeps the series gap-free. (A sequence would be faster but leaks numbers on
rollback, and Anatel-style rules require every protocol number to be accounted for.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection

from helpline.cases.models import ProtocolCounter
from helpline.tenancy.models import Organization

_TABLE = ProtocolCounter._meta.db_table
_INCREMENT = (
    f"UPDATE {_TABLE} SET last_seq = last_seq + 1 "
    "WHERE organization_id = %s AND year = %s RETURNING last_seq"
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
    with connection.cursor() as cursor:
        cursor.execute(_INCREMENT, [org.pk, year])
        row = cursor.fetchone()
        if row is None:
            # First case of the year: create the counter (a concurrent creator may win the
            # race, hence ignore_conflicts) and increment again.
            ProtocolCounter.objects.bulk_create(
                [ProtocolCounter(organization=org, year=year, last_seq=0)], ignore_conflicts=True
            )
            cursor.execute(_INCREMENT, [org.pk, year])
            row = cursor.fetchone()
    seq = int(row[0])
    return Protocol(year=year, seq=seq, number=format_protocol(org, year, seq))
