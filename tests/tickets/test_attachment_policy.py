"""The attachment type policy, one check for every channel (tickets.attachments.check_upload):
blocked extensions (ATIENDE_ATTACHMENT_BLOCKED_EXTENSIONS) and content that starts like a
program, whatever its name. Refused with 422 and the file's name; nothing half-written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.tickets import actions
from atiende.tickets.attachments import refusal
from atiende.tickets.models import Attachment, Ticket

from ..api.conftest import ApiClient
from ..factories import make_ticket

pytestmark = pytest.mark.django_db

PE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(56)
SCRIPT = b"#!/bin/sh\nrm -rf ~\n"


@pytest.mark.parametrize(
    "name", ["setup.exe", "SETUP.EXE", "invoice.pdf.exe", "run.ps1", "x.vbs", "a.js", "go.sh",
             "tool.jar", "lib.dll", "pkg.msi", "b.bat", "c.cmd", "d.com", "e.scr", "f.apk"],
)  # fmt: skip
def test_blocked_extensions(name):
    why = refusal(name, b"harmless text")
    assert why is not None and name in why


@pytest.mark.parametrize("head", [PE, ELF, MACHO, SCRIPT])
def test_programs_are_refused_whatever_their_name(head):
    why = refusal("invoice.pdf", head[:8])
    assert why is not None and "invoice.pdf" in why and "program or a script" in why


@pytest.mark.parametrize(
    ("name", "head"),
    [("report.pdf", b"%PDF-1.7"), ("screen.png", b"\x89PNG\r\n\x1a\n"), ("log.txt", b"Mozilla/"),
     ("notes", b"plain"), ("setup.exe.txt", b"readme")],
)  # fmt: skip
def test_ordinary_files_pass(name, head):
    assert refusal(name, head) is None


def test_the_list_is_configurable(settings):
    settings.ATTACHMENT_BLOCKED_EXTENSIONS = frozenset({"pdf"})
    assert refusal("setup.exe", b"text") is None
    assert refusal("report.pdf", b"%PDF") is not None
    assert refusal("setup.bin", PE) is not None  # sniffing does not depend on the list


def test_api_upload_of_an_executable_is_422_naming_the_file(requester, desk_default_team):
    ticket = make_ticket(requester)
    upload = SimpleUploadedFile("setup.exe", b"whatever")
    answer = ApiClient(requester).client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"file": upload}
    )
    assert answer.status_code == 422
    assert "setup.exe" in answer.json()["detail"] and answer.json()["errors"]["file"]
    assert not Attachment.objects.exists()
    assert not ticket.events.filter(type="attachment").exists()


def test_api_upload_of_a_disguised_program_is_refused(agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    upload = SimpleUploadedFile("photo.jpg", ELF)
    answer = ApiClient(agent).client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"file": upload}
    )
    assert answer.status_code == 422 and "photo.jpg" in answer.json()["detail"]
    assert not Attachment.objects.exists()


def test_portal_new_ticket_with_an_executable_is_a_form_error(client, requester, desk_default_team):
    client.force_login(requester)
    response = client.post(
        reverse("portal:new"),
        {"kind": "incident", "title": "Install this", "urgency": 3,
         "attachments": [SimpleUploadedFile("setup.exe", b"x")]},
    )  # fmt: skip
    assert response.status_code == 422
    assert "“setup.exe” cannot be attached" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_portal_reply_with_a_script_is_a_form_error(client, requester, desk_default_team):
    ticket = make_ticket(requester)
    client.force_login(requester)
    response = client.post(
        reverse("portal:reply", args=[ticket.number]),
        {"body": "see file", "attachments": [SimpleUploadedFile("notes.txt", SCRIPT)]},
    )
    assert response.status_code == 422
    assert "“notes.txt” cannot be attached" in response.content.decode()
    assert not ticket.events.filter(type="comment").exists()


def test_the_action_itself_refuses_it(agent, requester, desk_default_team):
    """Every channel goes through the actions, so the desk is covered too."""
    ticket = make_ticket(requester)
    from atiende.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        actions.comment_add(
            actor=agent, ticket_id=ticket.pk, body="fix", public=False,
            attachments=[SimpleUploadedFile("fix.ps1", b"Get-Item")],
        )  # fmt: skip
    assert "fix.ps1" in refused.value.detail
