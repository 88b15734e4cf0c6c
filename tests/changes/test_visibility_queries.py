"""Reads of one change's rows (an approval, the change details behind the metrics) test the
change's own joined ticket with the access rule (`selectors.change_visibility`), never
membership in the set of every visible ticket, which SQLite builds in full first. Access is
unchanged: the approver, agents of the change's team, and nobody else."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.changes import selectors
from atiende.changes.models import Approval
from atiende.core.errors import NotFound

from ..factories import AgentFactory
from .factories import to_authorisation


def _no_subquery_over_tickets(run):
    with CaptureQueriesContext(connection) as captured:
        result = run()
    for query in captured.captured_queries:
        # A sub-select over the tickets table (Django aliases it U0, V0, W0…) is the set of
        # every visible ticket; the approver's own approvals may be a sub-select.
        assert not re.search(r'FROM "tickets_ticket" [A-Z]\d', query["sql"]), query["sql"]
    return result


def test_an_approval_is_read_through_its_own_change(agent, change_manager, other_agent, change):
    to_authorisation(agent, change, "medium")
    approval = Approval.objects.get(change_id=change.pk)
    for reader in (agent, change_manager):
        found = _no_subquery_over_tickets(lambda r=reader: selectors.approval_get(r, approval.pk))
        assert found == approval
    with pytest.raises(NotFound):  # another team's agent, never asked
        selectors.approval_get(other_agent, approval.pk)


def test_the_approver_of_another_team_sees_the_change(agent, change_manager, change):
    outsider = AgentFactory(username="outsider")
    assert not selectors.changes_visible_to(outsider).filter(pk=change.pk).exists()
    to_authorisation(agent, change, "medium")
    approval = Approval.objects.get(change_id=change.pk)
    Approval.objects.filter(pk=approval.pk).update(approver=outsider)
    assert selectors.changes_visible_to(outsider).filter(pk=change.pk).exists()
    assert selectors.approval_get(outsider, approval.pk) == approval
