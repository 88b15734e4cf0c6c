"""Counting requests in a time window, in the cache (Redis when configured, so every worker
counts together; the process's own memory otherwise). Callers compare the count with their
limit and answer 429 over it."""

from __future__ import annotations

from django.core.cache import cache


def hit(key: str, *, window: int) -> int:
    """Count one more under `key` in the window of `window` seconds from its first hit; the
    count so far, this one included."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
