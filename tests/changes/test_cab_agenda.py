"""The CAB agenda: changes awaiting authorisation and those scheduled soon, with risk,
conflicts, impacted services and approvals; printable; bounded queries."""

from __future__ import annotations

import pytest
import time_machine

from atiende.changes import conflicts
from atiende.changes.calendar import selectors as calendar
from atiende.cmdb import actions as cmdb_actions
from atiende.tickets.models import Status

from .calendar_support import T0, at, make_change, small_estate
from .factories import make_change as raise_change
from .factories import to_authorisation

URL = "/changes/cab/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def estate(db):
    return small_estate()


def test_agenda_lists_awaiting_and_upcoming_with_details(agent, change_manager, estate):
    awaiting = raise_change(agent, title="Upgrade ERP", planned_start=at(24), planned_end=at(26))
    cmdb_actions.ticket_items_set(actor=agent, ticket_id=awaiting.pk, add=[estate["erp_db"].pk])
    to_authorisation(agent, awaiting, "medium")  # asks the change managers
    soon = make_change(agent, start=at(24), end=at(25), items=[estate["host1"]])
    conflicts.refresh(soon.pk)
    make_change(agent, start=at(0, days=30), end=at(1, days=30), title="Far away")
    make_change(agent, start=at(-5), end=at(-4), title="Already past")
    agenda = calendar.cab_agenda(agent, now=T0, days=14)
    assert [a.ticket.pk for a in agenda.awaiting] == [awaiting.pk]
    assert [a.ticket.pk for a in agenda.upcoming] == [soon.pk]
    item = agenda.awaiting[0]
    assert item.details.risk_level == "medium"
    assert [s.name for s in item.services] == ["ERP"]
    assert item.pending == 1 and item.approvals[0].approver == change_manager
    assert [c.other_id for c in item.conflicts] == [soon.pk]  # host-1 serves ERP too
    assert {s.name for s in agenda.upcoming[0].services} == {"ERP", "E-mail"}


def test_agenda_page_is_printable_and_checks_days(client, agent, change_manager, estate):
    change = raise_change(agent, title="Upgrade ERP", planned_start=at(24), planned_end=at(26))
    to_authorisation(agent, change, "medium")
    client.force_login(agent)
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Upgrade ERP" in body and "Medium risk" in body and "0 approved, 1 pending" in body
    assert "data-print" in body  # atiende.js prints (no inline handler under the CSP)
    assert client.get(URL, {"days": "0"}).status_code == 400
    assert client.get(URL, {"days": "abc"}).status_code == 400


def test_agenda_hides_changes_the_agent_cannot_see(client, agent, other_agent, other_team):
    make_change(other_agent, start=at(24), end=at(25), team=other_team,
                status=Status.AUTHORISATION, title="Theirs")  # fmt: skip
    client.force_login(agent)
    assert "Theirs" not in client.get(URL).content.decode()


def test_agenda_queries_do_not_grow_with_rows(client, agent, estate, django_assert_max_num_queries):
    for n in range(12):
        c = make_change(agent, start=at(24 + n), end=at(26 + n), items=[estate["erp_db"]],
                        status=Status.AUTHORISATION if n % 2 else Status.SCHEDULED)  # fmt: skip
        conflicts.refresh(c.pk)
    client.force_login(agent)
    with django_assert_max_num_queries(14):
        response = client.get(URL)
    assert response.content.decode().count("cab-conflicts") == 12
