"""In-app notifications: stored as a message key and parameters, rendered in the reader's
language; a user reads and marks only their own."""

from __future__ import annotations

import pytest
from django.utils import translation

from atiende.core.errors import NotFound
from atiende.notifications import actions
from atiende.notifications.selectors import notifications_for, unread_count


def test_notify_each_user_once(agent, manager):
    created = actions.notify(
        user_ids=[agent.pk, manager.pk, agent.pk, None],
        verb="sla_breach",
        params={"number": "INC-000001", "clock": "resolution", "deadline": "2026-03-02 17:00"},
    )
    assert sorted(n.user_id for n in created) == sorted([agent.pk, manager.pk])
    assert unread_count(agent) == 1 and unread_count(manager) == 1


def test_unknown_message_keys_are_refused(agent):
    with pytest.raises(ValueError):
        actions.notify(user_ids=[agent.pk], verb="no_such_message")


def test_message_is_rendered_in_the_active_language(agent):
    (note,) = actions.notify(
        user_ids=[agent.pk],
        verb="sla_warning",
        params={"number": "INC-000007", "clock": "first_response", "deadline": "10:00"},
    )
    with translation.override("en"):
        assert note.message == (
            "INC-000007: the first response target is about to be missed (due 10:00)."
        )


def test_users_see_and_mark_only_their_own(agent, manager):
    (mine,) = actions.notify(user_ids=[agent.pk], verb="sla_breach", params={})
    assert list(notifications_for(manager)) == []
    with pytest.raises(NotFound):
        actions.mark_read(actor=manager, notification_id=mine.pk)
    read = actions.mark_read(actor=agent, notification_id=mine.pk)
    assert read.read_at is not None
    assert unread_count(agent) == 0
    assert list(notifications_for(agent)) == [mine]
    assert list(notifications_for(agent, unread_only=True)) == []


def test_mark_all_read(agent):
    actions.notify(user_ids=[agent.pk], verb="sla_breach", params={})
    actions.notify(user_ids=[agent.pk], verb="sla_warning", params={})
    assert actions.mark_all_read(actor=agent) == 2
    assert unread_count(agent) == 0


def test_a_stored_deadline_is_shown_in_the_readers_time_zone_and_format(agent):
    """sla.actions stores "YYYY-MM-DD HH:MM UTC"; the reader sees the short date format of
    their language (atiende.formats) in their time zone."""
    import zoneinfo

    from django.utils import timezone

    (note,) = actions.notify(
        user_ids=[agent.pk],
        verb="sla_breach",
        params={"number": "INC-000009", "clock": "resolution", "deadline": "2026-11-25 13:00 UTC"},
    )
    with translation.override("es"), timezone.override(zoneinfo.ZoneInfo("Europe/Madrid")):
        assert "25 nov 2026 14:00" in note.message
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert note.message == (
            "INC-000009: the resolution target was missed (due 25 Nov 2026 13:00)."
        )
