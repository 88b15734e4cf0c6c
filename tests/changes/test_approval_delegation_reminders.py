"""Approval reminders and delegation, for changes and catalogue requests alike (the one
Approval row): a pending approval older than APPROVAL_REMINDER_HOURS reminds its approver,
at most once a day, by the periodic job; an approver hands a pending approval to someone
else who may approve it (timeline, the delegate told, no longer the approver's); someone
who may not approve it is refused with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from atiende.catalogue import actions as catalogue
from atiende.catalogue.models import ApproverSource
from atiende.changes import actions
from atiende.changes.models import Approval, ApprovalStatus
from atiende.core import clock
from atiende.core.background import PERIODIC_JOBS
from atiende.core.errors import Forbidden, ValidationFailed
from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.notifications.models import Notification
from atiende.tickets.models import TicketEvent
from tests.api.conftest import ApiClient
from tests.factories import AgentFactory, RequesterFactory

from .factories import make_change, to_authorisation


@pytest.fixture
def change_approvals(agent, change_manager, cab_members):
    ticket = make_change(agent)
    to_authorisation(agent, ticket, "high")
    return ticket


@pytest.fixture
def request_approval(laptop_request):
    return laptop_request


@pytest.fixture
def laptop_request(db, manager, requester, desk_default_team):

    category = catalogue.category_save(actor=manager, name="Hardware")
    item = catalogue.item_save(actor=manager, category_id=category.pk, name="Laptop")
    boss = RequesterFactory(username="boss", organization=requester.organization)
    requester.manager = boss
    requester.save(update_fields=["manager"])
    catalogue.approval_step_save(actor=manager, item_id=item.pk, source=ApproverSource.MANAGER)
    ticket = catalogue.request_submit(actor=requester, item_id=item.pk, answers={})
    return ticket, boss


def _age(approval_filter, hours):
    Approval.objects.filter(**approval_filter).update(
        created_at=clock.now() - timedelta(hours=hours)
    )


# --- reminders ------------------------------------------------------------------------------


def test_old_pending_approvals_remind_once_a_day(change_approvals, change_manager, settings):
    settings.APPROVAL_REMINDER_HOURS = 24
    pending = Approval.objects.filter(change_id=change_approvals.pk, status="pending")
    assert actions.approval_reminders_send() == 0  # all fresh
    _age({"pk__in": list(pending.values_list("pk", flat=True))}, 30)
    count = pending.count()
    assert actions.approval_reminders_send() == count
    reminded = Notification.objects.filter(verb="approval_reminder")
    assert reminded.count() == count
    mine = reminded.get(user=change_manager)
    assert mine.ticket_id == change_approvals.pk and change_approvals.number in mine.message
    # Mailed too, as preferences say (approvals: e-mail on by default).
    assert OutboundMessage.objects.filter(
        kind=OutboundKind.NOTIFICATION, recipient=change_manager,
        params__verb="approval_reminder",
    ).exists()  # fmt: skip
    # Again within the day: nothing; the next day: once more.
    assert actions.approval_reminders_send() == 0
    assert actions.approval_reminders_send(now=clock.now() + timedelta(hours=25)) == count
    # Deciding marks the reminders read.
    approval = pending.get(approver=change_manager)
    actions.approval_decide(actor=change_manager, approval_id=approval.pk, decision="approve")
    assert not Notification.objects.filter(user=change_manager, read_at__isnull=True,
                                           verb="approval_reminder").exists()  # fmt: skip


def test_the_setting_and_the_job(change_approvals, settings):
    from atiende.celery import app
    from atiende.changes import tasks

    settings.APPROVAL_REMINDER_HOURS = 48
    _age({"change_id": change_approvals.pk}, 30)
    assert tasks.approval_reminders() == 0
    _age({"change_id": change_approvals.pk}, 50)
    assert tasks.approval_reminders() > 0
    assert "atiende.changes.approval_reminders" in app.tasks
    jobs = {job.task: job.every for job in PERIODIC_JOBS}
    assert jobs["atiende.changes.approval_reminders"] == timedelta(hours=1)


def test_request_approvals_are_reminded_too(request_approval):
    ticket, boss = request_approval
    _age({"ticket_id": ticket.pk}, 30)
    assert actions.approval_reminders_send() == 1
    note = Notification.objects.get(verb="approval_reminder", user=boss)
    client = Client()
    client.force_login(boss)
    opened = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert opened["Location"] == "/portal/catalogue/approvals/"


# --- delegation -----------------------------------------------------------------------------


def test_delegate_a_change_approval(change_approvals, change_manager, team):
    delegate = AgentFactory(username="deputy", first_name="Diana")
    mine = Approval.objects.get(change_id=change_approvals.pk, approver=change_manager)
    new = actions.approval_delegate(
        actor=change_manager, approval_id=mine.pk, to_user_id=delegate.pk, comment="On leave"
    )
    mine.refresh_from_db()
    assert mine.status == ApprovalStatus.WITHDRAWN and "Diana" in mine.comment
    assert new.approver_id == delegate.pk and new.status == ApprovalStatus.PENDING
    assert new.policy_id == mine.policy_id and new.created_at == mine.created_at  # same round
    # No longer the original approver's; the delegate's.
    from atiende.changes.selectors import approvals_for

    assert not approvals_for(change_manager).exists()
    assert list(approvals_for(delegate)) == [new]
    told = Notification.objects.get(user=delegate, verb="approval_delegated")
    assert change_manager.display_name in told.message
    entry = TicketEvent.objects.get(ticket_id=change_approvals.pk, field="approver")
    assert (
        entry.old_value == change_manager.display_name and entry.new_value == delegate.display_name
    )
    assert entry.body == "On leave" and not entry.public
    # The delegate decides; the original approver cannot any more.
    with pytest.raises(Forbidden):
        actions.approval_decide(actor=change_manager, approval_id=new.pk, decision="approve")
    actions.approval_decide(actor=delegate, approval_id=new.pk, decision="approve")


def test_delegate_to_someone_who_may_not_approve_is_refused(
    change_approvals, change_manager, cab_members, agent, requester
):
    mine = Approval.objects.get(change_id=change_approvals.pk, approver=change_manager)
    gone = AgentFactory(username="gone", is_active=False)
    cases = [
        (requester, "Only an agent may approve a change."),
        (agent, "cannot approve: they are the requester"),  # the change's requester
        (gone, "not active"),
        (change_manager, "someone else than yourself"),
    ]
    for person, message in cases:
        with pytest.raises(ValidationFailed) as refused:
            actions.approval_delegate(actor=change_manager, approval_id=mine.pk,
                                      to_user_id=person.pk)  # fmt: skip
        assert message in refused.value.errors["to"][0]
    # Someone already asked in the same policy: refused too.
    cab = Approval.objects.filter(change_id=change_approvals.pk, approver=cab_members[0]).get()
    other = Approval.objects.filter(change_id=change_approvals.pk, approver=cab_members[1]).get()
    with pytest.raises(ValidationFailed) as refused:
        actions.approval_delegate(actor=cab_members[0], approval_id=cab.pk,
                                  to_user_id=cab_members[1].pk)  # fmt: skip
    assert "already asked" in refused.value.errors["to"][0]
    assert other.status == "pending"
    # Nothing written.
    assert Approval.objects.get(pk=mine.pk).status == "pending"
    assert not Notification.objects.filter(verb="approval_delegated").exists()
    # Over the API: a clear 422 with the reason; someone else's approval: 403.
    api = ApiClient(change_manager)
    response = api.post(f"/approvals/{mine.pk}/delegate", {"to": requester.pk})
    assert response.status_code == 422
    assert "Only an agent may approve a change." in response.json()["errors"]["to"][0]
    assert (
        ApiClient(cab_members[0])
        .post(f"/approvals/{mine.pk}/delegate", {"to": cab_members[2].pk})
        .status_code
        == 403
    )


def test_delegate_over_the_api_and_the_desk_page(change_approvals, change_manager, cab_members):
    deputy = AgentFactory(username="deputy2")
    mine = Approval.objects.get(change_id=change_approvals.pk, approver=change_manager)
    response = ApiClient(change_manager).post(f"/approvals/{mine.pk}/delegate", {"to": deputy.pk})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    # The desk's "My approvals": the delegate sees it with the delegation form.
    client = Client()
    client.force_login(deputy)
    page = client.get("/changes/approvals/").content.decode()
    assert change_approvals.number in page and "delegate" in page
    theirs = Approval.objects.get(approver=deputy, status="pending")
    back = client.post(f"/changes/approvals/{theirs.pk}/delegate/", {"to": str(deputy.pk)})
    assert back.status_code == 302  # refused (themselves): a message, nothing written
    assert Approval.objects.get(pk=theirs.pk).status == "pending"


def test_delegate_a_request_approval_in_the_portal(request_approval, requester, agent):
    ticket, boss = request_approval
    colleague = RequesterFactory(username="colleague", organization=requester.organization)
    outsider = RequesterFactory(username="outsider")
    mine = Approval.objects.get(ticket=ticket, approver=boss)
    portal = Client()
    portal.force_login(boss)
    url = f"/portal/catalogue/approvals/{mine.pk}/delegate/"
    refused = portal.post(url, {"to": outsider.email}, follow=True)
    assert "not an agent nor of the requester" in refused.content.decode()
    refused = portal.post(url, {"to": requester.email}, follow=True)
    assert "they are the requester" in refused.content.decode()
    assert Approval.objects.get(pk=mine.pk).status == "pending"
    done = portal.post(url, {"to": colleague.email, "comment": "Holidays"})
    assert done.status_code == 302
    new = Approval.objects.get(ticket=ticket, status="pending")
    assert new.approver_id == colleague.pk and new.step_id == mine.step_id
    assert Notification.objects.filter(user=colleague, verb="approval_delegated").exists()
    # The colleague decides; the request moves on.
    catalogue_approve = actions.approval_decide(
        actor=colleague, approval_id=new.pk, decision="approve"
    )
    assert catalogue_approve.status == "approved"
