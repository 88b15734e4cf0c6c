"""CSAT and response rate, per agent, team, category and service, scoped by the one access
rule; the drill-down to the responses; the same over the API; the settings page."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.audit.models import AuditEntry
from atiende.cmdb.models import CiClass, ConfigurationItem, TicketItem
from atiende.core import clock
from atiende.surveys import actions, selectors
from atiende.surveys.models import SurveyInvitation, SurveySettings

from ..api.conftest import ApiClient, assert_error
from ..factories import CategoryFactory, RequesterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(finish, survey_settings, agent):
    """Four surveys of the agent's team: ratings 5, 4, 2 and one unanswered; the 2 answered
    twice (first 5, then 2: counted once, as 2)."""
    category = CategoryFactory(name="Printers")
    service = ConfigurationItem.objects.create(
        name="Printing",
        ci_class=CiClass.BUSINESS_SERVICE,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    tickets = []
    for rating in (5, 4, (5, 2), None):
        person = RequesterFactory()
        ticket = finish(person, category_id=category.pk)
        TicketItem.objects.create(ticket=ticket, item=service, created_at=clock.now())
        survey = SurveyInvitation.objects.get(ticket=ticket)
        for value in rating if isinstance(rating, tuple) else ([rating] if rating else []):
            actions.answer(actor=person, invitation_id=survey.pk, rating=value)
        tickets.append(ticket)
    return {"category": category, "service": service, "tickets": tickets}


def test_the_figures_by_each_dimension(answered, agent, team):
    for by, key in (("agent", agent.pk), ("team", team.pk), ("category", answered["category"].pk),
                    ("service", answered["service"].pk)):  # fmt: skip
        summary = selectors.csat_summary(agent, by=by)
        assert (summary["sent"], summary["responses"], summary["satisfied"]) == (4, 3, 2)
        assert summary["csat"] == 66.7 and summary["response_rate"] == 75.0
        assert [(r["key"], r["sent"], r["responses"], r["csat"]) for r in summary["rows"]] == [
            (key, 4, 3, 66.7)
        ], by


def test_an_agent_counts_only_what_they_may_see(answered, other_agent, admin_user):
    assert selectors.csat_summary(other_agent)["sent"] == 0
    assert selectors.csat_summary(other_agent, by="team")["rows"] == []
    assert selectors.csat_summary(admin_user)["sent"] == 4
    assert list(selectors.responses_visible_to(other_agent)) == []


def test_no_surveys_no_score(agent):
    summary = selectors.csat_summary(agent)
    assert summary["csat"] is None and summary["response_rate"] is None


def test_the_results_page_and_its_drill_down(answered, agent, team):
    client = Client()
    client.force_login(agent)
    page = client.get("/surveys/?by=team")
    assert page.status_code == 200
    html = page.content.decode()
    assert "66.7" in html and team.name in html
    drill = client.get(f"/surveys/responses/?team={team.pk}")
    assert drill.status_code == 200
    assert all(t.number in drill.content.decode() for t in answered["tickets"][:3])
    assert answered["tickets"][3].number not in drill.content.decode()
    assert client.get("/surveys/?start=2026-13-45").status_code == 400


def test_requesters_have_no_results_page(requester):
    client = Client()
    client.force_login(requester)
    assert client.get("/surveys/").status_code == 302


def test_the_api_summary_and_responses(answered, agent, other_agent, requester):
    api = ApiClient(agent)
    summary = api.get("/surveys/summary", {"by": "category"})
    assert summary.status_code == 200
    body = summary.json()
    assert body["csat"] == 66.7 and body["rows"][0]["label"] == "Printers"
    poor = api.get("/surveys/responses", {"rating": 2})
    assert poor.status_code == 200 and [i["rating"] for i in poor.json()["items"]] == [2]
    assert poor.json()["items"][0]["follow_up"] == "open"
    assert ApiClient(other_agent).get("/surveys/responses").json()["items"] == []
    assert_error(api.get("/surveys/summary", {"by": "planet"}), 422, "by")
    assert_error(api.get("/surveys/summary", {"start": "2026-02-30"}), 422, "start")
    assert_error(ApiClient(requester).get("/surveys/summary"), 403)


def test_managers_edit_the_settings_page(manager, agent, team):
    client = Client()
    client.force_login(manager)
    assert client.get("/surveys/settings/").status_code == 200
    saved = client.post("/surveys/settings/", {
        "enabled": "on", "kinds": ["incident", "request"], "teams": [team.pk],
        "delay_hours": "2", "min_days_between": "30", "answer_days": "7",
    })  # fmt: skip
    assert saved.status_code == 302
    config = SurveySettings.load()
    assert config.kinds == ["incident", "request"] and list(config.teams.all()) == [team]
    assert (config.delay_hours, config.min_days_between, config.answer_days) == (2, 30, 7)
    assert AuditEntry.objects.filter(object_id=str(config.pk)).exists()
    bad = client.post("/surveys/settings/", {"kinds": ["planet"], "delay_hours": "-1",
                                             "min_days_between": "x", "answer_days": "0"})  # fmt: skip
    assert bad.status_code == 422
    assert SurveySettings.load().delay_hours == 2
    agent_client = Client()
    agent_client.force_login(agent)
    assert agent_client.get("/surveys/settings/").status_code == 403


def test_managers_keep_the_settings_in_the_admin_too(manager):
    client = Client()
    client.force_login(manager)
    SurveySettings.load()
    page = client.get("/admin/surveys/surveysettings/1/change/")
    assert page.status_code == 200
    assert 'type="checkbox" name="kinds" value="incident"' in page.content.decode()
    assert client.get("/admin/surveys/surveyresponse/").status_code == 200


def test_the_previous_period_for_comparison(answered, agent):
    from datetime import timedelta

    now = clock.now()
    filters = selectors.Filters(start=now + timedelta(minutes=1), end=now + timedelta(days=1))
    summary = selectors.csat_summary(agent, filters=filters, previous=True)
    assert summary["sent"] == 0 and summary["csat"] is None
    before = summary["previous"]
    assert (before["sent"], before["responses"], before["csat"]) == (4, 3, 66.7)
    assert before["end"] < filters.start and before["end"] - before["start"] < timedelta(days=1)
    api = ApiClient(agent).get("/surveys/summary", {"previous": "true"})
    assert api.status_code == 200 and api.json()["previous"]["sent"] == 0
    assert api.json()["sent"] == 4


def test_the_answers_as_csv(answered, agent, other_agent, team):
    import csv
    import io

    client = Client()
    client.force_login(agent)
    response = client.get(f"/surveys/responses.csv?team={team.pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["ticket", "title", "rating"]
    assert sorted(r[2] for r in rows[1:]) == ["2", "4", "5"]
    stranger = Client()
    stranger.force_login(other_agent)
    other = b"".join(stranger.get("/surveys/responses.csv").streaming_content).decode("utf-8-sig")
    assert other.strip().count("\n") == 0  # the header alone
    assert client.get("/surveys/responses.csv?start=nonsense").status_code == 400
