"""Real servers for the mail tests, on free loopback ports chosen at run time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class LoopThread:
    """An asyncio loop in a thread serving ``factory`` (an asyncio protocol) on 127.0.0.1."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            self.loop.create_server(self.factory, host="127.0.0.1", port=0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()

    def __enter__(self) -> LoopThread:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


class Sink:
    """An aiosmtpd handler keeping what it receives (the outgoing-mail tests' MTA)."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse:
            return "451 4.3.0 Try again later"
        self.envelopes.append(envelope)
        return "250 OK"
