"""Known errors: a problem's workaround article, linked and unlinked by agents from the
problem's desk page and the API, shown on the problem's page and on the pages of the tickets
linked to it, never to requesters; bad input is a 4xx that writes nothing."""

from __future__ import annotations

import pytest

from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.knowledge import actions, selectors
from atiende.knowledge.models import Audience, KnownError, Status
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import LinkType, TicketEvent

from ..api.conftest import ApiClient, assert_error
from ..factories import make_ticket
from .conftest import publish


@pytest.fixture
def workaround(agent, manager):
    article = actions.article_create(
        actor=agent,
        title="VPN drops every hour: workaround",
        body="Reconnect with the backup profile until the firewall is patched.",
        language="en",
        audience=Audience.AGENTS,
    )
    return publish(manager, article)


@pytest.fixture
def problem(agent, requester, desk_default_team):
    return make_ticket(
        requester, actor=agent, kind="problem", title="VPN drops", description="Every hour."
    )


@pytest.fixture
def incident(agent, requester, problem, desk_default_team):
    ticket = make_ticket(requester, title="My VPN dropped again")
    ticket_actions.ticket_link_add(
        actor=agent, ticket_id=ticket.pk, other=problem.number, link_type=LinkType.CAUSED_BY
    )
    return ticket


def test_link_replace_unlink_with_timeline(agent, manager, problem, workaround):
    row = actions.known_error_link(actor=agent, ticket_id=problem.pk, article_id=workaround.pk)
    assert KnownError.objects.get(problem=problem).article == workaround == row.article
    other = publish(
        manager,
        actions.article_create(actor=agent, title="Better workaround", body="x", language="en"),
    )
    actions.known_error_link(actor=agent, ticket_id=problem.pk, article_id=other.pk)
    assert KnownError.objects.get(problem=problem).article == other
    assert KnownError.objects.count() == 1
    assert actions.known_error_unlink(actor=agent, ticket_id=problem.pk) is True
    assert not KnownError.objects.exists()
    assert actions.known_error_unlink(actor=agent, ticket_id=problem.pk) is False
    entries = list(
        TicketEvent.objects.filter(ticket=problem, field="known_error")
        .order_by("id")
        .values_list("old_value", "new_value", "public")
    )
    assert entries == [
        ("", workaround.title, False),
        (workaround.title, "Better workaround", False),
        ("Better workaround", "", False),
    ]


def test_refusals_write_nothing(agent, requester, manager, problem, incident, workaround):
    before = TicketEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        actions.known_error_link(actor=agent, ticket_id=incident.pk, article_id=workaround.pk)
    assert "ticket" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        actions.known_error_link(actor=agent, ticket_id=problem.pk, article_id=999_999)
    assert "article" in exc.value.errors
    actions.article_transition(actor=manager, article_id=workaround.pk, to=Status.ARCHIVED)
    with pytest.raises(ValidationFailed):
        actions.known_error_link(actor=agent, ticket_id=problem.pk, article_id=workaround.pk)
    with pytest.raises(Forbidden):
        actions.known_error_link(actor=requester, ticket_id=problem.pk, article_id=workaround.pk)
    with pytest.raises(NotFound):
        actions.known_error_link(actor=agent, ticket_id=999_999, article_id=workaround.pk)
    assert not KnownError.objects.exists()
    assert TicketEvent.objects.count() == before


def test_shown_on_the_problem_and_its_linked_tickets(
    agent, requester, problem, incident, workaround, client
):
    unrelated = make_ticket(requester, title="Printer")
    actions.known_error_link(actor=agent, ticket_id=problem.pk, article_id=workaround.pk)
    found = selectors.known_errors_for_tickets(agent, [problem, incident, unrelated])
    assert [k.article_id for k in found[problem.pk]] == [workaround.pk]
    assert [k.problem_id for k in found[incident.pk]] == [problem.pk]
    assert unrelated.pk not in found
    assert selectors.known_errors_for_tickets(requester, [incident]) == {}

    client.force_login(agent)
    page = client.get(f"/desk/tickets/{problem.number}/").content.decode()
    assert 'id="known-error"' in page and workaround.title in page
    assert f"/desk/kb/ticket/{problem.number}/known-error/" in page  # link/unlink forms
    page = client.get(f"/desk/tickets/{incident.number}/").content.decode()
    assert workaround.title in page and f"Problem {problem.number}" in page
    page = client.get(f"/desk/tickets/{unrelated.number}/").content.decode()
    assert 'id="known-error"' not in page
    article_page = client.get(f"/desk/kb/{workaround.pk}/").content.decode()
    assert problem.number in article_page

    client.force_login(requester)
    portal = client.get(f"/portal/tickets/{incident.number}/").content.decode()
    assert workaround.title not in portal and "known-error" not in portal


