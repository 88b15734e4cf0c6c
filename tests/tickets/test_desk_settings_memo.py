"""Desk settings are read from memory on every creation; saving them, or the default team,
takes effect at once (no stale team on new tickets, no insert against a deleted team)."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from atiende.accounts.models import Team
from atiende.tickets import actions
from atiende.tickets.models import DeskSettings

pytestmark = pytest.mark.django_db


def test_creation_reads_no_settings_row_once_remembered(
    requester, desk_default_team, django_assert_num_queries
):
    actions.ticket_create(actor=requester, title="First")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        actions.ticket_create(actor=requester, title="Second")
    assert not [q for q in queries.captured_queries if "tickets_desksettings" in q["sql"]]


def test_changing_the_default_team_applies_to_the_next_ticket(
    requester, desk_default_team, other_team
):
    assert actions.ticket_create(actor=requester, title="Before").team == desk_default_team
    settings = DeskSettings.load()
    settings.default_team = other_team
    settings.save()
    assert actions.ticket_create(actor=requester, title="After").team == other_team


def test_the_default_team_cannot_be_deleted_while_it_is_the_default(requester, other_team):
    # Other processes hold the settings in memory: deleting the team under them would make
    # their next creation fail. The team must stop being the default first.
    settings = DeskSettings.load()
    settings.default_team = other_team  # a team that has no tickets yet
    settings.save()
    with pytest.raises(ProtectedError):
        Team.objects.filter(pk=other_team.pk).delete()
    settings.default_team = None
    settings.save()
    Team.objects.filter(pk=other_team.pk).delete()
    assert actions.ticket_create(actor=requester, title="After").team is None
