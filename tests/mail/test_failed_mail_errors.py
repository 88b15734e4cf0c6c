"""Why a message failed is stored as a stable code with its technical detail apart, and shown
in the reader's language (list, detail, API); rows from before the codes keep their text.
The detail page previews the message as escaped, bounded text."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone

from atiende.mail.inbound import intake
from atiende.mail.inbound.errors import ErrorCode, error_message
from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.inbound.preview import PREVIEW_CHARS, message_preview
from atiende.mail.models import InboundMessage, InboundStatus

from ..api.conftest import ApiClient

pytestmark = pytest.mark.django_db

NO_SENDER = (
    b"To: soporte@example.com\r\nSubject: sin remitente\r\nMessage-ID: <p@x>\r\n\r\nHola\r\n"
)


def _spanish(user):
    user.language = "es"
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_codes_are_stored_with_the_detail_apart(mailbox, mail, monkeypatch):
    no_sender = InboundMessage.objects.get(pk=receive(NO_SENDER, mailbox=mailbox).message_id)
    assert (no_sender.error_code, no_sender.error) == (ErrorCode.NO_SENDER, "")
    garbage = InboundMessage.objects.get(pk=receive(b"  \r\n", mailbox=mailbox).message_id)
    assert (garbage.error_code, garbage.error) == (ErrorCode.UNPARSEABLE, "empty message")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(intake, "_new_ticket", broken)
    crashed = InboundMessage.objects.get(pk=receive(mail(), mailbox=mailbox).message_id)
    assert crashed.error_code == ErrorCode.INTERNAL
    assert crashed.error == "RuntimeError: disk on fire"


def test_too_large_keeps_the_figures_and_words_them_per_language(mailbox, mail):
    from django.utils import translation

    mailbox.max_message_bytes = 2000
    mailbox.save()
    result = receive(mail(body="x" * 5000), mailbox=mailbox)
    assert result.outcome == Outcome.TOO_LARGE
    row = InboundMessage.objects.get(pk=result.message_id)
    assert row.error_code == ErrorCode.TOO_LARGE and row.error_params["limit"] == 2000
    with translation.override("es"):
        assert row.error_message.startswith("El mensaje ocupa ")
        assert "este buzón acepta como máximo 2,0" in row.error_message
    with translation.override("en"):
        assert "this mailbox accepts at most 2.0" in row.error_message


def test_a_spanish_manager_reads_the_error_in_spanish(manager, mailbox):
    """Stored while the desk spoke English; read in Spanish at display time."""
    row = InboundMessage.objects.get(pk=receive(NO_SENDER, mailbox=mailbox).message_id)
    client = _spanish(manager)
    listing = client.get("/mail/").content.decode()
    assert "El mensaje no tiene dirección de remitente." in listing
    assert "The message has no sender address." not in listing
    detail = client.get(f"/mail/failed/{row.pk}/").content.decode()
    assert "El mensaje no tiene dirección de remitente." in detail
    assert 'data-code="no_sender"' in detail


def test_the_api_gives_the_code_and_the_message_in_the_callers_language(manager, mailbox):
    receive(NO_SENDER, mailbox=mailbox)
    manager.language = "es"
    manager.save()
    (item,) = ApiClient(manager).get("/mail/failed").json()["items"]
    assert item["error_code"] == "no_sender"
    assert item["error"] == "El mensaje no tiene dirección de remitente."
    assert item["error_detail"] == ""
    manager.language = "en"
    manager.save()
    (item,) = ApiClient(manager).get("/mail/failed").json()["items"]
    assert item["error"] == "The message has no sender address."


def test_the_technical_detail_is_shown_apart_and_escaped(manager, mailbox, mail, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("<script>alert(1)</script>")

    monkeypatch.setattr(intake, "_new_ticket", broken)
    row = InboundMessage.objects.get(pk=receive(mail(), mailbox=mailbox).message_id)
    html = _spanish(manager).get(f"/mail/failed/{row.pk}/").content.decode()
    assert "Un error inesperado detuvo el procesamiento del mensaje." in html
    assert "Detalle técnico" in html
    assert "RuntimeError: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_discarding_names_who_did_it_in_the_readers_language(manager, mailbox):
    from atiende.mail.actions import inbound_discard

    row = InboundMessage.objects.get(pk=receive(NO_SENDER, mailbox=mailbox).message_id)
    inbound_discard(actor=manager, message_id=row.pk)
    row.refresh_from_db()
    assert row.status == InboundStatus.DISCARDED and row.error == ""
    from django.utils import translation

    with translation.override("es"):
        assert row.error_message == (
            f"El mensaje no tiene dirección de remitente. Descartado por {manager.display_name}."
        )


def test_rows_from_before_the_codes_keep_working(manager, mailbox):
    """No code: the stored text is shown as it is; the migration gives known sentences a code."""
    old = InboundMessage.objects.create(
        mailbox=mailbox, message_id="old@x", raw=b"x", received_at=timezone.now(),
        status=InboundStatus.FAILED, error="Something only English knew.",
    )  # fmt: skip
    known = InboundMessage.objects.create(
        mailbox=mailbox, message_id="known@x", raw=b"x", received_at=timezone.now(),
        status=InboundStatus.FAILED, error="El mensaje no tiene dirección de remitente.",
    )  # fmt: skip
    big = InboundMessage.objects.create(
        mailbox=mailbox, message_id="big@x", raw=b"x", received_at=timezone.now(),
        status=InboundStatus.TOO_LARGE,
        error="The message is 5000 bytes; this mailbox accepts at most 2000.",
    )  # fmt: skip
    assert old.error_message == "Something only English knew." and old.error_detail == ""
    listing = _spanish(manager).get("/mail/").content.decode()
    assert "Something only English knew." in listing

    migration = importlib.import_module("atiende.mail.migrations.0004_inbound_error_codes")
    migration.codes_for_old_rows(django_apps, None)
    old.refresh_from_db()
    known.refresh_from_db()
    big.refresh_from_db()
    assert (old.error_code, old.error) == ("", "Something only English knew.")
    assert (known.error_code, known.error) == ("no_sender", "")
    assert (big.error_code, big.error_params) == ("too_large", {"size": 5000, "limit": 2000})


def test_an_unknown_code_answers_the_stored_text():
    assert error_message("from_the_future", {}, "stored text") == "stored text"


# --- the preview ---------------------------------------------------------------------------


def test_preview_shows_headers_and_the_start_of_the_text(manager, mailbox, mail, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("hiccup")

    monkeypatch.setattr(intake, "_new_ticket", broken)
    body = "Primera línea <b>no es HTML</b>\n" + "x" * (PREVIEW_CHARS * 2)
    raw = mail(subject="Impresora 3B", body=body)
    row = InboundMessage.objects.get(pk=receive(raw, mailbox=mailbox).message_id)
    html = _spanish(manager).get(f"/mail/failed/{row.pk}/").content.decode()
    assert "Vista previa del mensaje" in html
    assert "Ana Pérez &lt;ana@example.org&gt;" in html
    assert "soporte@example.com" in html and "Impresora 3B" in html
    assert "Primera línea &lt;b&gt;no es HTML&lt;/b&gt;" in html
    assert "x" * PREVIEW_CHARS not in html  # bounded
    assert "Solo se muestra el principio" in html


def test_preview_of_html_only_mail_is_its_sanitised_text():
    raw = (
        b"From: ana@example.org\r\nTo: soporte@example.com\r\nSubject: html\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Hola,</p><p>no <b>funciona</b></p><script>alert(1)</script>"
        b"<img src='http://tracker.example/x.png'>"
    )
    preview = message_preview(raw)
    assert "Hola," in preview.body and "no funciona" in preview.body
    assert "alert" not in preview.body and "tracker" not in preview.body and "<" not in preview.body


def test_preview_of_something_that_is_no_message():
    junk = message_preview(b"\x00\x01\x02 junk")
    assert "junk" in junk.body and "\x00" not in junk.body and not junk.from_
    empty = message_preview(b"   \r\n")
    assert empty.unreadable


def test_preview_of_a_huge_message_reads_only_its_headers(monkeypatch):
    from atiende.mail.inbound import preview as preview_module

    monkeypatch.setattr(preview_module, "PREVIEW_PARSE_BYTES", 100)
    raw = b"From: ana@example.org\r\nSubject: big\r\n\r\n" + b"y" * 500
    preview = preview_module.message_preview(raw)
    assert preview.headers_only and preview.subject == "big" and preview.body == ""


def test_the_preview_page_works_for_an_unreadable_message(manager, mailbox):
    row = InboundMessage.objects.get(pk=receive(b"   \r\n", mailbox=mailbox).message_id)
    response = Client()
    response.force_login(manager)
    page = response.get(f"/mail/failed/{row.pk}/")
    assert page.status_code == 200
    assert "This is not a readable e-mail message." in page.content.decode()
