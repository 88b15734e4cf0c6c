"""Canned responses: who sees which (personal to its owner, team to its members, global to
every agent, none to requesters), the placeholders filled in safely from a fixed whitelist
(never a template engine on user text), the keyboard search endpoint and the desk page."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from atiende.canned import actions, placeholders, selectors
from atiende.canned.models import CannedResponse, Scope
from atiende.core.errors import Forbidden, NotFound, ValidationFailed

from ..api.conftest import ApiClient, assert_error
from ..factories import AgentFactory, add_to_team, make_ticket


@pytest.fixture
def responses(agent, other_agent, team, other_team):
    mine = actions.personal_create(actor=agent, title="Mine", body="Hi {{requester.first_name}}")
    theirs = actions.personal_create(actor=other_agent, title="Theirs", body="Private")
    ours = CannedResponse.objects.create(title="Ours", body="Team", scope=Scope.TEAM, team=team)
    other = CannedResponse.objects.create(
        title="Other team", body="Other", scope=Scope.TEAM, team=other_team
    )
    everyone = CannedResponse.objects.create(title="Everyone", body="All", scope=Scope.GLOBAL)
    return {"mine": mine, "theirs": theirs, "ours": ours, "other": other, "all": everyone}


def test_scoping_personal_team_and_global(agent, other_agent, requester, responses):
    seen = set(selectors.responses_visible_to(agent))
    assert seen == {responses["mine"], responses["ours"], responses["all"]}
    assert set(selectors.responses_visible_to(other_agent)) == {
        responses["theirs"], responses["other"], responses["all"],
    }  # fmt: skip
    assert not selectors.responses_visible_to(requester).exists()


def test_joining_a_team_shows_its_responses(other_agent, team, responses):
    add_to_team(other_agent, team)
    assert responses["ours"] in selectors.responses_visible_to(other_agent)


def test_search_puts_own_first_and_is_bounded(agent, responses):
    for n in range(15):
        CannedResponse.objects.create(title=f"Bulk {n}", body="x", scope=Scope.GLOBAL)
    found = selectors.search(agent, "")
    assert len(found) == selectors.SEARCH_LIMIT
    assert found[0] == responses["mine"] and found[1] == responses["ours"]
    assert selectors.search(agent, "team") == [responses["ours"]]  # in the text


def test_a_personal_response_is_edited_only_by_its_owner(agent, other_agent, responses):
    with pytest.raises(NotFound):
        actions.personal_update(
            actor=other_agent, response_id=responses["mine"].pk, title="x", body="y",
            language="any",
        )  # fmt: skip
    with pytest.raises(NotFound):
        actions.personal_delete(actor=agent, response_id=responses["ours"].pk)
    assert CannedResponse.objects.filter(pk=responses["ours"].pk).exists()


def test_requesters_cannot_keep_responses_and_bad_input_is_refused(agent, requester):
    with pytest.raises(Forbidden):
        actions.personal_create(actor=requester, title="x", body="y")
    with pytest.raises(ValidationFailed) as caught:
        actions.personal_create(actor=agent, title=" ", body="", language="fr")
    assert set(caught.value.errors) == {"title", "body", "language"}
    assert not CannedResponse.objects.exists()


def test_the_database_refuses_a_scope_without_its_owner_or_team(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        CannedResponse.objects.create(title="x", body="y", scope=Scope.PERSONAL)


# --- placeholders -------------------------------------------------------------------------------


def test_placeholders_come_from_a_fixed_whitelist(agent, requester, desk_default_team):
    requester.first_name = "Ana"
    requester.save()
    ticket = make_ticket(requester, title="Printer")
    text = (
        "Hola {{requester.first_name}}, {{ ticket.number }} ({{ticket.title}}). "
        "{{agent.first_name}} {{ requester.password }} {{settings.SECRET_KEY}} "
        "{% load log %}{{ request.user }} {{ticket.number|upper}}"
    )
    out = placeholders.render(text, ticket=ticket, agent=agent)
    assert out.startswith(f"Hola Ana, {ticket.number} (Printer). ")
    # Anything outside the whitelist stays exactly as written: no template engine runs.
    assert "{{ requester.password }} {{settings.SECRET_KEY}} {% load log %}" in out
    assert "{{ request.user }} {{ticket.number|upper}}" in out


def test_a_value_with_braces_is_not_read_again(agent, requester, desk_default_team):
    ticket = make_ticket(requester, title="{{agent.name}} {% debug %}")
    out = placeholders.render("{{ticket.title}}", ticket=ticket, agent=agent)
    assert out == "{{agent.name}} {% debug %}"


# --- the search endpoint ------------------------------------------------------------------------


def test_endpoint_fills_placeholders_for_a_visible_ticket_in_few_queries(
    agent, requester, desk_default_team, responses
):
    requester.first_name = "Ana"
    requester.save()
    ticket = make_ticket(requester)
    client = Client()
    client.force_login(agent)
    from django.db import connection

    url = reverse("api:canned_search")
    client.get(url)  # warm the session and the token-less path
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url, {"q": "mine", "ticket": ticket.number})
    assert answer.status_code == 200, answer.content
    assert [r["body"] for r in answer.json()] == ["Hi Ana"]
    # session + user, the ticket, the team ids, the responses: never one per response.
    assert len(captured) <= 6, [q["sql"] for q in captured]


def test_endpoint_is_for_agents_and_tickets_they_see(
    agent, other_agent, requester, desk_default_team, responses
):
    ticket = make_ticket(requester)
    assert_error(ApiClient(requester).get("/canned-responses"), 403)
    assert_error(ApiClient(other_agent).get(f"/canned-responses?ticket={ticket.pk}"), 404)
    assert_error(ApiClient(agent).get("/canned-responses?ticket=nope"), 422)
    assert_error(ApiClient(agent).get("/canned-responses?limit=500"), 422)
    titles = [r["title"] for r in ApiClient(agent).get("/canned-responses").json()]
    assert "Theirs" not in titles and "Other team" not in titles


def test_language_variants(agent, requester, desk_default_team):
    es = actions.personal_create(actor=agent, title="Saludo", body="Hola", language="es")
    en = actions.personal_create(actor=agent, title="Greeting", body="Hello", language="en")
    assert selectors.search(agent, "", language="es") == [es]
    assert set(selectors.search(agent, "")) == {es, en}
    requester.language = "en"
    requester.save()
    ticket = make_ticket(requester)
    assert [r.pk for r, _ in selectors.search_for_ticket(agent, "", ticket_ref=ticket.pk)] == [
        en.pk
    ]


# --- the desk ------------------------------------------------------------------------------------


def test_desk_page_manages_own_responses(agent, other_agent, requester, responses):
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("canned:list")).content.decode()
    assert "Mine" in page and "Ours" in page and "Theirs" not in page
    bad = client.post(reverse("canned:list"), {"title": "", "language": "any", "body": ""})
    assert bad.status_code == 422
    ok = client.post(reverse("canned:list"), {"title": "New", "language": "es", "body": "Hola"})
    assert ok.status_code == 302
    assert CannedResponse.objects.get(title="New").owner == agent
    theirs = reverse("canned:edit", args=[responses["theirs"].pk])
    assert client.get(theirs).status_code == 404
    assert client.post(reverse("canned:delete", args=[responses["theirs"].pk])).status_code == 404
    requester_client = Client()
    requester_client.force_login(requester)
    assert requester_client.get(reverse("canned:list")).status_code == 302  # to the portal


def test_reply_box_has_the_picker_hook(agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert "data-canned-picker" in page and f'data-ticket="{ticket.number}"' in page
    assert "canned/canned.js" in page


def test_managers_keep_shared_responses_in_the_admin_audited(manager, team):
    from atiende.audit.models import AuditEntry

    client = Client()
    client.force_login(manager)
    url = reverse("admin:canned_cannedresponse_add")
    missing_team = {"title": "T", "language": "any", "scope": "team", "team": "", "body": "b"}
    assert client.post(url, missing_team).status_code == 200  # the form again, with the error
    response = client.post(url, {**missing_team, "team": team.pk})
    assert response.status_code == 302, response.content
    assert CannedResponse.objects.get(title="T").team == team
    assert AuditEntry.objects.exists()
    personal = CannedResponse.objects.create(
        title="P", body="b", scope=Scope.PERSONAL, owner=AgentFactory()
    )
    listing = client.get(reverse("admin:canned_cannedresponse_changelist")).content.decode()
    assert reverse("admin:canned_cannedresponse_change", args=[personal.pk]) not in listing
    shared = CannedResponse.objects.get(title="T")
    assert reverse("admin:canned_cannedresponse_change", args=[shared.pk]) in listing
