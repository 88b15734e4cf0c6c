"""The change lifecycle through the actions: guards, timeline, actual times, optimistic
versions; and the generic ticket workflow refusing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.changes import actions
from atiende.changes.models import ChangeDetails, ChangeType
from atiende.core.errors import Conflict, NotFound, ValidationFailed
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import Kind, Ticket, TicketEvent

from .factories import END, START, answer_all, make_change, make_template, to_authorisation


def statuses(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, field="status").values_list(
            "old_value", "new_value"
        )
    )


def test_a_change_is_a_ticket_of_kind_change_with_details(agent):
    ticket = make_change(agent, planned_start=START, planned_end=END, impact=2, urgency=2)
    assert ticket.kind == Kind.CHANGE and ticket.number.startswith("CHG-")
    assert ticket.status == "new" and ticket.requester == agent
    details = ChangeDetails.objects.get(ticket=ticket)
    assert details.change_type == ChangeType.NORMAL
    assert details.planned_start == START and details.backout_plan
    assert TicketEvent.objects.filter(ticket=ticket, type="created").exists()


def test_standard_change_comes_from_a_template(agent, team):
    template = make_template(team=team, test_plan="Open the page.")
    ticket = make_change(
        agent, change_type="standard", template_id=template.pk, implementation_plan="",
        backout_plan="", test_plan="",
    )  # fmt: skip
    details = ticket.change
    assert details.template == template
    assert details.implementation_plan == "Restart the service."
    assert details.test_plan == "Open the page."
    assert details.risk_level == "low" and ticket.team == team
    with pytest.raises(ValidationFailed) as exc:
        make_change(agent, change_type="standard")
    assert "template" in exc.value.errors
    with pytest.raises(ValidationFailed):
        make_change(agent, change_type="normal", template_id=template.pk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"change_type": "sideways"}, "change_type"),
        ({"planned_start": START}, "planned_end"),
        ({"planned_start": END, "planned_end": START}, "planned_end"),
        ({"planned_start": "yesterday", "planned_end": END}, "planned_start"),
        ({"title": " "}, "title"),
        ({"implementer_id": 999_999}, "implementer"),
    ],
)
def test_bad_input_on_create_is_a_field_error_and_writes_nothing(agent, fields, field):
    with pytest.raises(ValidationFailed) as exc:
        make_change(agent, **fields)
    assert field in exc.value.errors
    assert not Ticket.objects.exists() and not ChangeDetails.objects.exists()


def test_requesters_cannot_raise_changes(requester):
    with pytest.raises(NotFound):
        make_change(requester)


def test_normal_change_full_path(agent, change_manager):
    ticket = make_change(agent, planned_start=START, planned_end=END, implementer_id=agent.pk)
    to_authorisation(agent, ticket, "medium")
    approval = ticket.change.approvals.get()
    actions.approval_decide(actor=change_manager, approval_id=approval.pk, decision="approve")
    for status in ("scheduled", "implementing", "review"):
        actions.change_transition(actor=agent, ticket_id=ticket.pk, to=status)
    actions.review_record(actor=agent, ticket_id=ticket.pk, outcome="success")
    ticket = actions.change_transition(actor=agent, ticket_id=ticket.number, to="closed")
    details = ChangeDetails.objects.get(ticket=ticket)
    assert ticket.status == "closed" and ticket.closed_at is not None
    assert details.actual_start is not None and details.actual_end >= details.actual_start
    assert statuses(ticket) == [
        ("new", "assessment"), ("assessment", "authorisation"), ("authorisation", "scheduled"),
        ("scheduled", "implementing"), ("implementing", "review"), ("review", "closed"),
    ]  # fmt: skip


def test_guards_refuse_with_clear_messages(agent, change):
    with pytest.raises(ValidationFailed) as exc:
        actions.change_transition(actor=agent, ticket_id=change.pk, to="implementing")
    assert "to" in exc.value.errors
    actions.change_transition(actor=agent, ticket_id=change.pk, to="assessment")
    with pytest.raises(ValidationFailed) as exc:
        actions.change_transition(actor=agent, ticket_id=change.pk, to="authorisation")
    assert exc.value.errors["to"] == ["Assess the risk first."]
    actions.change_update(
        actor=agent, ticket_id=change.pk, version=None, changes={"backout_plan": ""}
    )
    actions.risk_assess(actor=agent, ticket_id=change.pk, answers=answer_all("low"))
    with pytest.raises(ValidationFailed) as exc:
        actions.change_transition(actor=agent, ticket_id=change.pk, to="authorisation")
    assert exc.value.errors["to"] == ["Write the implementation and backout plans first."]
    with pytest.raises(ValidationFailed):
        actions.change_transition(actor=agent, ticket_id=change.pk, to="rejected")
    with pytest.raises(ValidationFailed):
        actions.change_transition(actor=agent, ticket_id=change.pk, to="nowhere")


def test_cannot_schedule_without_a_window(agent, change):
    to_authorisation(agent, change, "low")  # no policy for low risk: nobody to ask
    with pytest.raises(ValidationFailed) as exc:
        actions.change_transition(actor=agent, ticket_id=change.pk, to="scheduled")
    assert exc.value.errors["to"] == ["Give the planned start and end first."]
    actions.change_update(
        actor=agent, ticket_id=change.pk, version=None,
        changes={"planned_start": START.isoformat(), "planned_end": END.isoformat()},
    )  # fmt: skip
    ticket = actions.change_transition(actor=agent, ticket_id=change.pk, to="scheduled")
    assert ticket.status == "scheduled"
    assert TicketEvent.objects.filter(ticket=ticket, field="approval").get().new_value == (
        "not_required"
    )


def test_standard_change_is_scheduled_straight_away(agent):
    template = make_template()
    ticket = make_change(
        agent, change_type="standard", template_id=template.pk, planned_start=START,
        planned_end=END,
    )  # fmt: skip
    ticket = actions.change_transition(actor=agent, ticket_id=ticket.pk, to="scheduled")
    assert ticket.status == "scheduled"


def test_failure_needs_a_comment_and_goes_to_review(agent):
    template = make_template()
    ticket = make_change(
        agent, change_type="standard", template_id=template.pk, planned_start=START,
        planned_end=END,
    )  # fmt: skip
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="scheduled")
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="implementing")
    with pytest.raises(ValidationFailed) as exc:
        actions.change_transition(actor=agent, ticket_id=ticket.pk, to="failed")
    assert "comment" in exc.value.errors
    ticket = actions.change_transition(
        actor=agent, ticket_id=ticket.pk, to="failed", comment="Disk full; snapshots restored."
    )
    assert ticket.status == "failed" and ticket.change.actual_end is not None
    event = TicketEvent.objects.filter(ticket=ticket, new_value="failed").get()
    assert event.body == "Disk full; snapshots restored."
    with pytest.raises(ValidationFailed):
        actions.change_transition(actor=agent, ticket_id=ticket.pk, to="closed")
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="review")
    with pytest.raises(ValidationFailed) as exc:
        actions.change_transition(actor=agent, ticket_id=ticket.pk, to="closed")
    assert exc.value.errors["to"] == ["Record the post-implementation review first."]


def test_stale_version_is_a_conflict(agent, change):
    with pytest.raises(Conflict):
        actions.change_update(
            actor=agent, ticket_id=change.pk, version=change.version + 5,
            changes={"reason": "Another reason"},
        )  # fmt: skip
    ticket = actions.change_update(
        actor=agent, ticket_id=change.pk, version=change.version,
        changes={"reason": "Another reason", "planned_start": START, "planned_end": END},
    )  # fmt: skip
    assert ticket.version > change.version
    fields = set(
        TicketEvent.objects.filter(ticket=change, type="field").values_list("field", flat=True)
    )
    assert fields == {"reason", "planned_start", "planned_end"}
    with pytest.raises(Conflict):
        actions.change_transition(
            actor=agent, ticket_id=change.pk, to="assessment", version=change.version
        )


def test_approved_content_is_frozen_after_assessment(agent, change, change_manager):
    to_authorisation(agent, change, "medium")
    with pytest.raises(ValidationFailed) as exc:
        actions.change_update(
            actor=agent, ticket_id=change.pk, version=None, changes={"backout_plan": "None"}
        )
    assert "backout_plan" in exc.value.errors
    # The window may still move; going back to assessment withdraws the pending approvals.
    actions.change_update(
        actor=agent, ticket_id=change.pk, version=None,
        changes={"planned_start": START + timedelta(days=1), "planned_end": END + timedelta(days=1)},
    )  # fmt: skip
    actions.change_transition(actor=agent, ticket_id=change.pk, to="assessment")
    assert change.change.approvals.get().status == "withdrawn"


def test_unknown_fields_are_refused(agent, change):
    with pytest.raises(ValidationFailed) as exc:
        actions.change_update(
            actor=agent, ticket_id=change.pk, version=None, changes={"status": "x"}
        )
    assert "status" in exc.value.errors


def test_agents_outside_the_team_do_not_see_the_change(other_agent, agent, team):
    ticket = make_change(agent, team_id=team.pk)
    with pytest.raises(NotFound):
        actions.change_transition(actor=other_agent, ticket_id=ticket.pk, to="assessment")


def test_generic_ticket_workflow_refuses_changes(agent, change, requester, desk_default_team):
    with pytest.raises(ValidationFailed) as exc:
        ticket_actions.ticket_transition(actor=agent, ticket_id=change.pk, to="resolved")
    assert "to" in exc.value.errors
    incident = ticket_actions.ticket_create(actor=requester, title="Broken")
    with pytest.raises(ValidationFailed):
        ticket_actions.ticket_update(
            actor=agent, ticket_id=incident.pk, version=None, changes={"kind": "change"}
        )
    with pytest.raises(ValidationFailed):
        ticket_actions.ticket_update(
            actor=agent, ticket_id=change.pk, version=None, changes={"kind": "incident"}
        )


def test_a_change_opened_through_the_ticket_form_gets_details_on_first_move(agent):
    ticket = ticket_actions.ticket_create(actor=agent, title="Swap a disk", kind="change",
                                          assignee_id=agent.pk)  # fmt: skip
    assert ticket.status == "assigned"
    ticket = actions.change_transition(actor=agent, ticket_id=ticket.pk, to="assessment")
    assert ticket.status == "assessment"
    assert ChangeDetails.objects.filter(ticket=ticket).exists()


def test_a_new_title_is_searchable_and_times_read_in_utc(agent, change):
    from atiende.tickets.selectors import TicketFilters, tickets_filtered

    actions.change_update(
        actor=agent, ticket_id=change.pk, version=None,
        changes={"title": "Decommission the fax gateway", "planned_start": START,
                 "planned_end": END},
    )  # fmt: skip
    found = tickets_filtered(agent, TicketFilters(q="fax gateway"))
    assert list(found) == [change]
    event = TicketEvent.objects.get(ticket=change, field="planned_start")
    assert event.new_value == "2026-12-08 22:00 UTC"
