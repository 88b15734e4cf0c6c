"""Builders of the changes tests: everything goes through the actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from atiende.changes import actions
from atiende.changes.models import ChangeTemplate, RiskQuestion
from atiende.tickets.models import Ticket

START = datetime(2026, 12, 8, 22, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


def make_change(agent, **fields) -> Ticket:
    fields.setdefault("title", "Upgrade the mail servers")
    fields.setdefault("reason", "The current version goes out of support.")
    fields.setdefault("implementation_plan", "1. Drain node A\n2. Upgrade\n3. Repeat for B")
    fields.setdefault("backout_plan", "Restore the VM snapshots.")
    fields.setdefault("test_plan", "Send and receive a message.")
    return actions.change_create(actor=agent, **fields)


def make_template(**fields) -> ChangeTemplate:
    fields.setdefault("name", "Restart an application server")
    fields.setdefault("implementation_plan", "Restart the service.")
    fields.setdefault("backout_plan", "Nothing to back out.")
    return ChangeTemplate.objects.create(**fields)


def answer_all(level: str) -> dict[int, int]:
    """Answers of the default questionnaire giving a low, medium or high risk."""
    answers = {}
    for index, question in enumerate(RiskQuestion.objects.filter(is_active=True)):
        choices = sorted(question.choices.all(), key=lambda c: c.weight)
        if level == "low":
            choice = choices[0]
        elif level == "medium":
            choice = choices[-1] if index < 2 else choices[0]  # 3 + 3 = 6
        else:
            choice = choices[-1]  # 18
        answers[question.pk] = choice.pk
    return answers


def to_authorisation(agent, ticket: Ticket, level: str = "medium") -> Ticket:
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="assessment")
    actions.risk_assess(actor=agent, ticket_id=ticket.pk, answers=answer_all(level))
    return actions.change_transition(actor=agent, ticket_id=ticket.pk, to="authorisation")