def test_one_query_on_the_ticket_page(
    agent, problem, incident, workaround, django_assert_num_queries
):
    actions.known_error_link(actor=agent, ticket_id=problem.pk, article_id=workaround.pk)
    with django_assert_num_queries(1):
        rows = selectors.known_errors_for_tickets(agent, [incident])[incident.pk]
    with django_assert_num_queries(0):
        assert rows[0].problem.number == problem.number and rows[0].article.title


def test_desk_link_and_unlink(agent, problem, workaround, client):
    client.force_login(agent)
    url = f"/desk/kb/ticket/{problem.number}/known-error/"
    response = client.post(url, {"article": f"http://desk.example/kb/{workaround.pk}/"})
    assert response.status_code == 302 and response["Location"].endswith("#known-error")
    assert KnownError.objects.get(problem=problem).article_id == workaround.pk
    response = client.post(url, {"remove": "1"})
    assert response.status_code == 302 and not KnownError.objects.exists()
    bad = client.post(url, {"article": "nothing here"})
    assert bad.status_code == 422 and "No such article." in bad.content.decode()
    assert not KnownError.objects.exists()


def test_desk_write_the_known_error_article(agent, problem, client):
    client.force_login(agent)
    form = client.get("/desk/kb/new/", {"known_error_for": problem.number}).content.decode()
    assert "VPN drops" in form and 'name="known_error_for"' in form
    response = client.post(
        "/desk/kb/new/",
        {
            "known_error_for": problem.number,
            "title": "VPN drops: workaround",
            "language": "en",
            "body": "## Workaround\n\nUse the backup profile.",
            "audience": "agents",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = KnownError.objects.select_related("article").get(problem=problem)
    assert row.article.title == "VPN drops: workaround"


def test_api(agent, requester, problem, incident, workaround):
    api = ApiClient(agent)
    response = api._json(
        "put", f"/tickets/{problem.number}/known-error", {"article": workaround.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["article"]["id"] == workaround.pk
    listed = api.get(f"/tickets/{incident.pk}/known-errors").json()
    assert [k["problem"]["number"] for k in listed] == [problem.number]
    detail = api.get(f"/articles/{workaround.pk}").json()
    assert detail["known_error_of"] == [problem.number]
    # Bad input: 422 on the field, nothing written.
    assert_error(
        api._json("put", f"/tickets/{incident.pk}/known-error", {"article": workaround.pk}),
        422,
        "ticket",
    )
    assert_error(api._json("put", f"/tickets/{problem.pk}/known-error", {"article": "x"}), 422)
    assert_error(
        api._json("put", f"/tickets/{problem.pk}/known-error", {"article": 999_999}), 422, "article"
    )
    assert_error(
        api._json("put", f"/tickets/{problem.pk}/known-error", {"article": 1, "x": 1}), 422
    )
    assert_error(api.get("/tickets/INC-999999/known-errors"), 404)
    assert KnownError.objects.get(problem=problem).article_id == workaround.pk
    # Requesters: the desk's, not theirs (their own ticket: 403; the internal article: 404).
    mine = ApiClient(requester)
    assert_error(mine.get(f"/tickets/{incident.pk}/known-errors"), 403)
    assert_error(mine.delete(f"/tickets/{incident.pk}/known-error"), 403)
    assert mine.get(f"/articles/{workaround.pk}").status_code == 404
    assert api.delete(f"/tickets/{problem.pk}/known-error").status_code == 204
    assert not KnownError.objects.exists()
