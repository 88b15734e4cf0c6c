"""Service levels in the desk: the queue's SLA column (words and a state, not colour alone),
the "breaching soon" view sorted by deadline, and the ticket page's SLA card."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from atiende.sla.actions import sweep_due
from atiende.sla.models import SlaPolicy
from atiende.tickets import actions

from ...factories import make_ticket
from ...sla.conftest import at, make_policy

QUEUE = reverse("desk:queue")
TARGETS = {3: (60, 480, None)}  # P3: first response 1 h, resolution 8 h


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    from ...sla.conftest import committed as fixture

    return fixture.__wrapped__(django_capture_on_commit_callbacks)


@pytest.fixture
def always(db):
    from atiende.sla.models import BusinessCalendar

    SlaPolicy.objects.all().delete()
    calendar = BusinessCalendar.objects.create(name="Always", time_zone="UTC", is_24x7=True)
    make_policy(calendar, targets=TARGETS)
    return calendar


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def ticket(always, requester, agent, desk_default_team, committed):
    with committed(at(2, 9)):  # Monday 09:00 UTC, 24x7 calendar
        return make_ticket(requester, impact=2, urgency=2, title="Printer jam")


def sla_cells(response) -> dict[str, str]:
    """{ticket number: the SLA cell's text} of the queue table."""
    html = response.content.decode()
    rows = re.findall(r'<td class="num"><a href="[^"]+">([A-Z]{3}-\d+)</a>(.*?)</tr>', html, re.S)
    found = {}
    for number, rest in rows:
        cell = re.search(r'<td class="c-sla"[^>]*>(.*?)</td>', rest, re.S)
        found[number] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell.group(1))).strip()
    return found


def sla_class(response, number: str) -> str:
    html = response.content.decode()
    row = html[html.index(f">{number}</a>") :]
    return re.search(r'class="sla (sla-\w+)"', row).group(1)


def queue_at(desk, when, **params):
    with time_machine.travel(when, tick=False):
        return desk.get(QUEUE, {"view": "open", **params})


def test_queue_shows_remaining_business_time_of_the_most_urgent_clock(desk, ticket):
    response = queue_at(desk, at(2, 9, 15))
    assert sla_cells(response)[ticket.number] == "45 min left First response"
    assert sla_class(response, ticket.number) == "sla-ok"


def test_queue_warns_past_the_threshold_in_words(desk, ticket):
    response = queue_at(desk, at(2, 9, 50))  # 50 of 60 min: past the 75 % warning
    assert sla_cells(response)[ticket.number] == "Due soon 10 min left First response"
    assert sla_class(response, ticket.number) == "sla-warning"


def test_queue_shows_overdue_clocks(desk, ticket):
    sweep_due(now=at(2, 10, 1))
    response = queue_at(desk, at(2, 10, 40))
    assert sla_cells(response)[ticket.number] == "overdue by 40 min First response"
    assert sla_class(response, ticket.number) == "sla-breached"


def test_after_the_first_reply_the_resolution_clock_counts(desk, ticket, agent, committed):
    with committed(at(2, 9, 20)):
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="On it", public=True)
    response = queue_at(desk, at(2, 9, 50))
    assert sla_cells(response)[ticket.number] == "7 h 10 min left Resolution"


def test_paused_and_met_clocks(desk, ticket, agent, committed):
    with committed(at(2, 9, 20)):
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="pending",
                                  pending_reason="requester", comment="Which printer?")  # fmt: skip
    response = queue_at(desk, at(2, 12))
    assert sla_cells(response)[ticket.number].startswith("paused")
    assert sla_class(response, ticket.number) == "sla-paused"
    ticket.refresh_from_db()
    with committed(at(2, 12, 5)):
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                                  version=ticket.version, resolution_code="solved",
                                  resolution_notes="Cleared the jam.")  # fmt: skip
    response = queue_at(desk, at(2, 13), view="recent")
    assert sla_cells(response)[ticket.number] == "met"
    assert sla_class(response, ticket.number) == "sla-met"


def test_ticket_without_clocks_shows_a_dash(desk, requester, desk_default_team):
    SlaPolicy.objects.all().delete()
    other = make_ticket(requester, title="No SLA")
    assert sla_cells(desk.get(QUEUE, {"view": "open"}))[other.number] == "—"


