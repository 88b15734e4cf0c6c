"""The order of a request's approval steps and fulfilment tasks: pure functions, no database.

Steps and tasks are kept in position order; each is either in sequence (it waits for
everything before it) or parallel with the one before it. So they fall into groups: a group
starts when the group before it is finished, and everything in a group runs together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

PARALLEL = "parallel"


class Ordered(Protocol):
    mode: str


T = TypeVar("T", bound=Ordered)


def groups(things: Sequence[T]) -> list[list[T]]:
    """Consecutive runs: a parallel one joins the group of the one before it (the first one
    always starts a group, whatever its mode)."""
    result: list[list[T]] = []
    for thing in things:
        if result and thing.mode == PARALLEL:
            result[-1].append(thing)
        else:
            result.append([thing])
    return result
