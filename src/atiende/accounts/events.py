"""Accounts' domain events (core.events). Mail delivery subscribes: accounts sits below mail
in the layers, so it announces what happened and the outbox (mail.outbound.notify) writes the
message in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PasswordResetRequested:
    """Someone asked for a reset link for `email`. Published for every well-formed address,
    known or not: who owns it is decided at delivery, so the request itself does the same work
    either way (no enumeration by response or timing)."""

    email: str
    language: str


@dataclass(frozen=True)
class UserInvited:
    """A new account (created from e-mail intake or by an administrator) is invited to set
    its password."""

    user_id: int


@dataclass(frozen=True)
class UserDeactivated:
    """Someone can no longer sign in (an administrator switched the account off): what was
    asked of them is asked of someone else (catalogue approvals)."""

    user_id: int
