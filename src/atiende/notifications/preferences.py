"""Who wants to be told what, and how: the events people choose from (on /account/), their
defaults, and the resolution of a choice (person > their teams' defaults > these defaults)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Channel, Preference


@dataclass(frozen=True)
class Event:
    label: Promise
    app: bool  # the default in the app
    email: bool  # the default by e-mail


EVENTS: dict[str, Event] = {
    "assigned": Event(_("A ticket is assigned to me"), app=True, email=True),
    "queue": Event(_("A ticket arrives unassigned in my team's queue"), app=False, email=False),
    "replied": Event(_("The requester replies on my ticket"), app=True, email=True),
    "reopened": Event(_("My ticket is reopened"), app=True, email=True),
    "mentioned": Event(_("Someone mentions me in a note"), app=True, email=True),
    "followed": Event(_("Activity on a ticket I follow"), app=True, email=False),
    "approval": Event(_("Approvals: asked, decided or withdrawn"), app=True, email=True),
    "change_state": Event(_("A change I own changes state"), app=True, email=False),
    "copied": Event(_("Public replies on a ticket I am in copy of"), app=True, email=True),
    "article_review": Event(_("An article I own is due for review"), app=True, email=True),
}

# The preference each notification verb (messages.MESSAGES) answers to. SLA notifications
# follow the SLA policy's escalation, not a preference.
VERB_EVENT: dict[str, str] = {
    "ticket_assigned": "assigned",
    "ticket_queued": "queue",
    "requester_replied": "replied",
    "ticket_reopened": "reopened",
    "mentioned": "mentioned",
    "ticket_activity": "followed",
    "change_approval": "approval",
    "request_approval": "approval",
    "approval_decided": "approval",
    "approval_withdrawn": "approval",
    "approval_reminder": "approval",
    "approval_delegated": "approval",
    "change_state": "change_state",
    "participant_activity": "copied",
    "article_review": "article_review",
}

# Verbs whose e-mail channel is the message itself, sent by mail (mail.outbound.notify: the
# reply or resolution to the people in copy, which reads the preference): tell() only writes
# the in-app notification for them.
MAILED_ELSEWHERE = frozenset({"participant_activity"})


def default(event: str, channel: str) -> bool:
    spec = EVENTS[event]
    return spec.email if channel == Channel.EMAIL else spec.app


def wanted(user_ids: Iterable[int], event: str, channel: str) -> set[int]:
    """Those of `user_ids` who want `event` on `channel`."""
    return wanted_by_channel(user_ids, event)[channel]


def wanted_by_channel(user_ids: Iterable[int], event: str) -> dict[str, set[int]]:
    """Per channel, those of `user_ids` who want `event` there: one query for all channels,
    whatever the number of people (on the path of every reply: bench/fanout.py). Among
    several teams' defaults, one that turns the event on wins."""
    ids = set(user_ids)
    found: dict[str, set[int]] = {channel: set() for channel in Channel.values}
    if not ids:
        return found
    own: dict[tuple[int, str], bool] = {}
    team: dict[tuple[int, str], bool] = {}
    rows = Preference.objects.filter(
        Q(user_id__in=ids) | Q(team__teammembership__user_id__in=ids), event=event
    ).values_list("user_id", "team__teammembership__user_id", "channel", "enabled")
    for user_id, member_id, channel, enabled in rows:
        if user_id is not None:
            own[(user_id, channel)] = enabled
        elif member_id in ids:
            team[(member_id, channel)] = team.get((member_id, channel), False) or enabled
    for channel, people in found.items():
        fallback = default(event, channel)
        people.update(pk for pk in ids if own.get((pk, channel), team.get((pk, channel), fallback)))
    return found


def inherited_of(user_id: int) -> dict[tuple[str, str], bool]:
    """Every (event, channel) as a person gets it without a choice of their own: their teams'
    defaults (one turning an event on wins), else the defaults in code."""
    from atiende.accounts.models import TeamMembership

    found = {(e, c): default(e, c) for e in EVENTS for c in Channel.values}
    teams = TeamMembership.objects.filter(user_id=user_id).values("team_id")
    team: dict[tuple[str, str], bool] = {}
    for e, c, enabled in Preference.objects.filter(team_id__in=teams).values_list(
        "event", "channel", "enabled"
    ):
        team[(e, c)] = team.get((e, c), False) or enabled
    found.update({key: value for key, value in team.items() if key in found})
    return found


def choices_of(user_id: int = 0, *, team_id: int | None = None) -> dict[tuple[str, str], bool]:
    """Every (event, channel) with its effective value for a person, or a team's defaults."""
    if team_id is not None:
        found = {(e, c): default(e, c) for e in EVENTS for c in Channel.values}
        rows = Preference.objects.filter(team_id=team_id)
    else:
        found = inherited_of(user_id)
        rows = Preference.objects.filter(user_id=user_id)
    for e, c, enabled in rows.values_list("event", "channel", "enabled"):
        if (e, c) in found:
            found[(e, c)] = enabled
    return found
