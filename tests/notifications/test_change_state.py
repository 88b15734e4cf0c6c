"""`change_state`: a change's owner (its assignee) is told when someone else moves it."""

from __future__ import annotations

import pytest

from atiende.changes import actions as change_actions
from atiende.notifications.models import Notification

from ..changes.factories import make_change

pytestmark = pytest.mark.django_db


def test_the_owner_is_told_when_someone_else_moves_the_change(agent, admin_user, requester):
    change = make_change(agent, assignee_id=agent.pk)
    change_actions.change_transition(actor=admin_user, ticket_id=change.pk, to="assessment")
    told = Notification.objects.get()
    assert (told.user, told.verb) == (agent, "change_state")
    assert told.params["status"] == "assessment" and "moved to Assessment" in told.message
    change_actions.change_transition(actor=agent, ticket_id=change.pk, to="cancelled")
    assert Notification.objects.count() == 1  # their own act: nobody told
    assert not Notification.objects.filter(user__in=[admin_user, requester]).exists()
