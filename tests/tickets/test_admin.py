"""The Django admin: configuration pages load, tickets are read-only, and a priority matrix
change made in the admin is used at once."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from atiende.accounts.models import ApiToken, Organization, Team
from atiende.tickets import priority
from atiende.tickets.models import (
    Category,
    DeskSettings,
    PriorityRule,
    ResolutionCode,
    Ticket,
    TicketEvent,
)

from ..factories import CategoryFactory, make_ticket

MODELS = [Category, PriorityRule, ResolutionCode, DeskSettings, Ticket, TicketEvent]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_models_are_registered():
    for model in [*MODELS, Organization, Team, ApiToken]:
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", [*MODELS, Organization, Team, ApiToken])
def test_change_lists_load(admin_client, model, ticket, agent):
    CategoryFactory(name="Hardware")
    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200


def test_user_change_list_loads(admin_client):
    from atiende.accounts.models import User

    assert admin_client.get(_url(User, "changelist")).status_code == 200
    assert admin_client.get(_url(User, "changelist"), {"q": "agent"}).status_code == 200


def test_ticket_change_list_has_no_per_row_queries(admin_client, requester, agent, desk_default_team,
                                                   django_assert_max_num_queries):  # fmt: skip
    for _ in range(5):
        make_ticket(requester, actor=agent, assignee_id=agent.pk)
    with django_assert_max_num_queries(12) as few:
        admin_client.get(_url(Ticket, "changelist"))
    for _ in range(20):
        make_ticket(requester, actor=agent, assignee_id=agent.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(_url(Ticket, "changelist")).status_code == 200


def test_ticket_search_by_number(admin_client, ticket):
    response = admin_client.get(_url(Ticket, "changelist"), {"q": ticket.number.lower()})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [ticket]


def test_tickets_and_events_are_read_only(admin_client, ticket):
    page = admin_client.get(_url(Ticket, "change", ticket.pk))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.get(_url(Ticket, "add")).status_code == 403
    before = Ticket.objects.values().get(pk=ticket.pk)
    response = admin_client.post(_url(Ticket, "change", ticket.pk), {"title": "Hacked"})
    assert response.status_code == 403
    assert admin_client.post(_url(Ticket, "delete", ticket.pk), {"post": "yes"}).status_code == 403
    assert Ticket.objects.values().get(pk=ticket.pk) == before
    event = TicketEvent.objects.filter(ticket=ticket).first()
    assert (
        admin_client.post(_url(TicketEvent, "change", event.pk), {"body": "x"}).status_code == 403
    )
    assert admin_client.get(_url(TicketEvent, "add")).status_code == 403


def test_desk_settings_is_a_singleton(admin_client):
    DeskSettings.load()
    assert admin_client.get(_url(DeskSettings, "add")).status_code == 403
    assert admin_client.get(_url(DeskSettings, "change", 1)).status_code == 200
    assert admin_client.post(_url(DeskSettings, "delete", 1), {"post": "yes"}).status_code == 403
    assert DeskSettings.objects.count() == 1


def test_category_shows_its_full_path(admin_client):
    hardware = CategoryFactory(name="Hardware")
    CategoryFactory(name="Printers", parent=hardware)
    response = admin_client.get(_url(Category, "changelist"))
    assert "Hardware › Printers" in response.content.decode()


def test_saving_a_priority_rule_in_the_admin_changes_computed_priority(admin_client):
    assert priority.compute_priority(3, 3) == 5  # cached now
    rule = PriorityRule.objects.get(impact=3, urgency=3)
    response = admin_client.post(
        _url(PriorityRule, "change", rule.pk), {"impact": 3, "urgency": 3, "priority": 3}
    )
    assert response.status_code == 302, response.content
    assert PriorityRule.objects.get(pk=rule.pk).priority == 3
    assert priority.compute_priority(3, 3) == 3


def test_deleting_a_priority_rule_in_the_admin_restores_the_default(admin_client):
    rule = PriorityRule.objects.get(impact=1, urgency=1)
    rule.priority = 4
    rule.save()
    priority.invalidate()
    assert priority.compute_priority(1, 1) == 4
    response = admin_client.post(_url(PriorityRule, "delete", rule.pk), {"post": "yes"})
    assert response.status_code == 302
    assert priority.compute_priority(1, 1) == 1


def test_bulk_deleting_priority_rules_invalidates(admin_client):
    PriorityRule.objects.filter(impact=2, urgency=2).update(priority=5)
    priority.invalidate()
    assert priority.compute_priority(2, 2) == 5
    rule = PriorityRule.objects.get(impact=2, urgency=2)
    response = admin_client.post(
        _url(PriorityRule, "changelist"),
        {"action": "delete_selected", "_selected_action": [rule.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert priority.compute_priority(2, 2) == 3


def test_new_resolution_code_from_the_admin_is_accepted(admin_client, ticket, agent):
    from atiende.tickets import actions

    response = admin_client.post(
        _url(ResolutionCode, "add"),
        {"code": "by_vendor", "name_en": "Fixed by vendor", "name_es": "Arreglado por el proveedor",
         "position": 9, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    resolved = actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="by_vendor",
        resolution_notes="The vendor replaced it.",
    )  # fmt: skip
    assert resolved.resolution_code == "by_vendor"


def test_api_tokens_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get(_url(ApiToken, "add")).status_code == 403
