"""Background loops: started with the ASGI server when embedded, restarted after a failure,
stopped cleanly with the server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.test import override_settings

from helpline.lib import loops as loops_module
from helpline.lib.loops import LoopRunner, configured_loops

CALLS: list[str] = []


async def counting_loop(stop: asyncio.Event) -> None:
    CALLS.append("start")
    await stop.wait()
    CALLS.append("stop")


async def failing_loop(stop: asyncio.Event) -> None:
    CALLS.append("fail")
    raise RuntimeError("a bad message")


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLS.clear()


HERE = __name__


@override_settings(HELPLINE_LOOPS=[f"{HERE}.counting_loop", f"{HERE}.failing_loop"])
def test_only_selects_loops_by_last_name() -> None:
    assert list(configured_loops(["counting_loop"])) == [f"{HERE}.counting_loop"]
    assert len(configured_loops()) == 2


def test_a_failing_loop_is_restarted_and_the_others_keep_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(loops_module, "RESTART_DELAY", 0.01)

    async def scenario() -> None:
        runner = LoopRunner({"ok": counting_loop, "bad": failing_loop})
        runner.start()
        await asyncio.sleep(0.2)
        await runner.shutdown(grace=1)

    asyncio.run(scenario())
    assert CALLS.count("fail") >= 3
    assert CALLS.count("start") == 1
    assert CALLS.count("stop") == 1


def _lifespan_messages(**settings: Any) -> list[str]:
    from helpline.asgi import application

    async def scenario() -> list[str]:
        inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        sent: list[str] = []
        for kind in ("lifespan.startup", "lifespan.shutdown"):
            inbox.put_nowait({"type": kind})

        async def receive() -> dict[str, str]:
            message = await inbox.get()
            await asyncio.sleep(0.05)  # let started loops run before the next message
            return message

        async def send(message: dict[str, str]) -> None:
            sent.append(message["type"])

        with override_settings(**settings):
            await application({"type": "lifespan"}, receive, send)
        return sent

    return asyncio.run(scenario())


def test_the_server_lifespan_runs_the_loops_when_embedded() -> None:
    sent = _lifespan_messages(
        HELPLINE_LOOPS=[f"{HERE}.counting_loop"], HELPLINE_LOOPS_IN_SERVER=True
    )
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert CALLS == ["start", "stop"]


def test_the_server_lifespan_runs_no_loop_when_they_run_elsewhere() -> None:
    sent = _lifespan_messages(
        HELPLINE_LOOPS=[f"{HERE}.counting_loop"], HELPLINE_LOOPS_IN_SERVER=False
    )
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert CALLS == []
