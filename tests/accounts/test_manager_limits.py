"""A manager configures the desk in /admin/ but cannot widen their own access: not their
role, flags or team memberships, not a view wider than their own for anyone, and not
another person's password. Administrators still can do all of it."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from atiende.accounts.models import Role, TeamMembership, User

from ..factories import PASSWORD, AgentFactory, UserFactory, add_to_team

NEW_PASSWORD = "another-Correct-horse-9"


def _user_form(user: User, **changes) -> dict:
    """The user change form as the admin page posts it, with `changes` applied."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "time_zone": user.time_zone,
        "language": user.language,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "is_active": "on",
    }
    if user.organization_id:
        data["organization"] = user.organization_id
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _change(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def _password(user: User) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk]).replace(
        "auth/user", "accounts/user"
    )


def _password_form(password: str = NEW_PASSWORD) -> dict:
    return {"password1": password, "password2": password, "usable_password": "true"}


@pytest.fixture
def other_manager(team):
    return add_to_team(UserFactory(username="other_manager", role=Role.MANAGER), team)


def test_manager_cannot_grant_themselves_sees_all_tickets(client, manager):
    client.force_login(manager)
    page = client.get(_change(manager)).content.decode()
    assert 'name="sees_all_tickets"' not in page
    assert 'name="role"' not in page
    response = client.post(
        _change(manager), _user_form(manager, sees_all_tickets="on", role=Role.MANAGER)
    )
    assert response.status_code in (302, 403)
    manager.refresh_from_db()
    assert manager.sees_all_tickets is False
    assert manager.role == Role.MANAGER


def test_manager_cannot_change_their_own_role_or_deactivate_themselves(client, manager):
    client.force_login(manager)
    client.post(_change(manager), _user_form(manager, role=Role.AGENT, is_active=None))
    manager.refresh_from_db()
    assert manager.role == Role.MANAGER
    assert manager.is_active is True


def test_manager_without_a_wide_view_cannot_grant_it_to_others(client, manager, agent):
    client.force_login(manager)
    assert 'name="sees_all_tickets"' not in client.get(_change(agent)).content.decode()
    client.post(_change(agent), _user_form(agent, sees_all_tickets="on"))
    agent.refresh_from_db()
    assert agent.sees_all_tickets is False


def test_manager_who_sees_all_may_grant_it(client, manager, agent):
    manager.sees_all_tickets = True
    manager.save()
    client.force_login(manager)
    response = client.post(_change(agent), _user_form(agent, sees_all_tickets="on"))
    assert response.status_code == 302, response.content
    agent.refresh_from_db()
    assert agent.sees_all_tickets is True


def test_manager_may_still_edit_other_people(client, manager, agent):
    client.force_login(manager)
    response = client.post(_change(agent), _user_form(agent, first_name="Ana", role=Role.MANAGER))
    assert response.status_code == 302, response.content
    agent.refresh_from_db()
    assert (agent.first_name, agent.role) == ("Ana", Role.MANAGER)


def test_manager_cannot_raise_anyone_to_administrator(client, manager, agent):
    client.force_login(manager)
    response = client.post(_change(agent), _user_form(agent, role=Role.ADMIN))
    assert response.status_code == 200  # the form refuses the choice
    agent.refresh_from_db()
    assert agent.role == Role.AGENT


def test_manager_cannot_set_another_managers_password(client, manager, other_manager):
    client.force_login(manager)
    assert client.get(_password(other_manager)).status_code == 403
    response = client.post(_password(other_manager), _password_form())
    assert response.status_code == 403
    other_manager.refresh_from_db()
    assert check_password(PASSWORD, other_manager.password)


@pytest.mark.parametrize("role", [Role.AGENT, Role.REQUESTER])
def test_manager_cannot_set_anyone_elses_password(client, manager, role):
    person = UserFactory(role=role)
    client.force_login(manager)
    assert client.post(_password(person), _password_form()).status_code == 403
    person.refresh_from_db()
    assert check_password(PASSWORD, person.password)


def test_manager_changes_their_own_password(client, manager):
    client.force_login(manager)
    response = client.post(_password(manager), _password_form())
    assert response.status_code == 302
    manager.refresh_from_db()
    assert check_password(NEW_PASSWORD, manager.password)


