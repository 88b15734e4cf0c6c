"""The portal's "My approvals" entry: a requester asked to approve (a requester's manager)
finds it in the portal's bar with how many wait, from any portal page; nobody else sees it;
it costs one query, and none for agents (the desk has its own)."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from atiende.catalogue import actions
from atiende.catalogue.models import ApproverSource
from atiende.changes.models import Approval
from tests.factories import RequesterFactory

ENTRY = 'href="/portal/catalogue/approvals/"'


def _client(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_entry_shows_while_approvals_wait(laptop, manager, requester, agent):
    boss = RequesterFactory(organization=requester.organization)
    requester.manager = boss
    requester.save(update_fields=["manager"])
    boss_client = _client(boss)
    assert ENTRY not in boss_client.get("/portal/").content.decode()

    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    actions.request_submit(actor=requester, item_id=laptop.pk, answers={"os": "mac"})
    for url in ("/portal/", "/portal/catalogue/", "/kb/"):
        html = boss_client.get(url).content.decode()
        assert ENTRY in html and "1 waiting for you" in html, url
    spanish = _client(boss, "es").get("/portal/").content.decode()
    assert "Mis aprobaciones" in spanish and "1 esperando su decisión" in spanish
    # The requester who asked, and agents, have no such entry.
    assert ENTRY not in _client(requester).get("/portal/").content.decode()
    assert ENTRY not in _client(agent).get("/desk/").content.decode()

    # Decided: the entry goes (but stays on the approvals page itself, as the current page).
    approval = Approval.objects.get(approver=boss)
    boss_client.post(f"/portal/catalogue/approvals/{approval.pk}/decide/", {"decision": "approve"})
    assert ENTRY not in boss_client.get("/portal/").content.decode()
    page = boss_client.get("/portal/catalogue/approvals/").content.decode()
    assert 'aria-current="page">My approvals' in page


def test_one_query(requester):
    client = _client(requester)
    client.get("/portal/")  # session, caches
    with CaptureQueriesContext(connection) as queries:
        client.get("/portal/")
    counted = [q["sql"] for q in queries.captured_queries if "changes_approval" in q["sql"]]
    assert len(counted) == 1 and "COUNT" in counted[0].upper()
