"""Approval arithmetic: which policies apply and whether a round of approvals is satisfied.
Pure functions over plain data; actions.py reads and writes the rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

APPROVED = "approved"
REJECTED = "rejected"
PENDING = "pending"


@dataclass(frozen=True)
class Requirement:
    policy_id: int
    name: str
    board: str
    required: int  # approvals needed
    approved: int
    pending: int
    rejected: int

    @property
    def satisfied(self) -> bool:
        return self.rejected == 0 and self.approved >= self.required


@dataclass(frozen=True)
class Vote:
    policy_id: int
    policy_name: str
    board: str
    policy_required: int  # 0 = every member asked
    status: str


def requirements(votes: Iterable[Vote]) -> list[Requirement]:
    """Group one round's votes by policy: how many are needed, given and pending."""
    grouped: dict[int, list[Vote]] = {}
    for vote in votes:
        grouped.setdefault(vote.policy_id, []).append(vote)
    result = []
    for policy_id, group in grouped.items():
        first = group[0]
        needed = first.policy_required or len(group)
        result.append(
            Requirement(
                policy_id=policy_id,
                name=first.policy_name,
                board=first.board,
                required=min(needed, len(group)) if first.policy_required == 0 else needed,
                approved=sum(v.status == APPROVED for v in group),
                pending=sum(v.status == PENDING for v in group),
                rejected=sum(v.status == REJECTED for v in group),
            )
        )
    return result


def satisfied(reqs: Iterable[Requirement]) -> bool:
    """Every policy has enough approvals and none was rejected (no policy: satisfied)."""
    return all(r.satisfied for r in reqs)


def rejected(reqs: Iterable[Requirement]) -> bool:
    return any(r.rejected for r in reqs)
