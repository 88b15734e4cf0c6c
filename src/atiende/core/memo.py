"""Configuration read on every request and changed a few times a year, kept in process memory.

A `ProcessMemo` holds the value its loader returned for `seconds`. Saving the configuration
calls `forget()` (from a post_save/post_delete receiver: cache invalidation, not domain logic),
which clears this process's copy at once; other worker processes pick the change up within
`seconds`. Tests clear every memo between tests with `forget_all()` (flushed tables send no
signals).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K")

_memos: list[Any] = []  # ProcessMemo and KeyedMemo: forget_all() calls their forget()


class ProcessMemo(Generic[T]):
    def __init__(self, load: Callable[[], T], *, seconds: float = 30.0) -> None:
        self._load = load
        self.seconds = seconds
        self._value: tuple[float, T] | None = None
        self._lock = threading.Lock()
        _memos.append(self)

    def get(self) -> T:
        held = self._value
        if held is not None and time.monotonic() - held[0] < self.seconds:
            return held[1]
        with self._lock:  # one load at a time under `atiende run`'s threads
            loaded_at = time.monotonic()
            value = self._load()
            self._value = (loaded_at, value)
            return value

    def forget(self, **_signal_kwargs: Any) -> None:
        self._value = None


class KeyedMemo(Generic[K, T]):
    """A ProcessMemo per key (an agent's macros: keyed by the agent and their teams), each
    entry held `seconds`; `forget()` clears every entry. At most `limit` entries: past that
    the memo starts again empty (a few hundred agents fit many times over)."""

    def __init__(self, *, seconds: float = 30.0, limit: int = 2000) -> None:
        self.seconds = seconds
        self.limit = limit
        self._values: dict[K, tuple[float, T]] = {}
        _memos.append(self)

    def get(self, key: K, load: Callable[[], T]) -> T:
        held = self._values.get(key)
        if held is not None and time.monotonic() - held[0] < self.seconds:
            return held[1]
        loaded_at = time.monotonic()
        value = load()
        if len(self._values) >= self.limit:
            self._values = {}
        self._values[key] = (loaded_at, value)
        return value

    def forget(self, **_signal_kwargs: Any) -> None:
        self._values = {}


_other_forgets: list[Callable[[], None]] = []


def on_forget_all(forget: Callable[[], None]) -> None:
    """Have `forget_all` clear another in-process cache too (one not kept by a ProcessMemo)."""
    _other_forgets.append(forget)


def forget_all() -> None:
    for memo in _memos:
        memo.forget()
    for forget in _other_forgets:
        forget()
