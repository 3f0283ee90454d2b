"""Counting limits on Django's cache (shared by every process: Redis or the database cache,
see settings.CACHES): how many times a key did something within a fixed window.

Used by the portal (status look-ups, chat starts) where no row records the attempt. Login
throttling is django-axes'; identity checks count their own rows (customers/identity.py).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` events per ``window`` seconds for one key of ``scope``."""

    scope: str
    limit: int
    window: int = 3600

    def _key(self, key: str, now: float | None) -> str:
        bucket = int((time.time() if now is None else now) // self.window)
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # addresses, e-mails: not kept
        return f"throttle:{self.scope}:{digest}:{bucket}"

    def count(self, key: str, *, now: float | None = None) -> int:
        return int(cache.get(self._key(key, now), 0))

    def exceeded(self, key: str, *, now: float | None = None) -> bool:
        """True when ``key`` already used up the window (a limit of 0 never is)."""
        return bool(self.limit) and self.count(key, now=now) >= self.limit

    def hit(self, key: str, *, now: float | None = None) -> int:
        """Count one event; returns the count in this window."""
        cache_key = self._key(key, now)
        if cache.add(cache_key, 1, timeout=self.window + 60):
            return 1
        try:
            return int(cache.incr(cache_key))
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=self.window + 60)
            return 1
