"""core.memo: configuration kept in process memory, cleared on save, reloaded after its time."""

from __future__ import annotations

from atiende.core import memo as memo_module
from atiende.core.memo import ProcessMemo, forget_all


def test_loads_once_within_its_time_and_again_after_it(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(memo_module.time, "monotonic", lambda: now[0])
    loads = []
    memo = ProcessMemo(lambda: loads.append(1) or len(loads), seconds=30)
    assert (memo.get(), memo.get()) == (1, 1)
    now[0] += 29
    assert memo.get() == 1
    now[0] += 2
    assert memo.get() == 2


def test_forget_reloads_at_once():
    loads = []
    memo = ProcessMemo(lambda: loads.append(1) or len(loads))
    assert memo.get() == 1
    memo.forget(sender=object)  # called as a signal receiver
    assert memo.get() == 2
    forget_all()
    assert memo.get() == 3
