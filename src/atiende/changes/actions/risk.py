"""The risk assessment of a change: the questionnaire's answers give its risk level."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import User

# changes.risk, not this package's risk.py (the action).
from atiende.changes import risk as risk_rules
from atiende.core import clock, events
from atiende.core.errors import ValidationFailed
from atiende.core.versions import check_version
from atiende.tickets.models import EventType

from ..events import ChangeRiskAssessed
from ..models import ChangeDetails, RiskAnswer, RiskQuestion, RiskSettings
from ..selectors import lifecycle_status
from ._common import EDITABLE_UNTIL_AUTHORISATION, STALE, _event, _locked, _require_agent, _touch


def risk_assess(
    *,
    actor: User,
    ticket_id: int | str,
    answers: Mapping[Any, Any],
    version: int | None = None,
) -> ChangeDetails:
    """Answer the risk questionnaire: every active question, one of its answers each. The score
    is the sum of the weights; the level comes from the thresholds in RiskSettings."""
    _require_agent(actor)
    questions = list(RiskQuestion.objects.filter(is_active=True).prefetch_related("choices"))
    given: dict[int, Any] = {}
    for key, value in dict(answers).items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            raise ValidationFailed.field("answers", _("Unknown question.")) from None
    known = {q.pk for q in questions}
    if set(given) - known:
        raise ValidationFailed.field("answers", _("Unknown question."))
    errors: dict[str, list[str]] = {}
    chosen = []
    for question in questions:
        choices = {c.pk: c for c in question.choices.all()}
        try:
            choice = choices.get(int(given.get(question.pk)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            choice = None
        if choice is None:
            errors[f"answers.{question.pk}"] = [_("Choose an answer.")]
        else:
            chosen.append((question, choice))
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        ticket, details = _locked(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        status = lifecycle_status(ticket.status)
        if status not in EDITABLE_UNTIL_AUTHORISATION:
            raise ValidationFailed.field(
                "answers", _("Send the change back to assessment to assess its risk again.")
            )
        thresholds = RiskSettings.load()
        total = risk_rules.score(choice.weight for _q, choice in chosen)
        level = risk_rules.level(
            total, medium_from=thresholds.medium_from, high_from=thresholds.high_from
        )
        RiskAnswer.objects.filter(change=details).delete()
        RiskAnswer.objects.bulk_create(
            RiskAnswer(change=details, question=q, choice=c, weight=c.weight) for q, c in chosen
        )
        now = clock.now()
        reasons = risk_rules.reasons((q.text_en, c.text_en, c.weight) for q, c in chosen)
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="risk",
            old=details.risk_level,
            new=level,
            body="\n".join(f"- {r.question} {r.answer} (+{r.weight})" for r in reasons),
        )
        details.risk_level = level
        details.risk_score = total
        details.risk_assessed_at = now
        details.save()
        _touch(ticket, now)
        events.publish(ChangeRiskAssessed(ticket_id=ticket.pk, actor_id=actor.pk))
    return details
