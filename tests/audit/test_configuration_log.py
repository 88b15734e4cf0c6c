"""Every change of configuration leaves an audit entry (who, when, what, old → new), whether it
is made in the admin or through the desk and API actions; secrets are never written; the log
is for administrators only and reads in a constant number of queries."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from atiende.accounts import actions as accounts
from atiende.accounts.models import ApiToken, Role, Team, TeamMembership, User
from atiende.audit.models import Action, AuditEntry
from atiende.changes.calendar.actions import blackout_create
from atiende.changes.models import ApprovalPolicy, BlackoutWindow
from atiende.core import clock
from atiende.mail.models import Mailbox
from atiende.sla.models import BusinessCalendar, CalendarHoliday, SlaPolicy

from ..factories import AgentFactory, UserFactory
from .admin_forms import inline_row, page_form_data


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def entries_of(model, pk=None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    if pk is not None:
        found = found.filter(object_id=pk)
    return list(found.order_by("id"))


def only_entry(model, pk=None) -> AuditEntry:
    found = entries_of(model, pk)
    assert len(found) == 1, [(e.action, e.changes) for e in found]
    return found[0]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _edit(client, model, obj, **edits):
    """Open the admin change page of `obj`, post it back with `edits`, expect success."""
    page = client.get(_url(model, "change", obj.pk))
    assert page.status_code == 200
    response = client.post(_url(model, "change", obj.pk), page_form_data(page, **edits))
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def test_team_rename_and_new_member_in_the_admin(admin_client, admin_user, team, agent):
    newcomer = AgentFactory(username="newcomer")
    page = admin_client.get(_url(Team, "change", team.pk))
    data = inline_row(
        page_form_data(page, name="First line"), "teammembership_set", user=newcomer.pk,
        team=team.pk,
    )  # fmt: skip
    assert admin_client.post(_url(Team, "change", team.pk), data).status_code == 302
    renamed = only_entry(Team, team.pk)
    assert (renamed.action, renamed.actor, renamed.actor_name) == ("updated", admin_user, "admin")
    assert renamed.changes == {"name": ["Service Desk", "First line"]}
    assert renamed.object_repr == "First line"
    membership = TeamMembership.objects.get(team=team, user=newcomer)
    joined = only_entry(TeamMembership, membership.pk)
    assert joined.action == Action.CREATED
    assert joined.changes["user"] == [None, "newcomer"]
    assert joined.changes["team"] == [None, "First line"]


def test_removing_a_member_is_recorded(admin_client, team, agent):
    membership = TeamMembership.objects.get(team=team, user=agent)
    page = admin_client.get(_url(Team, "change", team.pk))
    data = page_form_data(page)
    index = next(k for k, v in data.items() if k.endswith("-id") and v == str(membership.pk))
    data[index.replace("-id", "-DELETE")] = "on"
    assert admin_client.post(_url(Team, "change", team.pk), data).status_code == 302
    left = only_entry(TeamMembership, membership.pk)
    assert left.action == Action.DELETED
    assert left.changes["user"] == ["agent", None]


def test_role_access_and_flags_of_a_user(admin_client, agent):
    _edit(admin_client, User, agent, role=Role.MANAGER, sees_all_tickets="on", is_active=None)
    entry = only_entry(User, agent.pk)
    assert entry.action == Action.UPDATED
    assert entry.changes == {
        "role": ["agent", "manager"],
        "sees_all_tickets": [False, True],
        "is_active": [True, False],
    }


def test_permissions_granted_in_the_admin(admin_client, agent):
    from django.contrib.auth.models import Permission

    perm = Permission.objects.get(codename="view_team")
    _edit(admin_client, User, agent, user_permissions=[str(perm.pk)])
    entry = only_entry(User, agent.pk)
    assert entry.changes == {"user_permissions": [[], [str(perm)]]}


def test_password_change_is_recorded_without_the_hash(admin_client, manager):
    response = admin_client.post(
        f"/admin/accounts/user/{manager.pk}/password/",
        {"password1": "N3w-long-passphrase", "password2": "N3w-long-passphrase",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302
    manager.refresh_from_db()
    entry = only_entry(User, manager.pk)
    assert entry.changes == {"password": "changed"}
    stored = json.dumps(entry.changes)
    assert manager.password not in stored
    assert "N3w-long-passphrase" not in stored


def test_user_created_by_the_command_line_never_stores_the_hash(db):
    user = accounts.user_create(
        username="nuevo", password="Another-long-pass-1", role=Role.AGENT, team_name="Field"
    )
    created = only_entry(User, user.pk)
    assert created.action == Action.CREATED
    assert created.actor is None
    assert created.changes["role"] == [None, "agent"]
    assert created.changes["password"] == "changed"
    assert user.password not in json.dumps(created.changes)
    assert only_entry(TeamMembership).changes["team"] == [None, "Field"]


def test_api_tokens_created_and_revoked(db, agent):
    issued = accounts.api_token_create(actor=agent, user=agent, name="laptop")
    accounts.api_token_revoke(actor=agent, token_id=issued.token.pk)
    accounts.api_token_revoke(actor=agent, token_id=issued.token.pk)  # again: no change
    created, revoked = entries_of(ApiToken, issued.token.pk)
    assert (created.action, created.actor) == (Action.CREATED, agent)
    assert created.changes["name"] == [None, "laptop"]
    assert created.changes["digest"] == "changed"
    assert issued.token.digest not in json.dumps(created.changes)
    assert issued.secret not in json.dumps(created.changes)
    assert revoked.action == Action.UPDATED
    assert list(revoked.changes) == ["revoked_at"]
    assert revoked.changes["revoked_at"][0] is None


def test_sla_policy_fields_and_teams(admin_client, team):
    policy = SlaPolicy.objects.get(name="Standard (office hours)")
    _edit(admin_client, SlaPolicy, policy, warn_at_percent="60", teams=[str(team.pk)])
    entry = only_entry(SlaPolicy, policy.pk)
    assert entry.changes == {"warn_at_percent": [75, 60], "teams": [[], ["Service Desk"]]}


def test_business_calendar_and_a_holiday(admin_client):
    calendar = BusinessCalendar.objects.order_by("pk").first()
    page = admin_client.get(_url(BusinessCalendar, "change", calendar.pk))
    data = inline_row(
        page_form_data(page, name="Oficina Madrid"), "holidays", date="2031-05-02",
        name="Comunidad", calendar=calendar.pk,
    )  # fmt: skip
    response = admin_client.post(_url(BusinessCalendar, "change", calendar.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert only_entry(BusinessCalendar, calendar.pk).changes["name"][1] == "Oficina Madrid"
    holiday = CalendarHoliday.objects.get(date="2031-05-02")
    added = only_entry(CalendarHoliday, holiday.pk)
    assert added.changes["date"] == [None, "2031-05-02"]


def test_change_approval_policy(admin_client):
    policy = ApprovalPolicy.objects.order_by("pk").first()
    old = policy.required
    _edit(admin_client, ApprovalPolicy, policy, required=str(old + 1), is_active=None)
    entry = only_entry(ApprovalPolicy, policy.pk)
    assert entry.changes == {"required": [old, old + 1], "is_active": [True, False]}


def test_blackout_from_the_desk_action_and_from_the_admin(admin_client, manager):
    start = clock.now() + timedelta(days=1)
    blackout = blackout_create(
        actor=manager, name="Freeze", starts_at=start, ends_at=start + timedelta(days=2)
    )
    created = only_entry(BlackoutWindow, blackout.pk)
    assert (created.action, created.actor) == (Action.CREATED, manager)
    assert created.changes["name"] == [None, "Freeze"]
    _edit(admin_client, BlackoutWindow, blackout, name="Year-end freeze")
    _created, edited = entries_of(BlackoutWindow, blackout.pk)  # one entry per save
    assert edited.changes == {"name": ["Freeze", "Year-end freeze"]}
    response = admin_client.post(_url(BlackoutWindow, "delete", blackout.pk), {"post": "yes"})
    assert response.status_code == 302
    deleted = entries_of(BlackoutWindow, blackout.pk)[-1]
    assert deleted.action == Action.DELETED
    assert deleted.changes["name"] == ["Year-end freeze", None]
    assert deleted.object_repr


def test_mailbox_edit_records_that_the_password_changed_only(admin_client, team):
    mailbox = Mailbox.objects.create(
        name="soporte", address="soporte@example.com", imap_password="old-secret-1"
    )
    _edit(admin_client, Mailbox, mailbox, imap_password="new-secret-2", imap_host="imap.example")
    entry = only_entry(Mailbox, mailbox.pk)
    assert entry.changes == {"imap_host": ["", "imap.example"], "imap_password": "changed"}
    assert "secret" not in json.dumps(entry.changes)


def test_an_edit_that_changes_nothing_is_not_recorded(admin_client, team):
    _edit(admin_client, Team, team)
    assert entries_of(Team) == []


def test_manager_edits_are_recorded_as_theirs(client, manager, agent):
    client.force_login(manager)
    _edit(client, User, agent, first_name="Ana")
    entry = only_entry(User, agent.pk)
    assert (entry.actor, entry.changes["first_name"][1]) == (manager, "Ana")


# The log itself.


def test_only_administrators_read_the_log(client, admin_user, manager, agent):
    accounts.api_token_create(actor=agent, user=agent)
    entry = AuditEntry.objects.get()
    for person, status in ((manager, 403), (admin_user, 200)):
        client.force_login(person)
        assert client.get(_url(AuditEntry, "changelist")).status_code == status
        assert client.get(_url(AuditEntry, "change", entry.pk)).status_code in (status, 302)
    client.force_login(manager)
    assert b"audit" not in client.get(reverse("admin:index")).content.lower()
    client.force_login(agent)
    assert client.get(_url(AuditEntry, "changelist")).status_code == 302  # to the login


def test_the_log_is_read_only(admin_client, agent):
    accounts.api_token_create(actor=agent, user=agent)
    entry = AuditEntry.objects.get()
    assert admin_client.get(_url(AuditEntry, "add")).status_code == 403
    assert (
        admin_client.post(_url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    )
    assert (
        admin_client.post(_url(AuditEntry, "change", entry.pk), {"object_repr": "x"}).status_code
        == 403
    )
    page = admin_client.get(_url(AuditEntry, "change", entry.pk)).content.decode()
    assert "changed" in page  # the digest, shown as changed only
    AuditEntry.objects.get(pk=entry.pk)


def test_filters_and_search(admin_client, agent, manager):
    accounts.api_token_create(actor=agent, user=agent, name="laptop")
    start = clock.now() + timedelta(days=1)
    blackout_create(actor=manager, name="Freeze", starts_at=start, ends_at=start + timedelta(1))
    url = _url(AuditEntry, "changelist")
    by_type = ContentType.objects.get_for_model(BlackoutWindow).pk
    listed = admin_client.get(url, {"content_type__id__exact": by_type})
    assert [e.object_repr for e in listed.context["cl"].result_list] == ["Freeze"]
    listed = admin_client.get(url, {"actor__id__exact": agent.pk})
    assert [e.actor for e in listed.context["cl"].result_list] == [agent]
    listed = admin_client.get(url, {"q": "laptop"})
    assert len(listed.context["cl"].result_list) == 1


def test_the_log_reads_in_constant_queries(admin_client, django_assert_max_num_queries):
    def make(count):
        for _ in range(count):
            person = UserFactory(role=Role.AGENT)
            accounts.api_token_create(actor=person, user=person)

    make(3)
    url = _url(AuditEntry, "changelist")
    with django_assert_max_num_queries(20) as few:
        assert admin_client.get(url).status_code == 200
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 23


def test_own_password_change_is_recorded(client, manager):
    from ..factories import PASSWORD

    client.force_login(manager)
    new = "Mine-and-only-mine-7"
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    entry = only_entry(User, manager.pk)
    assert (entry.actor, entry.changes) == (manager, {"password": "changed"})


def test_bulk_deletion_in_the_admin_records_each_row(admin_client):
    from atiende.tickets.models import Category

    first, second = Category.objects.create(name="Old A"), Category.objects.create(name="Old B")
    response = admin_client.post(
        _url(Category, "changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert {(e.object_id, e.action) for e in entries_of(Category)} == {
        (first.pk, "deleted"),
        (second.pk, "deleted"),
    }


def test_user_added_in_the_admin(client, manager):
    client.force_login(manager)
    response = client.post(
        _url(User, "add"),
        {"username": "temp", "password1": "A-long-new-pass-42", "password2": "A-long-new-pass-42",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="temp")
    entry = only_entry(User, user.pk)
    assert (entry.action, entry.actor) == (Action.CREATED, manager)
    assert entry.changes["username"] == [None, "temp"]
    assert entry.changes["password"] == "changed"
    assert user.password not in json.dumps(entry.changes)


def test_the_list_summarises_many_fields_in_one_line(admin_client, db):
    accounts.user_create(username="nuevo", password="Another-long-pass-1", role=Role.AGENT)
    listed = admin_client.get(reverse("admin:audit_auditentry_changelist"))
    cells = re.findall(r'<td class="field-changed_fields">(.*?)</td>', listed.text)
    created = [cell for cell in cells if " more" in cell]
    assert created, cells
    fields, more = created[0].rsplit(" and ", 1)
    assert fields.count(",") == 2 and int(more.split()[0]) > 0
