"""How the change fields read in the ticket timeline: registered with the tickets' timeline
module when the app is ready, so a CHG timeline says "Risk: Low → High", not "risk: low"."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ChangeType, ReviewOutcome, RiskLevel

FIELD_LABELS = {
    "change_type": lambda: _("Change type"),
    "reason": lambda: _("Reason for the change"),
    "description": lambda: _("Description"),
    "implementation_plan": lambda: _("Implementation plan"),
    "backout_plan": lambda: _("Backout plan"),
    "test_plan": lambda: _("Test plan"),
    "planned_start": lambda: _("Planned start"),
    "planned_end": lambda: _("Planned end"),
    "implementer": lambda: _("Implementer"),
    "risk": lambda: _("Risk"),
    "approval": lambda: _("Approval"),
    # Who is asked (an approver who left, or who delegated): changes' and requests' rows.
    "approver": lambda: _("Approver"),
    "review_outcome": lambda: _("Review"),
}


class ApprovalEvent(models.TextChoices):
    """The values an "approval" timeline entry takes: a decision, or the round's outcome."""

    PENDING = "pending", gettext_lazy("Pending")
    APPROVED = "approved", gettext_lazy("Approved")
    REJECTED = "rejected", gettext_lazy("Rejected")
    WITHDRAWN = "withdrawn", gettext_lazy("No longer needed")
    COMPLETE = "complete", gettext_lazy("Approvals complete")
    NOT_REQUIRED = "not_required", gettext_lazy("No approval required")


CHOICE_FIELDS: dict[str, type[models.Choices]] = {
    "change_type": ChangeType,
    "risk": RiskLevel,
    "review_outcome": ReviewOutcome,
    "approval": ApprovalEvent,
}


def register() -> None:
    from atiende.tickets.timeline import register_field

    for name, label in FIELD_LABELS.items():
        register_field(name, label, CHOICE_FIELDS.get(name))
