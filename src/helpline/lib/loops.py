"""Background loops: the long-running work beside the web server (mail intake, the SLA
ticker, the task worker, routing timeouts...), run one way everywhere.

A loop is an ``async def loop(stop: asyncio.Event) -> None`` that returns soon after ``stop``
is set; it is named by its dotted path in ``settings.HELPLINE_LOOPS``. Where they run:

- **Embedded default** (``make run``, one process, SQLite, in-memory channel layer): inside
  the ASGI server process, started and stopped by the lifespan protocol
  (``HELPLINE_LOOPS_IN_SERVER=1``). Events they raise reach the desk's websockets because
  they share the process and so the in-memory channel layer.
- **Production** (PostgreSQL, Redis channel layer, several web processes): in their own
  process, ``python -m helpline run_loops`` (all of them, or ``--only`` some), one or more
  per deployment; the web processes run none (``HELPLINE_LOOPS_IN_SERVER=0``, the default).

A loop that raises is logged and restarted after a pause, so one bad message or a database
restart never silently ends the intake.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

Loop = Callable[[asyncio.Event], Awaitable[None]]

#: Seconds to wait before restarting a loop that failed.
RESTART_DELAY = 5.0


def configured_loops(only: Iterable[str] = ()) -> dict[str, Loop]:
    """The loops of ``settings.HELPLINE_LOOPS`` by dotted path (``only``: a subset, matched
    by full path or by the last component)."""
    wanted = set(only)
    loops: dict[str, Loop] = {}
    for path in settings.HELPLINE_LOOPS:
        if wanted and path not in wanted and path.rsplit(".", 1)[-1] not in wanted:
            continue
        loops[path] = import_string(path)
    return loops


async def supervise(name: str, loop: Loop, stop: asyncio.Event) -> None:
    """Run ``loop`` until ``stop`` is set, restarting it after a pause if it fails."""
    while not stop.is_set():
        try:
            await loop(stop)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background loop %s failed; restarting in %.0f s", name, RESTART_DELAY)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RESTART_DELAY)
        else:
            if not stop.is_set():  # a loop that returns on its own is restarted too
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RESTART_DELAY)


class LoopRunner:
    """Starts the configured loops as asyncio tasks and stops them cleanly."""

    def __init__(self, loops: dict[str, Loop]) -> None:
        self.loops = loops
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for name, loop in self.loops.items():
            self.tasks.append(asyncio.create_task(supervise(name, loop, self.stop), name=name))

    async def shutdown(self, grace: float = 10.0) -> None:
        self.stop.set()
        if not self.tasks:
            return
        _done, pending = await asyncio.wait(self.tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def run_until(self, stop: asyncio.Event) -> None:
        """Run every loop until ``stop`` is set (the ``run_loops`` command)."""
        self.start()
        await stop.wait()
        await self.shutdown()
