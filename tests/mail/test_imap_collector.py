"""The IMAP collector against a real Dovecot started by the test run: fetch, flag or move,
crash half-way, two collectors at once, a server that cannot be reached."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection
from imapclient import IMAPClient

from atiende.mail.inbound.imap import collect, collect_all
from atiende.mail.models import AfterProcessing, ImapSecurity, InboundMessage, InboundStatus
from atiende.tickets.models import Ticket

from .conftest import make_mail

FIXTURES = Path(__file__).parent / "fixtures"


def _client(server) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    client.login(server.username, server.password)
    return client


@pytest.fixture
def folder(dovecot):
    name = f"T{uuid.uuid4().hex[:10]}"
    with _client(dovecot) as client:
        client.create_folder(name)
    return name


@pytest.fixture
def imap_mailbox(mailbox, dovecot, folder):
    mailbox.imap_host = dovecot.host
    mailbox.imap_port = dovecot.port
    mailbox.imap_security = ImapSecurity.NONE
    mailbox.imap_username = dovecot.username
    mailbox.imap_password = dovecot.password
    mailbox.imap_folder = folder
    mailbox.save()
    return mailbox


def _append(server, folder: str, *messages: bytes) -> None:
    with _client(server) as client:
        for raw in messages:
            client.append(folder, raw)


def _flags(server, folder: str) -> dict[str, int]:
    with _client(server) as client:
        info = client.select_folder(folder, readonly=True)
        unseen = client.search(["UNSEEN"])
        return {"exists": info[b"EXISTS"], "unseen": len(unseen)}


def _corpus(*names: str) -> list[bytes]:
    return [(FIXTURES / f"{name}.eml").read_bytes() for name in names]


@pytest.mark.django_db
def test_collects_new_mail_and_flags_it_seen(imap_mailbox, dovecot, folder):
    messages = _corpus("gmail_es_reply", "charset_iso_8859_1", "inline_image_cid")
    messages.append(make_mail(message_id="<imap-1@x.org>"))
    _append(dovecot, folder, *messages)

    result = collect(imap_mailbox)

    assert result.ok and result.fetched == 4
    assert InboundMessage.objects.filter(source="imap").count() == 4
    assert Ticket.objects.count() == 4
    assert _flags(dovecot, folder) == {"exists": 4, "unseen": 0}
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_success_at is not None and imap_mailbox.last_error == ""
    # Nothing new: nothing fetched.
    assert collect(imap_mailbox).fetched == 0


@pytest.mark.django_db
def test_processed_mail_can_be_moved_to_a_folder(imap_mailbox, dovecot, folder):
    imap_mailbox.after_processing = AfterProcessing.MOVE
    imap_mailbox.processed_folder = f"{folder}-done"
    imap_mailbox.save()
    _append(dovecot, folder, make_mail(), make_mail())

    assert collect(imap_mailbox).fetched == 2

    assert _flags(dovecot, folder)["exists"] == 0
    assert _flags(dovecot, f"{folder}-done")["exists"] == 2


@pytest.mark.django_db
def test_a_crash_before_marking_loses_nothing_and_duplicates_nothing(
    imap_mailbox,
    dovecot,
    folder,
    monkeypatch,
):
    from atiende.mail.inbound import imap

    _append(dovecot, folder, make_mail(), make_mail(message_id=None), make_mail())

    def crash(*args, **kwargs):
        raise ConnectionResetError("connection lost after the commit")

    monkeypatch.setattr(imap, "_mark", crash)
    first = collect(imap_mailbox)
    assert "connection lost" in first.error
    assert Ticket.objects.count() == 3
    assert _flags(dovecot, folder)["unseen"] == 3  # still there, unseen

    monkeypatch.undo()
    again = collect(imap_mailbox)
    assert again.ok and again.outcomes == {"duplicate": 3}
    assert Ticket.objects.count() == 3
    assert _flags(dovecot, folder)["unseen"] == 0


@pytest.mark.django_db
def test_oversized_and_unparseable_mail_over_imap(imap_mailbox, dovecot, folder):
    imap_mailbox.max_message_bytes = 3000
    imap_mailbox.save()
    _append(dovecot, folder, make_mail(body="x" * 10_000, message_id="<huge@x.org>"))
    result = collect(imap_mailbox)
    assert result.outcomes == {"too_large": 1}
    assert InboundMessage.objects.get().status == InboundStatus.TOO_LARGE


@pytest.mark.django_db
def test_a_mailbox_that_cannot_connect_is_recorded_not_silent(mailbox, dovecot, caplog):
    mailbox.imap_host = dovecot.host
    mailbox.imap_port = dovecot.port
    mailbox.imap_security = ImapSecurity.NONE
    mailbox.imap_username = dovecot.username
    mailbox.imap_password = "wrong"
    mailbox.save()

    (result,) = collect_all()

    assert not result.ok and "connect" in result.error
    mailbox.refresh_from_db()
    assert mailbox.last_error and mailbox.last_error_at is not None
    assert mailbox.last_success_at is None
    assert any("soporte" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_refused_connection_is_recorded(mailbox):
    mailbox.imap_host = "127.0.0.1"
    mailbox.imap_port = 9  # discard: nothing listens
    mailbox.imap_security = ImapSecurity.NONE
    mailbox.save()
    result = collect(mailbox)
    assert "ConnectionRefusedError" in result.error


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_collectors_at_once_process_each_message_once(imap_mailbox, dovecot, folder):
    messages = [make_mail(subject=f"Asunto {i}") for i in range(20)]
    messages += [make_mail(message_id=None, body=f"sin id {i}") for i in range(5)]
    _append(dovecot, folder, *messages)
    results = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            results.append(collect(imap_mailbox))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert Ticket.objects.count() == 25
    assert InboundMessage.objects.count() == 25
    assert sum(r.outcomes.get("created", 0) for r in results) == 25
    assert _flags(dovecot, folder)["unseen"] == 0


@pytest.mark.django_db
def test_the_periodic_task_and_the_command_poll_the_mailboxes(
    imap_mailbox, dovecot, folder, capsys
):
    from atiende import cli
    from atiende.core import background
    from atiende.mail.tasks import mail_poll

    assert "atiende.mail.poll" in {job.task for job in background.PERIODIC_JOBS}
    assert mail_poll.name == "atiende.mail.poll"
    _append(dovecot, folder, make_mail(), make_mail())
    summary = mail_poll()
    assert summary == {"mailboxes": 1, "fetched": 2, "errors": {}}

    _append(dovecot, folder, make_mail())
    assert cli.main(["mail", "fetch", "--mailbox", "soporte"]) == 0
    assert "soporte: created 1" in capsys.readouterr().out
    assert cli.main(["mail", "fetch", "--mailbox", "nope"]) == 2
    imap_mailbox.imap_password = "wrong"
    imap_mailbox.save()
    assert cli.main(["mail", "fetch"]) == 1
    assert Ticket.objects.count() == 3


@pytest.fixture
def trust_test_ca(dovecot_tls, monkeypatch):
    import ssl

    from atiende.mail.inbound import imap

    monkeypatch.setattr(
        imap, "tls_context", lambda: ssl.create_default_context(cafile=str(dovecot_tls.ca_file))
    )


@pytest.mark.django_db
@pytest.mark.parametrize("security", [ImapSecurity.SSL, ImapSecurity.STARTTLS])
def test_tls_and_starttls(mailbox, dovecot_tls, trust_test_ca, security):
    name = f"T{uuid.uuid4().hex[:10]}"
    with _client(dovecot_tls) as client:
        client.create_folder(name)
    _append(dovecot_tls, name, make_mail())
    mailbox.imap_host = dovecot_tls.host
    mailbox.imap_port = dovecot_tls.tls_port if security == ImapSecurity.SSL else dovecot_tls.port
    mailbox.imap_security = security
    mailbox.imap_username = dovecot_tls.username
    mailbox.imap_password = dovecot_tls.password
    mailbox.imap_folder = name
    mailbox.save()
    result = collect(mailbox)
    assert result.ok, result.error
    assert result.outcomes == {"created": 1}


@pytest.mark.django_db
def test_an_untrusted_certificate_is_refused_and_recorded(mailbox, dovecot_tls):
    mailbox.imap_host = dovecot_tls.host
    mailbox.imap_port = dovecot_tls.tls_port
    mailbox.imap_security = ImapSecurity.SSL
    mailbox.save()
    result = collect(mailbox)
    assert "CERTIFICATE_VERIFY_FAILED" in result.error or "SSLCertVerificationError" in result.error
    mailbox.refresh_from_db()
    assert mailbox.last_error == result.error
