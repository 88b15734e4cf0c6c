"""The changes an admin or manager makes to received mail: retry a failed message (intake runs
again) or discard it. Intake itself lives in inbound/intake.py; the collector in
inbound/imap.py."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.errors import NotFound, ValidationFailed

from .inbound import intake
from .models import InboundMessage, InboundStatus
from .selectors import inbound_visible_to


def _locked_failed(actor: User, message_id: int) -> InboundMessage:
    # Visible in any status, so that losing a race with another manager's retry says why.
    # of=self: the access rule outer-joins the ticket, which PostgreSQL cannot lock.
    row = inbound_visible_to(actor).select_for_update(of=("self",)).filter(pk=message_id).first()
    if row is None:
        raise NotFound()
    if row.status != InboundStatus.FAILED:
        raise ValidationFailed.field(
            "status", _("Only failed messages can be retried or discarded.")
        )
    return row


def inbound_retry(*, actor: User, message_id: int) -> tuple[intake.IntakeResult, InboundMessage]:
    """Run a failed message through intake again. On success it becomes a ticket or reply; on
    failure it stays in the list with the new error and one more attempt counted. Returns the
    outcome and the row as it is now (no longer failed, it is no longer readable through the
    failed-mail selectors)."""
    with transaction.atomic():
        row = _locked_failed(actor, message_id)
        return intake.retry(row), row


def inbound_discard(*, actor: User, message_id: int) -> InboundMessage:
    """Take a failed message off the list. The row (and its Message-ID claim) stays, so the
    same message arriving again is still recognised as received."""
    with transaction.atomic():
        row = _locked_failed(actor, message_id)
        row.status = InboundStatus.DISCARDED
        row.processed_at = clock.now()
        # Who discarded it is shown translated at display time (mail.inbound.errors).
        row.error_params = {**(row.error_params or {}), "discarded_by": actor.display_name}
        row.save(update_fields=["status", "processed_at", "error_params"])
    return row
