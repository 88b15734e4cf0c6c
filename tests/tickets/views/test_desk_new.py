"""New tickets opened by an agent on behalf of a requester."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.tickets.models import Kind, Status, Ticket

from ...factories import CategoryFactory

NEW = reverse("desk:new")


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


def test_requester_is_sent_to_the_portal(client, requester):
    client.force_login(requester)
    response = client.get(NEW)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_form_lists_nobody_up_front_and_labels_every_input(desk, requester, agent):
    """The requester is picked by type-ahead (GET /api/v1/people): the page does not carry
    every person (tests/accounts/test_people_picker.py)."""
    body = desk.get(NEW).content.decode()
    assert requester.email not in body
    assert 'data-people-picker="new_requester_options"' in body
    for name in ("requester", "kind", "title", "description", "category", "impact", "urgency",
                 "team", "assignee", "attachments"):  # fmt: skip
        assert f'<label for="new_{name}">' in body


def test_agent_opens_a_ticket_on_behalf_of_a_requester(desk, agent, requester, other_team):
    category = CategoryFactory(name="Network")
    response = desk.post(
        NEW,
        {
            "requester": requester.pk, "kind": Kind.CHANGE, "title": "Replace core switch",
            "description": "Old one fails.", "category": category.pk, "impact": 1, "urgency": 2,
            "team": other_team.pk, "assignee": agent.pk,
            "attachments": [SimpleUploadedFile("plan.txt", b"step 1")],
        },
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket", args=[ticket.number])
    assert ticket.number.startswith("CHG-")
    assert ticket.requester == requester and ticket.organization == requester.organization
    assert (ticket.team, ticket.assignee, ticket.status) == (other_team, agent, Status.ASSIGNED)
    assert ticket.priority == 2
    assert ticket.attachments.get().filename == "plan.txt"


def test_missing_title_and_requester_is_422(desk, agent):
    response = desk.post(NEW, {"kind": "incident", "title": "  ", "impact": 3, "urgency": 3})
    assert response.status_code == 422
    body = response.content.decode()
    assert body.count("This field is required.") >= 2
    assert not Ticket.objects.exists()


def test_domain_error_lands_on_its_field(desk, agent, requester, monkeypatch):
    from atiende.core.errors import ValidationFailed
    from atiende.tickets import actions

    def refuse(**kwargs):
        raise ValidationFailed.field("category", "Unknown category.")

    monkeypatch.setattr(actions, "ticket_create", refuse)
    response = desk.post(
        NEW,
        {"requester": requester.pk, "kind": "incident", "title": "x", "impact": 3, "urgency": 3},
    )
    assert response.status_code == 422
    assert '<ul class="errorlist" id="new_category_error"><li>Unknown category.</li>' in (
        response.content.decode()
    )
