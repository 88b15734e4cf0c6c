"""The only code that changes notifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.core import clock, events
from atiende.core.errors import NotFound, ValidationFailed

from .events import NotificationsCreated
from .messages import MESSAGES
from .models import Channel, Notification, Preference


def notify(
    *,
    user_ids: Iterable[int],
    verb: str,
    ticket_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> list[Notification]:
    """Tell each user (once, even if listed twice) `verb` about a ticket. Bulk: one INSERT."""
    if verb not in MESSAGES:
        raise ValueError(f"unknown notification {verb!r}")
    now = clock.now()
    rows = [
        Notification(
            user_id=user_id, ticket_id=ticket_id, verb=verb, params=params or {}, created_at=now
        )
        for user_id in dict.fromkeys(u for u in user_ids if u is not None)
    ]
    created = Notification.objects.bulk_create(rows)
    _published([(n.user_id, ticket_id, verb, n.params) for n in created])
    return created


ROW_FIELDS = ("user_id", "ticket_id", "verb", "params", "created_at", "read_at")


def notify_many(rows: Sequence[tuple]) -> int:
    """Insert prepared notifications in bulk (the SLA sweep builds thousands at once): tuples
    in the order of ROW_FIELDS, verbs from MESSAGES. COPY on PostgreSQL."""
    from atiende.core.bulk import insert

    unknown = {row[2] for row in rows} - set(MESSAGES)
    if unknown:
        raise ValueError(f"unknown notifications {sorted(unknown)!r}")
    count = insert(Notification, ROW_FIELDS, rows)
    _published([(row[0], row[1], row[2], row[3]) for row in rows])
    return count


def _notify_spread(
    user_ids: Sequence[int], ticket_id: int | None, verb: str, params: dict[str, Any], now
) -> int:
    """The same notification to several people: one INSERT … SELECT over the list of ids
    (core.bulk.insert_spread), on the path of every reply to a followed ticket
    (bench/fanout.py: 20 rows of VALUES cost 1.6 ms on PostgreSQL, mostly preparing and
    quoting 120 parameters)."""
    from atiende.core.bulk import insert_spread

    count = insert_spread(
        Notification,
        {"ticket_id": ticket_id, "verb": verb, "params": params, "created_at": now,
         "read_at": None},
        "user_id",
        user_ids,
    )  # fmt: skip
    _published([(pk, ticket_id, verb, params) for pk in user_ids])
    return count


def _published(rows: list[tuple]) -> None:
    """Other channels (e-mail) follow the in-app notifications: `NotificationsCreated` with
    (user_id, ticket_id, verb, params) rows, in the same transaction (core.events)."""
    if rows:
        events.publish(NotificationsCreated(rows=tuple(rows)))


def mark_read(*, actor: User, notification_id: int) -> Notification:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, user_id=actor.pk)
            .first()
        )
        if notification is None:
            raise NotFound()
        if notification.read_at is None:
            notification.read_at = clock.now()
            notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(
        read_at=clock.now()
    )


def tell(
    *,
    verb: str,
    ticket_id: int | None,
    user_ids: Iterable[int],
    actor_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    """Fan a notification out to the people who want it (notifications.preferences), never to
    the one who acted: one bulk INSERT for all of them, in the caller's transaction. Callers
    pass only people who may see the ticket (tickets.selectors.who_sees). Answers how many
    were told in the app; those who want e-mail get it through the outbox (NotificationsMailed)."""
    from .events import NotificationsMailed
    from .preferences import MAILED_ELSEWHERE, VERB_EVENT, wanted_by_channel

    if verb not in MESSAGES:
        raise ValueError(f"unknown notification {verb!r}")
    ids = {pk for pk in user_ids if pk is not None and pk != actor_id}
    if not ids:
        return 0
    event = VERB_EVENT[verb]
    params = params or {}
    now = clock.now()
    chosen = wanted_by_channel(ids, event)
    app = sorted(chosen[Channel.APP])
    count = _notify_spread(app, ticket_id, verb, params, now) if app else 0
    mail = chosen[Channel.EMAIL]
    if mail and verb not in MAILED_ELSEWHERE:
        events.publish(
            NotificationsMailed(
                verb=verb, ticket_id=ticket_id, params=params, user_ids=tuple(sorted(mail))
            )
        )
    return count


def tell_many(
    *,
    verb: str,
    told: Sequence[tuple[int | None, Iterable[int], int | None, dict[str, Any]]],
) -> int:
    """`tell` of many tickets at once (ticket id, user ids, actor id, params): the people's
    choices read once for all of them and one INSERT of every in-app notification; e-mail
    as `tell` sends it, one NotificationsMailed per ticket. Answers how many were told in the
    app."""
    from .events import NotificationsMailed
    from .preferences import MAILED_ELSEWHERE, VERB_EVENT, wanted_by_channel

    if verb not in MESSAGES:
        raise ValueError(f"unknown notification {verb!r}")
    wanted = [
        (ticket_id, {pk for pk in ids if pk is not None and pk != actor_id}, params)
        for ticket_id, ids, actor_id, params in told
    ]
    everyone = set().union(*(ids for _t, ids, _p in wanted)) if wanted else set()
    if not everyone:
        return 0
    chosen = wanted_by_channel(everyone, VERB_EVENT[verb])
    now = clock.now()
    rows = [
        (pk, ticket_id, verb, params, now, None)
        for ticket_id, ids, params in wanted
        for pk in sorted(ids & chosen[Channel.APP])
    ]
    count = notify_many(rows) if rows else 0
    if verb not in MAILED_ELSEWHERE:
        for ticket_id, ids, params in wanted:
            mail = ids & chosen[Channel.EMAIL]
            if mail:
                events.publish(
                    NotificationsMailed(
                        verb=verb, ticket_id=ticket_id, params=params,
                        user_ids=tuple(sorted(mail)),
                    )
                )  # fmt: skip
    return count


def mark_ticket_read(
    *, user_id: int | Sequence[int], ticket_id: int, verbs: Sequence[str] = ()
) -> int:
    """The person acted on the ticket (opened it, decided its approval), or the thing they were
    asked to act on is gone (an approval withdrawn): what they were told about it is read.
    Uses the unread partial index; a no-op costs one UPDATE of no rows."""
    user_ids = [user_id] if isinstance(user_id, int) else list(user_id)
    found = Notification.objects.filter(
        user_id__in=user_ids, ticket_id=ticket_id, read_at__isnull=True
    )
    if verbs:
        found = found.filter(verb__in=verbs)
    return found.update(read_at=clock.now())


def preferences_set(*, actor: User, enabled: Iterable[tuple[str, str]]) -> int:
    """The person's own choices from the /account/ card: `enabled` lists every (event,
    channel) they want, the rest they do not. Only choices that differ from what they would
    inherit (their teams' defaults, the defaults in code) are stored, so a later change of a
    team default still reaches those who never chose otherwise. Answers how many are stored."""
    from .preferences import EVENTS, inherited_of

    wanted = set(enabled)
    unknown = {key for key in wanted if key[0] not in EVENTS or key[1] not in Channel.values}
    if unknown:
        raise ValidationFailed.field("preferences", _("Unknown notification choice."))
    with transaction.atomic():
        inherited = inherited_of(actor.pk)
        own = [
            Preference(user_id=actor.pk, event=e, channel=c, enabled=(e, c) in wanted)
            for (e, c), value in inherited.items()
            if ((e, c) in wanted) != value
        ]
        Preference.objects.filter(user_id=actor.pk).delete()
        Preference.objects.bulk_create(own)
    return len(own)
