"""The iCalendar feed: private links (digest at rest, one active per person, revocable), the
same access rules and filters as the pages, stable UIDs, UTC times, blackouts as events."""

from __future__ import annotations

import hashlib

import icalendar
import pytest
import time_machine

from atiende.changes.calendar import actions as calendar_actions
from atiende.changes.models import CalendarFeedToken
from atiende.tickets.models import Status

from .calendar_support import T0, at, make_blackout, make_change

FEED = "/changes/calendar.ics"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(T0, tick=False):
        yield


def events(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in parsed.walk("VEVENT")}


def test_feed_with_a_token_lists_visible_changes_and_blackouts(client, agent, team, other_team):
    mine = make_change(agent, start=at(1), end=at(3), team=team, title="Patch ERP")
    requested = make_change(agent, start=at(1), end=at(3), team=other_team)
    blackout = make_blackout("Year end", start=at(0, days=20), end=at(0, days=25))
    issued = calendar_actions.feed_token_create(actor=agent)
    found = events(client.get(FEED, {"token": issued.secret}))
    event = found[f"change-{mine.pk}@testserver"]
    assert str(event["summary"]) == f"{mine.number} Patch ERP"
    assert event.decoded("dtstart") == at(1) and event.decoded("dtend") == at(3)
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["url"]).endswith(f"/{mine.number}/")
    assert f"blackout-{blackout.pk}@testserver" in found
    # Another team's change, but `agent` requested it: visible, as on the pages.
    assert f"change-{requested.pk}@testserver" in found


def test_feed_follows_the_token_owners_access(client, agent, other_agent, other_team, team):
    theirs = make_change(other_agent, start=at(1), end=at(2), team=other_team)
    ours = make_change(agent, start=at(1), end=at(2), team=team)
    issued = calendar_actions.feed_token_create(actor=other_agent)
    found = events(client.get(FEED, {"token": issued.secret}))
    assert f"change-{theirs.pk}@testserver" in found
    assert f"change-{ours.pk}@testserver" not in found


def test_feed_filters_and_cancelled_status(client, agent, team, other_team):
    a = make_change(agent, start=at(1), end=at(2), team=team)
    b = make_change(agent, start=at(1), end=at(2), team=other_team, status=Status.CANCELLED)
    secret = calendar_actions.feed_token_create(actor=agent).secret
    found = events(client.get(FEED, {"token": secret, "team": team.pk}))
    assert f"change-{a.pk}@testserver" in found and f"change-{b.pk}@testserver" not in found
    found = events(client.get(FEED, {"token": secret}))
    assert str(found[f"change-{b.pk}@testserver"]["status"]) == "CANCELLED"
    assert client.get(FEED, {"token": secret, "team": "nope"}).status_code == 400


def test_tokens_are_hashed_single_and_revocable(client, agent):
    first = calendar_actions.feed_token_create(actor=agent)
    stored = CalendarFeedToken.objects.get(pk=first.token.pk)
    assert stored.digest == hashlib.sha256(first.secret.encode()).hexdigest()
    assert first.secret not in (stored.digest, stored.prefix)
    second = calendar_actions.feed_token_create(actor=agent)
    assert client.get(FEED, {"token": first.secret}).status_code == 404
    assert client.get(FEED, {"token": second.secret}).status_code == 200
    calendar_actions.feed_token_revoke(actor=agent)
    assert client.get(FEED, {"token": second.secret}).status_code == 404
    assert client.get(FEED, {"token": "cal_guess"}).status_code == 404
    assert client.get(FEED).status_code == 404


def test_deactivated_or_demoted_owner_loses_the_feed(client, agent):
    secret = calendar_actions.feed_token_create(actor=agent).secret
    agent.role = "requester"
    agent.save()
    assert client.get(FEED, {"token": secret}).status_code == 404


def test_requesters_cannot_get_a_feed_link(requester):
    from atiende.core.errors import NotFound

    with pytest.raises(NotFound):
        calendar_actions.feed_token_create(actor=requester)


def test_subscribe_page_shows_the_link_once_and_revokes(client, agent):
    client.force_login(agent)
    assert client.get("/changes/calendar/subscribe/").status_code == 200
    response = client.post("/changes/calendar/subscribe/new/", {"q": "team=3"})
    body = response.content.decode()
    assert response.status_code == 200 and "calendar.ics?token=cal_" in body
    assert "&amp;team=3" in body and "webcal://" in body
    page = client.get("/changes/calendar/subscribe/").content.decode()
    assert "calendar.ics?token=" not in page  # shown once only
    response = client.post("/changes/calendar/subscribe/revoke/")
    assert response.status_code == 302
    assert not CalendarFeedToken.objects.filter(user=agent, revoked_at__isnull=True).exists()


def test_signed_in_agents_can_open_the_feed_without_a_token(client, agent):
    change = make_change(agent, start=at(1), end=at(2))
    client.force_login(agent)
    assert f"change-{change.pk}@testserver" in events(client.get(FEED))
