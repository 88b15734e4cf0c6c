"""The notifications page, the unread badge in the top bar and the notifications API:
each person reads and marks only their own."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from atiende.notifications import actions
from atiende.notifications.models import Notification

from ..api.conftest import ApiClient
from ..factories import make_ticket
from ..sla.conftest import at

PARAMS = {"clock": "resolution", "deadline": "17:00"}


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester, title="Printer jam")


def notify(user, ticket, verb="sla_warning", when=at(2, 9)):
    with time_machine.travel(when, tick=False):
        (note,) = actions.notify(user_ids=[user.pk], verb=verb, ticket_id=ticket.pk,
                                 params={**PARAMS, "number": ticket.number})  # fmt: skip
    return note


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def badge(response) -> str | None:
    found = re.search(r'<span class="badge-count"[^>]*>(\d+)</span>', response.content.decode())
    return found.group(1) if found else None


# --- page ---------------------------------------------------------------------------------------


def test_page_lists_own_notifications_newest_first_with_desk_links(client, agent, manager,
                                                                   ticket):  # fmt: skip
    notify(agent, ticket, "sla_warning", at(2, 9))
    notify(agent, ticket, "sla_breach", at(2, 10))
    notify(manager, ticket, "sla_breach", at(2, 11))  # someone else's
    client.force_login(agent)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    page = text(response)
    breach = f"{ticket.number}: the resolution target was missed (due 17:00)."
    warning = f"{ticket.number}: the resolution target is about to be missed (due 17:00)."
    assert page.index(breach) < page.index(warning)
    assert page.count(ticket.number + ":") == 2
    assert "2 unread" in page
    assert badge(response) == "2"
    newest = Notification.objects.filter(user=agent).first()
    assert (
        f'action="{reverse("notifications:read", args=[newest.pk])}"' in response.content.decode()
    )


def test_open_marks_read_and_goes_to_the_desk_or_portal(client, agent, requester, ticket):
    note = notify(agent, ticket)
    client.force_login(agent)
    response = client.post(reverse("notifications:read", args=[note.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket", args=[ticket.number])
    note.refresh_from_db()
    assert note.read_at is not None
    # Read: the page now links to the ticket directly, and the badge is gone.
    response = client.get(reverse("notifications:list"))
    assert f'href="{reverse("desk:ticket", args=[ticket.number])}"' in response.content.decode()
    assert badge(response) is None

    mine = notify(requester, ticket)
    client.force_login(requester)
    response = client.post(reverse("notifications:read", args=[mine.pk]), {"open": "1"})
    assert response["Location"] == reverse("portal:ticket", args=[ticket.number])


def test_mark_one_and_all_read(client, agent, manager, ticket):
    first, *_ = [notify(agent, ticket) for _ in range(3)]
    others = notify(manager, ticket)
    client.force_login(agent)
    response = client.post(reverse("notifications:read", args=[first.pk]))
    assert response.status_code == 302
    assert badge(client.get(reverse("desk:queue"))) == "2"
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=agent, read_at__isnull=True).exists()
    others.refresh_from_db()
    assert others.read_at is None  # only one's own
    assert badge(client.get(reverse("desk:queue"))) is None


def test_someone_elses_notification_is_a_404(client, agent, manager, ticket):
    theirs = notify(manager, ticket)
    client.force_login(agent)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:read", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_page_needs_sign_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_badge_is_one_count_query_and_requesters_see_it_too(client, requester, ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notify(requester, ticket)
    client.force_login(requester)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:home"))
    assert badge(response) == "1"
    counts = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_own_notifications_paginated(agent, manager, ticket):
    for hour in range(9, 14):
        notify(agent, ticket, when=at(2, hour))
    notify(manager, ticket)
    api = ApiClient(agent)
    body = api.get("/notifications", {"limit": 3}).json()
    assert (body["count"], body["unread"], len(body["items"])) == (5, 5, 3)
    assert [i["created_at"][11:16] for i in body["items"]] == ["13:00", "12:00", "11:00"]
    item = body["items"][0]
    assert item["verb"] == "sla_warning" and item["read_at"] is None
    assert item["ticket"] == {"id": ticket.pk, "number": ticket.number, "title": "Printer jam"}
    assert item["message"].startswith(f"{ticket.number}: the resolution target")
    rest = api.client.get(body["next"]).json()
    assert [i["created_at"][11:16] for i in rest["items"]] == ["10:00", "09:00"]
    assert rest["next"] is None


def test_api_mark_one_and_all_read(agent, manager, ticket):
    mine = [notify(agent, ticket) for _ in range(3)]
    theirs = notify(manager, ticket)
    api = ApiClient(agent)
    response = api.post(f"/notifications/{mine[0].pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert api.get("/notifications", {"unread": "true"}).json()["count"] == 2
    assert api.post(f"/notifications/{theirs.pk}/read").status_code == 404
    assert api.post("/notifications/999999/read").status_code == 404
    assert api.post("/notifications/read-all").json() == {"marked": 2}
    assert api.get("/notifications").json()["unread"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_needs_authentication_and_rejects_bad_cursors(agent):
    assert ApiClient().get("/notifications").status_code == 401
    response = ApiClient(agent).get("/notifications", {"cursor": "garbage"})
    assert response.status_code == 422 and "cursor" in response.json()["errors"]


def test_api_list_in_constant_queries(agent, ticket, django_assert_max_num_queries):
    api = ApiClient(agent)
    notify(agent, ticket)
    with django_assert_max_num_queries(10) as few:
        api.get("/notifications")
    for _ in range(20):
        notify(agent, ticket)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/notifications").json()["items"]) == 21
