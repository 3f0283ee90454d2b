"""One small demo, loaded once for the module that asks for it and removed afterwards."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import call_command

from helpline.demo.loader import reset_demo

#: The history ends here: its 90 days cross a year boundary, so protocol series of two years
#: are exercised.
NOW = datetime(2025, 2, 10, 11, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """Load a small demo (committed, shared by the module's tests); yield the command output."""
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("load_demo", customers=24, cases=80, seed=7, now=NOW.isoformat(), stdout=out)
        try:
            yield out.getvalue()
        finally:
            reset_demo(out=lambda _line: None)
