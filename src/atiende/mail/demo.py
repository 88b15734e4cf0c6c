"""Demo data of this domain, loaded by atiende.demo after the people and tickets."""

from __future__ import annotations

from atiende.accounts.models import User


def load(users: dict[str, User]) -> None:
    """Nothing yet."""
