"""Polling IMAP mailboxes (imap-tools), with IDLE where the server offers it.

Each mailbox with an IMAP host gets its own connection in a worker thread. A pass fetches
the messages with UIDs above ``last_uid`` by batches of ``BATCH_SIZE`` (one UID FETCH per
batch): the batch's raw bytes are stored in one INSERT (committed) first, then
``last_uid`` is advanced past the batch, then the batch is processed (one transaction, a
savepoint per message). A crash after storing re-fetches those UIDs on the next pass, and
the Message-ID de-duplication keeps one copy (the recovery loop processes rows stored but
not processed); a crash before storing loses nothing since the UIDs were not recorded. A
changed UIDVALIDITY (the folder was recreated) restarts from UID 1, again de-duplicated.
Messages are fetched with BODY.PEEK, so the mailbox's \\Seen flags stay the users'.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from imap_tools import MailBox, MailBoxUnencrypted

from helpline.channels.email.adapter import BATCH_SIZE, Received, accept_batch, process_batch
from helpline.channels.models import Mailbox

log = logging.getLogger(__name__)


def connect(mailbox: Mailbox) -> Any:
    cls = MailBox if mailbox.imap_ssl else MailBoxUnencrypted
    return cls(mailbox.imap_host, mailbox.imap_port).login(
        mailbox.imap_user, mailbox.imap_password, initial_folder=mailbox.imap_folder
    )


_FETCH_UID = re.compile(rb"\bUID (\d+)")


def _raws_of(data: list[Any]) -> dict[int, bytes]:
    """{UID: raw bytes} out of a UID FETCH (BODY.PEEK[]) answer."""
    out: dict[int, bytes] = {}
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            found = _FETCH_UID.search(item[0])
            if found:
                out[int(found.group(1))] = item[1]
    return out


def fetch_new(client: Any, mailbox: Mailbox, *, batch_size: int = BATCH_SIZE) -> int:
    """Store and process every message above ``last_uid``; returns how many were new."""
    status = client.folder.status(mailbox.imap_folder, ["UIDVALIDITY"])
    validity = int(status["UIDVALIDITY"])
    if mailbox.uidvalidity != validity:
        mailbox.uidvalidity, mailbox.last_uid = validity, 0
        Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=validity, last_uid=0)
    typ, data = client.client.uid("SEARCH", None, f"UID {mailbox.last_uid + 1}:*")
    uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > mailbox.last_uid)
    fetched = 0
    for start in range(0, len(uids), batch_size):
        chunk = uids[start : start + batch_size]
        typ, data = client.client.uid("FETCH", ",".join(str(u) for u in chunk), "(UID BODY.PEEK[])")
        raws = _raws_of(data) if typ == "OK" else {}
        missing = [u for u in chunk if u not in raws]
        if missing:
            raise RuntimeError(f"UID {missing[0]} could not be fetched: {typ}")
        stored = accept_batch([Received(mailbox, raws[u]) for u in chunk], source="imap")
        mailbox.last_uid = chunk[-1]
        Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=chunk[-1])
        fetched += sum(new for _row, new in stored)
        process_batch([row for row, _new in stored])
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error="")
    return fetched


def poll_once(mailbox: Mailbox) -> int:
    """Connect, fetch what is new, disconnect (the ``imap_poll --once`` command)."""
    with connect(mailbox) as client:
        return fetch_new(client, mailbox)


def watch(mailbox_id: int, stop: threading.Event) -> None:
    """Keep one mailbox fetched until ``stop``: IDLE when offered, else poll."""
    while not stop.is_set():
        close_old_connections()
        mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).first()
        if mailbox is None or not mailbox.imap_host:
            return
        try:
            with connect(mailbox) as client:
                idle = (
                    "IDLE" in client.client.capabilities and settings.HELPLINE_IMAP_IDLE_SECONDS > 0
                )
                while not stop.is_set():
                    fetch_new(client, mailbox)
                    if idle:
                        # Short IDLE rounds so that a stop request is seen within seconds.
                        client.idle.wait(timeout=min(10.0, settings.HELPLINE_IMAP_IDLE_SECONDS))
                    else:
                        stop.wait(settings.HELPLINE_IMAP_POLL_INTERVAL)
        except Exception as exc:
            log.warning("IMAP mailbox %s: %s", mailbox_id, exc)
            Mailbox.objects.filter(pk=mailbox_id).update(last_error=str(exc)[:2000])
            stop.wait(settings.HELPLINE_IMAP_POLL_INTERVAL)
        finally:
            close_old_connections()


def _imap_mailbox_ids() -> list[int]:
    close_old_connections()
    return list(
        Mailbox.objects.filter(is_active=True).exclude(imap_host="").values_list("pk", flat=True)
    )


async def loop(stop: asyncio.Event) -> None:
    """One watcher thread per IMAP mailbox; new mailboxes are picked up every poll interval."""
    flag = threading.Event()
    running: dict[int, asyncio.Task[None]] = {}
    try:
        while not stop.is_set():
            for pk in await asyncio.to_thread(_imap_mailbox_ids):
                task = running.get(pk)
                if task is None or task.done():
                    running[pk] = asyncio.create_task(asyncio.to_thread(watch, pk, flag))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.HELPLINE_IMAP_POLL_INTERVAL)
    finally:
        flag.set()
        if running:
            await asyncio.gather(*running.values(), return_exceptions=True)
