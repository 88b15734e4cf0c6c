"""Service levels in the portal: when the requester can expect an answer and a solution,
in plain words and their time zone; gentle words when late; nothing internal."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from atiende.sla.actions import sweep_due
from atiende.sla.models import BusinessCalendar, SlaPolicy
from atiende.tickets import actions

from ...factories import make_ticket
from ...sla.conftest import at, make_policy

TARGETS = {3: (60, 480, None)}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    from ...sla.conftest import committed as fixture

    return fixture.__wrapped__(django_capture_on_commit_callbacks)


@pytest.fixture
def ticket(requester, agent, desk_default_team, committed):
    SlaPolicy.objects.all().delete()
    calendar = BusinessCalendar.objects.create(name="Always", time_zone="UTC", is_24x7=True)
    make_policy(calendar, name="Gold secret policy", targets=TARGETS)
    with committed(at(2, 9)):
        return make_ticket(requester, impact=2, urgency=2)


@pytest.fixture
def portal(client, requester):
    client.force_login(requester)
    return client


def page_text(portal, ticket, when) -> str:
    with time_machine.travel(when, tick=False):
        response = portal.get(reverse("portal:ticket", args=[ticket.number]))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_expected_response_and_resolution_in_the_requesters_time_zone(portal, ticket,
                                                                     requester):  # fmt: skip
    requester.time_zone = "America/Mexico_City"  # UTC-6
    requester.save()
    text = page_text(portal, ticket, at(2, 9, 10))
    assert "We aim to respond by 2 March 2026, 04:00" in text  # 10:00 UTC
    assert "We aim to resolve this by 2 March 2026, 11:00" in text  # 17:00 UTC
    assert "Gold secret policy" not in text


def test_after_the_first_answer_only_the_resolution_is_promised(portal, ticket, agent,
                                                              committed):  # fmt: skip
    with committed(at(2, 9, 20)):
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Looking", public=True)
    text = page_text(portal, ticket, at(2, 9, 30))
    assert "We aim to respond" not in text
    assert "We aim to resolve this by 2 March 2026, 17:00" in text


def test_paused_while_waiting_for_the_requester(portal, ticket, agent, committed):
    with committed(at(2, 9, 20)):
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="pending",
                                  pending_reason="requester", comment="Which floor?")  # fmt: skip
    text = page_text(portal, ticket, at(2, 12))
    assert text.count("Our clock is paused while we wait for your answer.") == 1
    assert "We aim to" not in text


def test_late_is_said_gently_never_breached(portal, ticket):
    sweep_due(now=at(2, 10, 1))
    text = page_text(portal, ticket, at(2, 10, 30))
    assert "We are taking longer than we aimed to answer you. Sorry — we are on it." in text
    assert "We aim to resolve this by" in text
    assert "breach" not in text.lower() and "overdue" not in text.lower()


def test_nothing_promised_once_resolved(portal, ticket, agent, committed):
    with committed(at(2, 9, 30)):
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                                  version=ticket.version, resolution_code="solved",
                                  resolution_notes="Replaced the toner.")  # fmt: skip
    assert "We aim to" not in page_text(portal, ticket, at(2, 10))


def test_no_service_level_no_promise(portal, requester, desk_default_team):
    SlaPolicy.objects.all().delete()
    other = make_ticket(requester)
    assert "We aim to" not in page_text(portal, other, at(2, 10))
