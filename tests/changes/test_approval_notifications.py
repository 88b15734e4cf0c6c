"""Approvers hear in the app that a change awaits their decision, and the notification opens
the change's own page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from atiende.notifications.models import Notification

from .factories import to_authorisation


def test_each_approver_is_told_once_and_lands_on_the_change_page(
    agent, change_manager, change, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        to_authorisation(agent, change, "medium")
    (notification,) = Notification.objects.filter(user=change_manager)
    assert notification.verb == "change_approval" and notification.ticket_id == change.pk
    assert notification.message == f"{change.number}: your approval is requested."
    assert not Notification.objects.filter(user=agent).exists()  # the requester is not asked
    client = Client()
    client.force_login(change_manager)
    opened = client.post(reverse("notifications:read", args=[notification.pk]), {"open": "1"})
    assert opened["Location"] == reverse("changes:change", args=[change.number])


def test_deciding_marks_the_request_read_withdrawing_tells_the_others(
    agent, change_manager, cab_members
):
    """A rejection withdraws the other approvals: their requests are read (nothing is asked of
    them any more) and they are told; the decider's own request is read; the change's owner
    is told of the decision (nobody owns this one, so nobody)."""
    from atiende.changes.actions import approval_decide
    from atiende.changes.models import Approval

    from .factories import make_change

    ticket = make_change(agent)
    to_authorisation(agent, ticket, "high")
    rejecting = Approval.objects.filter(approver=cab_members[0]).get()
    approval_decide(
        actor=cab_members[0], approval_id=rejecting.pk, decision="reject", comment="No backout."
    )
    asked = Notification.objects.filter(verb="change_approval")
    assert asked.count() >= 3 and not asked.filter(read_at__isnull=True).exists()
    others = set(
        Approval.objects.filter(change_id=ticket.pk, status="withdrawn").values_list(
            "approver_id", flat=True
        )
    )
    withdrawn = set(
        Notification.objects.filter(verb="approval_withdrawn").values_list("user_id", flat=True)
    )
    assert withdrawn == others and change_manager.pk in others
    assert cab_members[0].pk not in withdrawn
    assert not Notification.objects.filter(user=agent).exists()
