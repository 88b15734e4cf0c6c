"""The notification texts, by key. Parameters are plain values stored with the notification;
the text is translated when it is rendered, in the language active for the reader."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    "sla_warning": _("%(number)s: the %(clock)s target is about to be missed (due %(deadline)s)."),
    "sla_breach": _("%(number)s: the %(clock)s target was missed (due %(deadline)s)."),
    "change_approval": _("%(number)s: your approval is requested."),
    "request_approval": _("%(number)s: your approval of a request (%(item)s) is requested."),
    "ticket_assigned": _("%(number)s was assigned to you by %(actor)s."),
    "ticket_queued": _("%(number)s arrived unassigned in your team's queue."),
    "requester_replied": _("%(number)s: %(actor)s replied."),
    "ticket_reopened": _("%(number)s was reopened by %(actor)s."),
    "mentioned": _("%(number)s: %(actor)s mentioned you in a note."),
    "ticket_activity": _("%(number)s: %(actor)s added to a ticket you follow."),
    "approval_decided": _("%(number)s: %(actor)s decided an approval (%(decision)s)."),
    "approval_withdrawn": _("%(number)s: the approval asked of you was withdrawn."),
    "change_state": _("%(number)s, a change you own, moved to %(status)s."),
    "participant_activity": _("%(number)s: %(actor)s updated a ticket you are in copy of."),
    "survey_poor": _("%(number)s: the requester rated the service %(rating)s out of 5."),
    "automation_notice": _("%(number)s (rule “%(rule)s”): %(message)s"),
    "article_review": _("The article “%(title)s” you own is due for review (%(review_on)s)."),
    "approval_reminder": _("%(number)s: your approval is still awaited (asked %(asked)s)."),
    "approval_delegated": _(
        "%(number)s: %(actor)s asked you to decide an approval in their place."
    ),
    "webhook_disabled": _(
        "Your webhook “%(name)s” was disabled after %(count)s failed deliveries in a row."
    ),
}

DECISIONS: dict[str, Promise] = {"approved": _("approved"), "rejected": _("rejected")}

CLOCK_NAMES: dict[str, Promise] = {
    "first_response": _("first response"),
    "resolution": _("resolution"),
    "next_response": _("next response"),
}


def render(verb: str, params: dict) -> str:
    template = MESSAGES.get(verb)
    if template is None:
        return verb
    values = dict(params)
    if "clock" in values:
        values["clock"] = str(CLOCK_NAMES.get(values["clock"], values["clock"]))
    for key in ("number", "actor", "decision", "status", "rating"):
        values.setdefault(key, "")
    if values["status"]:
        values["status"] = _status_label(values["status"])
    if values["decision"] in DECISIONS:
        values["decision"] = str(DECISIONS[values["decision"]])
    values["deadline"] = _when(values.get("deadline", ""))
    for key in ("review_on", "asked"):
        if key in values:
            values[key] = _day(values[key])
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)


def _when(value: str) -> str:
    """A deadline stored as "YYYY-MM-DD HH:MM UTC" (sla.actions) shown in the reader's time
    zone and the short format of their language; any other text as it is."""
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    except ValueError:
        return str(value or "")
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _day(value: str) -> str:
    """A date stored as "YYYY-MM-DD" shown in the short format of the reader's language."""
    try:
        day = datetime.strptime(str(value), "%Y-%m-%d").date()
    except ValueError:
        return str(value or "")
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _status_label(code: str) -> str:
    from atiende.tickets.models import Status

    try:
        return str(Status(code).label)
    except ValueError:
        return str(code)
