"""Managers configure the desk in /admin/ without administrator powers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.accounts.models import Role, User
from atiende.tickets.models import Category, PriorityRule


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize(
    "model",
    ["accounts_team", "accounts_organization", "accounts_user", "tickets_category",
     "tickets_priorityrule", "tickets_resolutioncode", "tickets_desksettings"],
)  # fmt: skip
def test_manager_opens_configuration_lists(manager_client, model):
    response = manager_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_manager_adds_a_category_and_edits_the_matrix(manager_client):
    response = manager_client.post(
        reverse("admin:tickets_category_add"), {"name": "Telefonía", "is_active": "on"}
    )
    assert response.status_code == 302
    assert Category.objects.filter(name="Telefonía").exists()
    cell = PriorityRule.objects.get(impact=3, urgency=3)
    response = manager_client.post(
        reverse("admin:tickets_priorityrule_change", args=[cell.pk]),
        {"impact": 3, "urgency": 3, "priority": 4},
    )
    assert response.status_code == 302
    cell.refresh_from_db()
    assert cell.priority == 4


def test_manager_cannot_see_or_create_administrators(manager_client, admin_user, manager):
    response = manager_client.get(reverse("admin:accounts_user_changelist"))
    change_url = reverse("admin:accounts_user_change", args=[admin_user.pk])
    assert change_url not in response.content.decode()
    assert reverse("admin:accounts_user_change", args=[manager.pk]) in response.content.decode()
    assert (
        manager_client.get(reverse("admin:accounts_user_change", args=[admin_user.pk])).status_code
        == 302
    )
    page = manager_client.get(
        reverse("admin:accounts_user_change", args=[manager.pk])
    ).content.decode()
    assert 'value="admin"' not in page  # no "Administrator" role to pick
    assert 'name="is_superuser"' not in page


def test_manager_cannot_touch_groups_or_login_records(manager_client):
    assert manager_client.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.REQUESTER])
def test_agents_and_requesters_have_no_configuration_access(client, role, db):
    user = User.objects.create_user(username=f"u-{role}", password="x-long-password-1", role=role)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_system_account_is_never_offered_as_a_person(agent, db):
    from atiende.accounts.actions import system_actor
    from atiende.accounts.selectors import agents_visible_to, people

    system = system_actor()
    assert system not in agents_visible_to(agent)
    assert system not in people()
    assert agent in agents_visible_to(agent)
