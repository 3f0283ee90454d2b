"""Hooks other apps attach to, sent by the case services inside their transaction.

Receivers run in the same transaction, so what they write (an outbox row, say) commits or
rolls back with the case; anything that leaves the process must wait for
``transaction.on_commit``. ``notify`` uses them to queue acknowledgements and replies.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by ``open_case`` with ``case`` and ``actor``.
case_opened = Signal()
#: Sent by ``add_message`` with ``message``, ``case`` and ``actor``.
message_added = Signal()
#: Sent by every status change with ``case``, ``old``, ``new``, ``actor``, ``at`` and
#: ``message`` (the message that caused it, else None).
status_changed = Signal()
