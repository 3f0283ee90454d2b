"""The language a request activates stays active in the test thread afterwards; put English
back so that no other test sees another language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    translation.activate("en")
