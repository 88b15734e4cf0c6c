"""Reactions to ticket events (registered in SlaConfig.ready).

A new ticket's clocks start inside the ticket's own transaction: they commit together, so a
crash can never leave a ticket without its service level, and creation pays no second
commit. The other handlers run after commit: the registry logs and swallows a handler's
exception so a ticket change never fails because of its clocks; the sweep and the next event
then repair what can be repaired (e.g. a missing clock is started when the policy is
re-matched)."""

from __future__ import annotations

from atiende.core.events import subscribe

from . import actions


@subscribe("ticket.created", in_transaction=True)
def start_clocks(*, ticket, **_payload) -> None:
    actions.clocks_start_new(ticket=ticket)


@subscribe("ticket.updated")
def follow_fields(*, ticket_id: int, fields: list[str] | None = None, **_payload) -> None:
    if actions.POLICY_FIELDS & set(fields or ()):
        actions.clocks_follow_policy(ticket_id=ticket_id)


@subscribe("ticket.status_changed")
def follow_status(*, ticket_id: int, old: str, new: str, **_payload) -> None:
    actions.clocks_follow_status(ticket_id=ticket_id, old=old, new=new)


@subscribe("ticket.commented")
def follow_reply(
    *,
    ticket_id: int,
    actor_id: int | None = None,
    public: bool = True,
    by_agent: bool | None = None,
    **_payload,
) -> None:
    actions.clocks_follow_reply(
        ticket_id=ticket_id, actor_id=actor_id, public=public, by_agent=by_agent
    )
