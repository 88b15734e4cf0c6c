"""The fixed placeholders of canned responses: `{{requester.first_name}}` and a few more,
each replaced by a value from a small whitelist in one pass. Never a template engine on
user text: anything else between braces stays as written, and a value containing braces is
not read again."""

from __future__ import annotations

import re
from collections.abc import Callable

from atiende.accounts.models import User
from atiende.tickets.models import Ticket

PATTERN = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")

Value = Callable[[Ticket, User], str]

WHITELIST: dict[str, Value] = {
    "requester.first_name": lambda t, a: t.requester.first_name or t.requester.display_name,
    "requester.name": lambda t, a: t.requester.display_name,
    "ticket.number": lambda t, a: t.number,
    "ticket.title": lambda t, a: t.title,
    "agent.first_name": lambda t, a: a.first_name or a.display_name,
    "agent.name": lambda t, a: a.display_name,
}


def render(text: str, *, ticket: Ticket, agent: User) -> str:
    def replace(match: re.Match[str]) -> str:
        value = WHITELIST.get(match.group(1))
        return value(ticket, agent) if value is not None else match.group(0)

    return PATTERN.sub(replace, text)
