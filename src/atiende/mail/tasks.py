"""Celery tasks of the mail domain. `atiende.mail.poll` polls every active IMAP mailbox; it is
safe to overlap (intake claims each Message-ID once) and a mailbox that fails is recorded on
its health fields without stopping the others."""

from __future__ import annotations

from celery import shared_task

from .inbound.imap import collect_all


@shared_task(name="atiende.mail.poll", ignore_result=True)
def mail_poll() -> dict[str, object]:
    results = collect_all()
    return {
        "mailboxes": len(results),
        "fetched": sum(r.fetched for r in results),
        "errors": {r.mailbox: r.error for r in results if r.error},
    }
