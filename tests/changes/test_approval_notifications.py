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
