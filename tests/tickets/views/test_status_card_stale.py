"""The status card's forms send the last timeline event their page showed (`seen`), so a
stale one is refused (409) with the list of what changed since, like the details form."""

from __future__ import annotations

import re

from django.urls import reverse

from atiende.tickets import actions

from .test_live_desk import _client, _no_presence  # noqa: F401


def _status_forms(html: str) -> dict[str, dict[str, str]]:
    """Each status-card form (by its action, plus `to`) -> its hidden fields."""
    card = html[html.index('id="status"') : html.index("</section>", html.index('id="status"'))]
    forms = {}
    for action, inner in re.findall(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', card, re.S):
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', inner))
        hidden.pop("csrfmiddlewaretoken", None)
        forms[f"{action}|{hidden.get('to', '')}"] = hidden
    return forms


def test_every_status_form_carries_seen(agent, ticket):
    page = _client(agent).get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    forms = _status_forms(page)
    assert len(forms) >= 3  # assign to me, at least one simple target, resolve, pending
    for name, hidden in forms.items():
        assert hidden.get("seen", "").isdigit() and int(hidden["seen"]) > 0, name


def test_stale_status_form_lists_what_changed(agent, manager, ticket):
    client = _client(agent)
    page = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    forms = _status_forms(page)
    actions.ticket_update(
        actor=manager, ticket_id=ticket.pk, version=ticket.version, changes={"urgency": 1}
    )
    assign = next(v for k, v in forms.items() if "assign-to-me" in k)
    answer = client.post(reverse("desk:ticket_assign_me", args=[ticket.number]), assign)
    assert answer.status_code == 409
    assert "Changed since" in answer.content.decode() and "Urgency" in answer.content.decode()
    pending = next(v for k, v in forms.items() if k.endswith("|pending"))
    answer = client.post(
        reverse("desk:ticket_transition", args=[ticket.number]),
        {**pending, "pending_reason": "requester"},
    )
    assert answer.status_code == 409
    assert "Urgency" in answer.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee_id is None and ticket.status != "pending"