def test_sla_column_adds_no_query_per_ticket(desk, always, requester, agent, desk_default_team,
                                             committed, django_assert_max_num_queries):  # fmt: skip
    with committed(at(2, 9)):
        for i in range(3):
            make_ticket(requester, impact=2, urgency=2, title=f"t{i}")
    with time_machine.travel(at(2, 9, 30), tick=False), django_assert_max_num_queries(20) as few:
        desk.get(QUEUE, {"view": "open"})
    with committed(at(2, 9)):
        for i in range(30):
            make_ticket(requester, impact=2, urgency=2, title=f"more {i}")
    with (
        time_machine.travel(at(2, 9, 30), tick=False),
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        response = desk.get(QUEUE, {"view": "open"})
    cells = sla_cells(response)
    assert len(cells) == 25 and set(cells.values()) == {"30 min left First response"}


# --- breaching soon ---------------------------------------------------------------------------


def test_breaching_soon_lists_due_and_overdue_tickets_soonest_first(
    desk, always, requester, agent, other_agent, other_team, desk_default_team, committed
):
    with committed(at(2, 6)):
        overdue = make_ticket(requester, impact=2, urgency=2, title="Overdue one")
    with committed(at(2, 9)):
        soon = make_ticket(requester, impact=2, urgency=2, title="Soon one")
        far = make_ticket(requester, impact=2, urgency=2, title="Answered one")
        hidden = make_ticket(requester, impact=2, urgency=2, title="Other team's")
        actions.comment_add(actor=agent, ticket_id=far.pk, body="Hi", public=True)
        actions.ticket_update(actor=agent, ticket_id=hidden.pk, version=hidden.version,
                              changes={"team": other_team.pk})  # fmt: skip
    sweep_due(now=at(2, 9, 30))
    with time_machine.travel(at(2, 9, 30), tick=False):
        response = desk.get(QUEUE, {"view": "breaching"})
    assert response.status_code == 200
    html = response.content.decode()
    listed = re.findall(r'<td class="num"><a href="[^"]+">([A-Z]{3}-\d+)</a>', html)
    # overdue (first response due 07:00), then due 10:00; the answered ticket's resolution
    # (due 17:00) is beyond 4 h; another team's ticket is not the agent's to see.
    assert listed == [overdue.number, soon.number]
    assert "overdue by 2 h 30 min" in html and "30 min left" in html
    assert 'aria-current="page">Breaching soon' in html
    assert hidden.number not in html and far.number not in html


def test_breaching_soon_says_so_when_nothing_is_due(desk, ticket, agent, committed):
    with committed(at(2, 9, 5)):  # answered: only the resolution clock (due 17:00) counts
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="On it", public=True)
    with time_machine.travel(at(2, 9, 10), tick=False):
        html = desk.get(QUEUE, {"view": "breaching"}).content.decode()
    assert ticket.number not in html
    assert "Nothing is close to its deadline." in html
    with time_machine.travel(at(2, 13, 30), tick=False):  # 3 h 30 min before 17:00
        html = desk.get(QUEUE, {"view": "breaching"}).content.decode()
    assert ticket.number in html and "3 h 30 min left" in html


# --- ticket page ------------------------------------------------------------------------------


def test_ticket_page_sla_card_in_the_agents_time_zone(desk, ticket, agent):
    agent.time_zone = "Europe/Madrid"
    agent.save()
    with time_machine.travel(at(2, 9, 15), tick=False):
        response = desk.get(reverse("desk:ticket", args=[ticket.number]))
    html = response.content.decode()
    card = html[html.index('id="sla"') : html.index("</section>", html.index('id="sla"'))]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))
    assert "First response" in text and "Resolution" in text
    assert "Target 1 h" in text and "Target 8 h" in text
    # Due 10:00 UTC = 11:00 in Madrid (CET, UTC+1 in March).
    assert 'datetime="2026-03-02T11:00:00+01:00"' in card
    assert "45 min left" in text and "7 h 45 min left" in text
    assert "Business time used 15 min" in text
    assert text.count("On track") == 2


def test_ticket_page_sla_card_shows_breach_time(desk, ticket):
    sweep_due(now=at(2, 10, 1))
    with time_machine.travel(at(2, 10, 30), tick=False):
        html = desk.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    card = html[html.index('id="sla"') :]
    assert "Breached" in card and 'datetime="2026-03-02T10:01:00+00:00"' in card
    assert "overdue by 30 min" in card


def test_ticket_page_without_clocks(desk, requester, desk_default_team):
    SlaPolicy.objects.all().delete()
    other = make_ticket(requester)
    html = desk.get(reverse("desk:ticket", args=[other.number])).content.decode()
    assert "No service level applies to this ticket." in html
