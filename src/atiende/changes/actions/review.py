"""The post-implementation review of a change and the incidents it caused."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.core import clock, events
from atiende.core.errors import NotFound, ValidationFailed
from atiende.core.versions import check_version
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import EventType, Kind, Ticket

from .. import workflow
from ..events import ChangeReviewed
from ..models import ChangeDetails, ReviewOutcome
from ._common import STALE, _event, _locked, _require_agent, _text, _touch


def review_record(
    *,
    actor: User,
    ticket_id: int | str,
    outcome: str,
    notes: str = "",
    caused_incidents: Sequence[int | str] = (),
    version: int | None = None,
) -> ChangeDetails:
    """The post-implementation review: outcome, notes, and the incidents the change caused
    (linked as "caused by" this change). Recorded while the change is in review."""
    _require_agent(actor)
    if outcome not in ReviewOutcome.values:
        raise ValidationFailed.field("outcome", _("Choose success, partial or failure."))
    notes = _text(notes, "notes")
    if outcome != ReviewOutcome.SUCCESS and not notes:
        raise ValidationFailed.field("notes", _("Describe what did not go to plan."))
    with transaction.atomic():
        ticket, details = _locked(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        if ticket.status != workflow.REVIEW:
            raise ValidationFailed.field(
                "outcome", _("A review is recorded while the change is in review.")
            )
        now = clock.now()
        for other in caused_incidents:
            incident = _caused_incident(actor, other)
            already = incident.links_out.filter(to_ticket=ticket, link_type="caused_by").exists()
            if not already:
                try:
                    ticket_actions.ticket_link_add(
                        actor=actor, ticket_id=incident.pk, other=ticket.pk, link_type="caused_by"
                    )
                except ValidationFailed as exc:
                    raise ValidationFailed(
                        errors={"caused_incidents": [m for ms in exc.errors.values() for m in ms]}
                    ) from None
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="review_outcome",
            old=details.review_outcome,
            new=outcome,
            body=notes,
        )
        details.review_outcome = outcome
        details.review_notes = notes
        details.reviewed_at = now
        details.save()
        _touch(ticket, now)
        events.publish(ChangeReviewed(ticket_id=ticket.pk, actor_id=actor.pk))
    return details


def _caused_incident(actor: User, other: int | str) -> Ticket:
    from atiende.tickets.selectors import ticket_get

    try:
        incident = ticket_get(actor, other)
    except NotFound:
        raise ValidationFailed.field("caused_incidents", _("No such incident.")) from None
    if incident.kind != Kind.INCIDENT:
        raise ValidationFailed.field(
            "caused_incidents",
            _("%(number)s is not an incident.") % {"number": incident.number},
        )
    return incident
