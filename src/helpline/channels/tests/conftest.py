"""Mailboxes of tenant A (an Italian municipality): ordinary, PEC and fax-to-mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from helpline.cases.models import Case
from helpline.channels.models import Inbound, Mailbox, MailboxKind

if TYPE_CHECKING:  # conftest is not importable by name in every pytest run
    from conftest import Tenant


@dataclass
class Boxes:
    email: Mailbox
    pec: Mailbox
    fax: Mailbox


@pytest.fixture
def boxes(tenant_a: Tenant) -> Boxes:
    org = tenant_a.org
    return Boxes(
        email=Mailbox.objects.create(
            organization=org, name="URP", address="urp@comune.example", topic=tenant_a.topic
        ),
        pec=Mailbox.objects.create(
            organization=org,
            name="PEC",
            address="protocollo@pec.comune.example",
            kind=MailboxKind.PEC,
        ),
        fax=Mailbox.objects.create(
            organization=org, name="Fax", address="fax@comune.example", kind=MailboxKind.FAX
        ),
    )


def case_of(row: Inbound) -> Case:
    """The case an inbound row ended on (fails the test when there is none)."""
    assert row.case is not None, f"{row.state} {row.reason} {row.error}"
    return row.case