def test_administrator_sets_a_managers_password_and_grants_sees_all(client, admin_user, manager):
    client.force_login(admin_user)
    assert client.post(_password(manager), _password_form()).status_code == 302
    response = client.post(_change(manager), _user_form(manager, sees_all_tickets="on"))
    assert response.status_code == 302, response.content
    manager.refresh_from_db()
    assert check_password(NEW_PASSWORD, manager.password)
    assert manager.sees_all_tickets is True


def _team_form(team, rows: list[tuple[int | None, int, bool]]) -> dict:
    """The team change form with its membership inline: (membership id, user id, delete)."""
    data = {
        "name": team.name,
        "description": team.description,
        "teammembership_set-TOTAL_FORMS": str(len(rows)),
        "teammembership_set-INITIAL_FORMS": str(sum(1 for pk, _u, _d in rows if pk)),
        "teammembership_set-MIN_NUM_FORMS": "0",
        "teammembership_set-MAX_NUM_FORMS": "1000",
    }
    for i, (pk, user_id, delete) in enumerate(rows):
        prefix = f"teammembership_set-{i}-"
        data[prefix + "id"] = str(pk or "")
        data[prefix + "team"] = str(team.pk)
        data[prefix + "user"] = str(user_id)
        if delete:
            data[prefix + "DELETE"] = "on"
    return data


def _team_url(team) -> str:
    return reverse("admin:accounts_team_change", args=[team.pk])


def test_manager_cannot_join_another_team(client, manager, other_team, other_agent):
    existing = TeamMembership.objects.get(team=other_team, user=other_agent)
    client.force_login(manager)
    response = client.post(
        _team_url(other_team),
        _team_form(other_team, [(existing.pk, other_agent.pk, False), (None, manager.pk, False)]),
    )
    assert response.status_code == 200
    assert "never your own membership" in response.content.decode()
    assert not TeamMembership.objects.filter(team=other_team, user=manager).exists()


def test_manager_cannot_add_others_to_a_team_they_are_not_in(client, manager, other_team):
    accomplice = AgentFactory(username="accomplice")
    client.force_login(manager)
    response = client.post(
        _team_url(other_team), _team_form(other_team, [(None, accomplice.pk, False)])
    )
    assert response.status_code == 200
    assert not TeamMembership.objects.filter(team=other_team, user=accomplice).exists()


def test_manager_cannot_remove_their_own_membership(client, manager, team):
    own = TeamMembership.objects.get(team=team, user=manager)
    client.force_login(manager)
    response = client.post(_team_url(team), _team_form(team, [(own.pk, manager.pk, True)]))
    assert response.status_code == 200
    assert TeamMembership.objects.filter(pk=own.pk).exists()


def test_manager_manages_the_members_of_their_own_team(client, manager, team):
    own = TeamMembership.objects.get(team=team, user=manager)
    newcomer = AgentFactory(username="newcomer")
    client.force_login(manager)
    response = client.post(
        _team_url(team), _team_form(team, [(own.pk, manager.pk, False), (None, newcomer.pk, False)])
    )
    assert response.status_code == 302, response.content
    assert TeamMembership.objects.filter(team=team, user=newcomer).exists()


def test_administrator_manages_any_membership(client, admin_user, manager, other_team):
    client.force_login(admin_user)
    response = client.post(
        _team_url(other_team), _team_form(other_team, [(None, manager.pk, False)])
    )
    assert response.status_code == 302, response.content
    assert TeamMembership.objects.filter(team=other_team, user=manager).exists()


def test_user_admin_refuses_a_widened_save_however_it_arrives(rf, manager, agent):
    """Read-only fields never reach the form; save_model refuses a widening all the same."""
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied

    user_admin = admin.site._registry[User]
    request = rf.post("/")
    request.user = manager
    for target, field, value in [(manager, "sees_all_tickets", True), (agent, "is_staff", True),
                                 (agent, "role", Role.ADMIN)]:  # fmt: skip
        setattr(target, field, value)
        with pytest.raises(PermissionDenied):
            user_admin.save_model(request, target, form=None, change=True)
        target.refresh_from_db()
        assert getattr(target, field) != value
