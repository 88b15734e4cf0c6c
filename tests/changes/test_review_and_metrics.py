"""Post-implementation review and the change metrics (success rate, emergency ratio)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.changes import actions, selectors
from atiende.core import clock
from atiende.core.errors import ValidationFailed
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import TicketLink

from .factories import END, START, make_change, make_template


def implemented(agent, **fields):
    template = make_template(name=f"T {fields.get('title', 'x')}")
    ticket = make_change(
        agent, change_type="standard", template_id=template.pk, planned_start=START,
        planned_end=END, **fields,
    )  # fmt: skip
    for status in ("scheduled", "implementing", "review"):
        actions.change_transition(actor=agent, ticket_id=ticket.pk, to=status)
    return ticket


def test_review_only_in_review_and_needs_notes_unless_success(agent, change):
    with pytest.raises(ValidationFailed):
        actions.review_record(actor=agent, ticket_id=change.pk, outcome="success")
    ticket = implemented(agent)
    with pytest.raises(ValidationFailed) as exc:
        actions.review_record(actor=agent, ticket_id=ticket.pk, outcome="failure")
    assert "notes" in exc.value.errors
    with pytest.raises(ValidationFailed):
        actions.review_record(actor=agent, ticket_id=ticket.pk, outcome="great")


def test_review_links_the_incidents_the_change_caused(agent, requester, desk_default_team):
    ticket = implemented(agent)
    incident = ticket_actions.ticket_create(actor=requester, title="VPN down")
    question = ticket_actions.ticket_create(actor=requester, title="How?", kind="question")
    with pytest.raises(ValidationFailed) as exc:
        actions.review_record(
            actor=agent, ticket_id=ticket.pk, outcome="failure", notes="x",
            caused_incidents=[question.number],
        )  # fmt: skip
    assert "caused_incidents" in exc.value.errors
    with pytest.raises(ValidationFailed):
        actions.review_record(
            actor=agent, ticket_id=ticket.pk, outcome="failure", notes="x",
            caused_incidents=["INC-999999"],
        )  # fmt: skip
    details = actions.review_record(
        actor=agent, ticket_id=ticket.pk, outcome="failure", notes="Broke the VPN",
        caused_incidents=[incident.pk],
    )  # fmt: skip
    assert details.review_outcome == "failure" and details.reviewed_at is not None
    link = TicketLink.objects.get()
    assert (link.from_ticket, link.to_ticket, link.link_type) == (incident, ticket, "caused_by")
    # Recording again does not duplicate the link.
    actions.review_record(
        actor=agent, ticket_id=ticket.pk, outcome="partial", notes="Less bad",
        caused_incidents=[incident.number],
    )  # fmt: skip
    assert TicketLink.objects.count() == 1


def test_metrics_success_rate_and_emergency_ratio(agent, other_agent, team):
    for index, outcome in enumerate(["success", "success", "partial", "failure"]):
        ticket = implemented(agent, title=f"C{index}", team_id=team.pk)
        actions.review_record(actor=agent, ticket_id=ticket.pk, outcome=outcome, notes="n")
    make_change(agent, change_type="emergency", planned_start=START, planned_end=END,
                team_id=team.pk)  # fmt: skip
    make_change(agent, title="Not planned yet", team_id=team.pk)
    period = (clock.now() - timedelta(days=1), START + timedelta(days=1))
    metrics = selectors.change_metrics(agent, period)
    assert (metrics.reviewed, metrics.successful, metrics.partial, metrics.failed) == (4, 2, 1, 1)
    assert metrics.success_rate == 0.5
    assert (metrics.planned, metrics.emergency) == (5, 1) and metrics.emergency_ratio == 0.2
    now = clock.now()
    empty = selectors.change_metrics(agent, (now - timedelta(days=9), now - timedelta(days=8)))
    assert empty.success_rate is None and empty.emergency_ratio is None
    # Scoped to the changes the actor sees.
    theirs = selectors.change_metrics(other_agent, period)
    assert (theirs.reviewed, theirs.planned) == (0, 0)
