"""Mailbox configuration in Django admin: the IMAP password is never shown back, and an
empty password field keeps the stored one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.mail.models import InboundMessage, Mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_password_is_write_only(admin_client, mailbox):
    mailbox.imap_password = "s3cr3t-pass"
    mailbox.imap_host = "imap.example.com"
    mailbox.save()
    url = reverse("admin:mail_mailbox_change", args=[mailbox.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "s3cr3t-pass" not in page.content.decode()

    form = {
        "name": "soporte", "address": "soporte@example.com", "is_default": "on",
        "is_active": "on", "max_message_bytes": "1000000", "imap_host": "imap.example.com",
        "imap_port": "993", "imap_security": "ssl", "imap_username": "soporte",
        "imap_password": "", "imap_folder": "INBOX", "after_processing": "seen",
        "processed_folder": "Processed", "default_kind": "incident", "unknown_sender": "create",
        "agent_trust": "never", "trusted_authserv_id": "",
    }  # fmt: skip
    answer = admin_client.post(url, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "s3cr3t-pass" and mailbox.max_message_bytes == 1000000
    admin_client.post(url, {**form, "imap_password": "new-one"})
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "new-one"


def test_admin_pages_load(admin_client, mailbox, mail):
    from atiende.mail.inbound.intake import receive

    receive(mail(), mailbox=mailbox)
    for name in ("mail_mailbox_changelist", "mail_mailbox_add", "mail_inboundmessage_changelist"):
        assert admin_client.get(reverse(f"admin:{name}")).status_code == 200
    row = InboundMessage.objects.get()
    change = reverse("admin:mail_inboundmessage_change", args=[row.pk])
    assert admin_client.get(change).status_code == 200
    assert Mailbox.objects.count() == 1
