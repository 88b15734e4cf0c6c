"""Demo data of the changes domain, loaded by atiende.demo after the people, tickets and
CMDB: the boards' members, standard templates, and changes in every state of the lifecycle,
all made through the actions (so the timelines, approvals and conflicts are real)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.errors import DomainError, ValidationFailed

from . import actions
from .models import Approval, ApprovalStatus, Board, ChangeTemplate, RiskQuestion

TEMPLATES = [
    ("Restart an application server", "Restart the service and watch the logs for 5 minutes.",
     "Start the previous release.", "Open the application's health page."),
    ("Renew a TLS certificate", "Install the renewed certificate and reload the web server.",
     "Put the previous certificate back and reload.", "Check the expiry date in a browser."),
    ("Add a mailbox to a distribution list", "Add the mailbox in the directory.",
     "Remove it again.", "Send a test message to the list."),
]  # fmt: skip


def _answers(level: str) -> dict[int, int]:
    answers = {}
    for index, question in enumerate(RiskQuestion.objects.filter(is_active=True)):
        choices = sorted(question.choices.all(), key=lambda c: c.weight)
        if level == "high":
            choice = choices[-1]
        elif level == "medium":
            choice = choices[-1] if index < 2 else choices[0]
        else:
            choice = choices[0]
        answers[question.pk] = choice.pk
    return answers


def _window(days: float, hours: float = 2) -> tuple[datetime, datetime]:
    start = (clock.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    start = start.replace(hour=22) if days >= 0 else start
    return start, start + timedelta(hours=hours)


def _items(ticket_id: int, actor: User, offset: int) -> None:
    """Attach one or two CMDB items (when the CMDB demo made some) so the calendar can find
    conflicts and the change page shows impacted services."""
    try:
        from atiende.cmdb import actions as cmdb_actions
        from atiende.cmdb.models import ConfigurationItem
    except ImportError:  # pragma: no cover
        return
    items = list(ConfigurationItem.objects.order_by("id").values_list("pk", flat=True)[:12])
    for pk in items[offset % len(items) :][:2] if items else []:
        with contextlib.suppress(DomainError):
            cmdb_actions.ticket_item_add(actor=actor, ticket_id=ticket_id, item_id=pk)


def _move(actor: User, ticket_id: int, *targets: str, comment: str = "") -> None:
    for target in targets:
        try:
            actions.change_transition(
                actor=actor,
                ticket_id=ticket_id,
                to=target,
                comment=comment if target == "failed" else "",
            )
        except ValidationFailed as exc:
            if "override_reason" not in exc.errors:
                raise
            actions.change_transition(
                actor=actor,
                ticket_id=ticket_id,
                to=target,
                override_reason="Agreed with the service owner (demo data).",
            )


def _approve_all(ticket_id: int) -> None:
    for approval in Approval.objects.filter(
        change_id=ticket_id, status=ApprovalStatus.PENDING
    ).select_related("approver"):
        if Approval.objects.get(pk=approval.pk).status != ApprovalStatus.PENDING:
            continue  # withdrawn once enough approved
        actions.approval_decide(
            actor=approval.approver, approval_id=approval.pk, decision="approve", comment="OK."
        )


def load(users: dict[str, User]) -> None:
    manager, tom, nuria, lucia = users["manager"], users["tom"], users["nuria"], users["lucia"]
    agent = users["agent"]
    Board.objects.get(name__startswith="Change managers").members.add(manager)
    Board.objects.get(name__startswith="Change advisory").members.add(tom, nuria, lucia)
    Board.objects.get(name__startswith="Emergency").members.add(manager, nuria)

    templates = []
    for name, implementation, backout, test in TEMPLATES:
        template, _created = ChangeTemplate.objects.get_or_create(
            name=name,
            defaults={
                "implementation_plan": implementation,
                "backout_plan": backout,
                "test_plan": test,
            },
        )
        templates.append(template)

    def normal(actor: User, title: str, days: float, **fields):
        start, end = _window(days, fields.pop("hours", 2))
        ticket = actions.change_create(
            actor=actor,
            title=title,
            reason=fields.pop("reason", "Keep the service supported and secure."),
            implementation_plan=fields.pop(
                "implementation_plan", "1. Announce\n2. Apply\n3. Verify with the test plan"
            ),
            backout_plan=fields.pop("backout_plan", "Restore the snapshot taken before."),
            test_plan=fields.pop("test_plan", "Run the smoke tests."),
            planned_start=start,
            planned_end=end,
            implementer_id=fields.pop("implementer", nuria).pk,
            **fields,
        )
        return ticket

    offset = 0

    def with_items(ticket) -> int:
        nonlocal offset
        _items(ticket.pk, ticket.requester, offset)
        offset += 1
        return ticket.pk

    # new
    with_items(normal(tom, "Upgrade the ERP database to the next major version", 21, impact=2))
    # assessment, risk assessed (medium)
    pk = with_items(normal(tom, "Migrate the file shares to the new NAS", 14))
    _move(tom, pk, "assessment")
    actions.risk_assess(actor=tom, ticket_id=pk, answers=_answers("medium"))
    # authorisation, high risk: the change manager and two CAB members are asked
    pk = with_items(normal(tom, "Replace the core switches in the data centre", 10, hours=4,
                           impact=1, urgency=2))  # fmt: skip
    _move(tom, pk, "assessment")
    actions.risk_assess(actor=tom, ticket_id=pk, answers=_answers("high"))
    _move(tom, pk, "authorisation")
    # authorisation, emergency
    pk = with_items(normal(agent, "Patch the VPN gateways (actively exploited flaw)", 1,
                           change_type="emergency", impact=1, urgency=1))  # fmt: skip
    _move(agent, pk, "assessment", "authorisation")
    # scheduled (medium, approved)
    pk = with_items(normal(tom, "Move the intranet to the new cluster", 5))
    _move(tom, pk, "assessment")
    actions.risk_assess(actor=tom, ticket_id=pk, answers=_answers("medium"))
    _move(tom, pk, "authorisation")
    _approve_all(pk)
    _move(tom, pk, "scheduled")
    # standard changes, scheduled
    for days, template in zip((2, 3), templates, strict=False):
        start, end = _window(days, 1)
        ticket = actions.change_create(
            actor=agent, title=template.name, change_type="standard", template_id=template.pk,
            planned_start=start, planned_end=end, implementer_id=agent.pk,
        )  # fmt: skip
        with_items(ticket)
        _move(agent, ticket.pk, "scheduled")
    # implementing, review, closed, failed: windows in the past
    done = []
    for title, target in (
        ("Enable MFA for the webmail", "implementing"),
        ("Upgrade the printers' firmware", "review"),
        ("Add disk to the mail servers", "closed"),
        ("Rename the Wi-Fi networks", "failed"),
    ):
        start, end = _window(-2, 2)
        ticket = actions.change_create(
            actor=agent, title=title, change_type="standard", template_id=templates[0].pk,
            planned_start=start, planned_end=end, implementer_id=agent.pk,
        )  # fmt: skip
        with_items(ticket)
        _move(agent, ticket.pk, "scheduled", "implementing")
        if target in ("review", "closed"):
            _move(agent, ticket.pk, "review")
        if target == "closed":
            actions.review_record(actor=agent, ticket_id=ticket.pk, outcome="success")
            _move(agent, ticket.pk, "closed")
        if target == "failed":
            _move(agent, ticket.pk, "failed",
                  comment="Old laptops could not join; the previous names were restored.")  # fmt: skip
        done.append(ticket)
    # rejected
    pk = with_items(normal(tom, "Open the database port to the internet for a vendor", 7))
    _move(tom, pk, "assessment")
    actions.risk_assess(actor=tom, ticket_id=pk, answers=_answers("high"))
    _move(tom, pk, "authorisation")
    approval = Approval.objects.filter(change_id=pk, approver=nuria).first()
    if approval is not None:
        actions.approval_decide(
            actor=nuria, approval_id=approval.pk, decision="reject",
            comment="Use the VPN instead; an open port is not acceptable.",
        )  # fmt: skip
    # cancelled
    pk = normal(lucia, "Reorganise the shared calendars", 30).pk
    _move(lucia, pk, "cancelled")
    # A freeze on the change calendar, after everything above is scheduled.
    from .calendar.actions import blackout_create

    freeze, _end = _window(40, 0)
    blackout_create(
        actor=manager, name="Year-end freeze", starts_at=freeze,
        ends_at=freeze + timedelta(days=10),
        reason="Closing of the accounts: only emergency changes.",
    )  # fmt: skip
