"""The calendar pages: month, week and list, filters, access, blackouts, conflicts, caps."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from atiende.changes import conflicts
from atiende.changes.models import ChangeType
from atiende.tickets.models import Status

from .calendar_support import T0, at, make_blackout, make_change, small_estate

URL = "/changes/calendar/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def estate(db):
    return small_estate()


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_requesters_get_404_and_anonymous_users_sign_in(client, requester):
    assert client.get(URL).status_code == 302
    assert page(client, requester).status_code == 404
    assert client.get(reverse("changes:cab")).status_code == 404


def test_month_shows_changes_on_their_days_with_links(client, agent, team, estate):
    change = make_change(agent, start=at(1), end=at(3), team=team, items=[estate["erp_db"]])
    response = page(client, agent, date="2026-12-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert change.number in body and "December 2026" in body
    assert f'/{change.number}/"' in body  # links to the change's page
    assert 'aria-current="date"' in body  # today (7 December) is marked


def test_month_caps_each_day_and_counts_the_rest(client, agent):
    for n in range(5):
        make_change(agent, start=at(n), end=at(n + 1), title=f"Change {n}")
    body = page(client, agent, view="month", date="2026-12-07").content.decode()
    assert "Change 0" in body and "Change 2" in body and "Change 3" not in body
    assert "+2 more" in body
    assert "?view=list&amp;date=2026-12-07" in body


def test_week_and_list_views(client, agent):
    make_change(agent, start=at(1), end=at(2), title="Rotate certificates")
    make_change(agent, start=at(1, days=8), end=at(2, days=8), title="Next week")
    week = page(client, agent, view="week", date="2026-12-09").content.decode()
    assert "Rotate certificates" in week and "Next week" not in week
    listed = page(client, agent, view="list", date="2026-12-07").content.decode()
    assert "Rotate certificates" in listed and "Next week" not in listed
    assert "Monday, December 7, 2026" in listed or "Monday" in listed


def test_navigation_keeps_filters(client, agent, team):
    body = page(client, agent, view="week", date="2026-12-09", team=team.pk).content.decode()
    assert f"?view=week&amp;date=2026-12-02&amp;team={team.pk}" in body  # previous
    assert f"?view=week&amp;date=2026-12-16&amp;team={team.pk}" in body  # next
    assert 'data-cal-key="t"' in body


def test_filters_by_team_type_status_and_service(client, agent, team, other_team, estate):
    ours = make_change(agent, start=at(1), end=at(2), team=team, title="Ours",
                       items=[estate["erp_db"]])  # fmt: skip
    theirs = make_change(
        agent, start=at(1), end=at(2), team=other_team, title="Theirs",
        change_type=ChangeType.EMERGENCY, status=Status.AUTHORISATION, items=[estate["printer"]],
    )  # fmt: skip
    by_team = page(client, agent, team=team.pk).content.decode()
    assert ours.number in by_team and theirs.number not in by_team
    by_type = page(client, agent, type="emergency").content.decode()
    assert theirs.number in by_type and ours.number not in by_type
    by_status = page(client, agent, status="authorisation").content.decode()
    assert theirs.number in by_status and ours.number not in by_status
    by_service = page(client, agent, service=estate["erp"].pk).content.decode()
    assert ours.number in by_service and theirs.number not in by_service


def test_cancelled_changes_are_hidden_unless_asked_for(client, agent):
    gone = make_change(agent, start=at(1), end=at(2), status=Status.CANCELLED)
    assert gone.number not in page(client, agent).content.decode()
    assert gone.number in page(client, agent, status="cancelled").content.decode()


def test_agents_see_only_the_changes_they_may_see(client, agent, other_agent, other_team):
    hidden = make_change(other_agent, start=at(1), end=at(2), team=other_team)
    assert hidden.number not in page(client, agent).content.decode()
    assert hidden.number in page(client, other_agent).content.decode()


def test_conflicts_and_blackouts_are_visible(client, agent, estate):
    a = make_change(agent, start=at(1), end=at(3), items=[estate["erp_db"]])
    make_change(agent, start=at(2), end=at(4), items=[estate["erp_db"]])
    conflicts.refresh(a.pk)
    make_blackout("Christmas freeze", start=at(0, days=14), end=at(0, days=20), reason="Peak")
    body = page(client, agent).content.decode()
    assert body.count("has-conflict") >= 2
    assert "Christmas freeze" in body and "is-blackout" in body


@pytest.mark.parametrize(
    "params", [{"date": "2026-13-01"}, {"view": "year"}, {"team": "x"}, {"service": "999999"}]
)
def test_bad_parameters_answer_400_with_the_field(client, agent, params):
    response = page(client, agent, **params)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()


def test_month_query_count_does_not_grow(client, agent, estate, django_assert_max_num_queries):
    for n in range(40):
        make_change(agent, start=at(n % 24, days=n % 20), end=at(n % 24 + 2, days=n % 20),
                    items=[estate["erp_db"]])  # fmt: skip
    client.force_login(agent)
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"date": "2026-12-01"})
    assert response.status_code == 200


def test_a_long_change_shows_on_every_day_it_covers(client, agent):
    long = make_change(agent, start=at(0, days=-20), end=at(0, days=3), title="Data centre move")
    body = page(client, agent, view="week", date="2026-12-09").content.decode()
    # 7 to 10 December: four days of the week, each with the change in its column.
    assert body.count(f'<span class="cal-number">{long.number}</span>') == 4


def test_the_pickers_list_services_and_teams_and_keep_the_chosen_one(client, agent, team, estate):
    erp = estate["erp"]
    body = page(client, agent, date="2026-12-01", service=erp.pk, team=team.pk).content.decode()
    assert f'<option value="{erp.pk}" selected>{erp.name}</option>' in body
    assert f'<option value="{team.pk}" selected>{team.name}</option>' in body
    mail = estate["mail"]
    assert f'<option value="{mail.pk}">{mail.name}</option>' in body  # listed, not chosen


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-13-45", "9" * 5000])
@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_a_day_the_calendar_cannot_show_is_a_400_with_a_message(agent, view, day):
    # Year 9999's month grid ran past the last date Python has: a 500.
    client = Client()
    client.force_login(agent)
    response = client.get("/changes/calendar/", {"view": view, "date": day})
    assert response.status_code == 400
    assert response.context["form"].errors["date"]


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
def test_the_first_and_last_allowed_days_are_shown(agent, day):
    client = Client()
    client.force_login(agent)
    for view in ("month", "week", "list"):
        assert client.get("/changes/calendar/", {"view": view, "date": day}).status_code == 200
