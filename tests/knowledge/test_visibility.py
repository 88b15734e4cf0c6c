"""One rule, every path: an article reaches a reader through search, suggestions, the API,
the portal's pages, attachments and reply links only if `articles_visible_to` lets it; an
internal (agents-only) or unpublished article never reaches a requester."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.knowledge import actions, selectors

from ..api.conftest import ApiClient
from ..factories import make_ticket
from .conftest import EXPECTED, WORD


@pytest.fixture
def readers(requester, stranger, agent):
    return {
        "anonymous": AnonymousUser(),
        "requester": requester,
        "stranger": stranger,
        "agent": agent,
    }


def _names(kb, ids):
    by_id = {a.pk: name for name, a in kb.items()}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_search_and_suggestions(kb, readers, who):
    reader = readers[who]
    found = selectors.search(reader, WORD)
    assert _names(kb, [h.article.pk for h in found]) == EXPECTED[who]
    suggested = selectors.suggest(reader, f"mi {WORD} no funciona", limit=10)
    assert _names(kb, [h.article.pk for h in suggested]) <= EXPECTED[who]
    assert "internal" not in _names(kb, [h.article.pk for h in suggested]) or who == "agent"


@pytest.mark.parametrize("who", list(EXPECTED))
def test_portal_pages(kb, readers, who, client):
    if who != "anonymous":
        client.force_login(readers[who])
    for name, article in kb.items():
        response = client.get(f"/kb/{article.pk}/")
        if name in EXPECTED[who]:
            assert response.status_code == 200, name
            assert article.title in response.content.decode()
        elif who == "agent":  # agents read drafts in the desk
            assert response.status_code == 302
        else:
            assert response.status_code == 404, name
    page = client.get("/kb/search/", {"q": WORD}).content.decode()
    for name, article in kb.items():
        assert (article.title in page) == (name in EXPECTED[who]), name
    home = client.get("/kb/").content.decode()
    assert ("notas internas" in home) == (who == "agent")


@pytest.mark.parametrize("who", ["requester", "stranger", "agent"])
def test_suggestions_endpoint(kb, readers, who, client):
    client.force_login(readers[who])
    html = client.get("/kb/suggest/", {"title": f"{WORD} rota", "description": ""}).content
    shown = {name for name, a in kb.items() if a.title.encode() in html}
    assert shown <= EXPECTED[who]
    assert ("internal" in shown) == (who == "agent")


@pytest.mark.parametrize("who", ["requester", "stranger", "agent"])
def test_api(kb, readers, who):
    api = ApiClient(readers[who])
    listed = api.get("/articles", {"status": "published"}).json()["items"]
    assert _names(kb, [a["id"] for a in listed]) == EXPECTED[who]
    searched = api.get("/articles", {"q": WORD}).json()["items"]
    expected = EXPECTED[who] | ({"draft"} if who == "agent" else set())
    assert _names(kb, [a["id"] for a in searched]) == expected
    assert all("<mark>" in a["snippet"] for a in searched)
    for name, article in kb.items():
        status = api.get(f"/articles/{article.pk}").status_code
        visible = name in EXPECTED[who] or who == "agent"
        assert status == (200 if visible else 404), name


def test_attachments_follow_the_article(kb, agent, requester, stranger):
    files = {}
    for name in ("internal", "organisation", "public"):
        upload = SimpleUploadedFile("paso.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, "image/png")
        files[name] = actions.attachment_add(actor=agent, article_id=kb[name].pk, upload=upload)
    for who, reader in (("requester", requester), ("stranger", stranger), ("agent", agent)):
        client = Client()
        client.force_login(reader)
        for name, attachment in files.items():
            status = client.get(f"/kb/attachments/{attachment.pk}/").status_code
            assert status == (200 if name in EXPECTED[who] else 404), (who, name)
    assert Client().get(f"/kb/attachments/{files['public'].pk}/").status_code == 200
    assert Client().get(f"/kb/attachments/{files['organisation'].pk}/").status_code == 404


def test_reply_links_only_for_articles_the_requester_reads(
    kb, agent, requester, client, desk_default_team
):
    ticket = make_ticket(requester)
    client.force_login(agent)
    ok = client.get(f"/desk/kb/{kb['organisation'].pk}/link/", {"ticket": ticket.number})
    assert ok.status_code == 200 and f"/kb/{kb['organisation'].pk}/" in ok.content.decode()
    for name in ("internal", "draft"):
        response = client.get(f"/desk/kb/{kb[name].pk}/link/", {"ticket": ticket.number})
        assert response.status_code == 404, name


def test_ticket_panel_offers_links_only_when_shareable(
    kb, agent, requester, client, desk_default_team
):
    ticket = make_ticket(requester, title=f"La {WORD} no imprime", description="Nada sale.")
    client.force_login(agent)
    page = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    # The card is drawn with the page; its content comes after it (htmx), not in it.
    fragment_url = f"/desk/kb/ticket/{ticket.number}/"
    assert "Suggested articles" in page and f'hx-get="{fragment_url}"' in page
    assert kb["internal"].title not in page
    html = client.get(fragment_url, HTTP_HX_REQUEST="true").content.decode()
    assert kb["internal"].title in html and "<html" not in html
    assert f"/desk/kb/{kb['internal'].pk}/link/" not in html
    assert f"/desk/kb/{kb['public'].pk}/link/" in html
    without_js = client.get(fragment_url).content.decode()
    assert kb["internal"].title in without_js and "<html" in without_js


def test_ticket_suggestions_follow_the_tickets_access_rule(
    kb, agent, requester, client, desk_default_team
):
    ticket = make_ticket(requester, title=f"La {WORD} no imprime")
    client.force_login(requester)
    assert client.get(f"/desk/kb/ticket/{ticket.number}/").status_code in (302, 403, 404)
    client.force_login(agent)
    assert client.get("/desk/kb/ticket/T-999999999/").status_code == 404


def test_requester_never_gets_the_desk_panel(kb, requester, client):
    ticket = make_ticket(requester, title=f"La {WORD} no imprime")
    client.force_login(requester)
    html = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert kb["internal"].title not in html and "Suggested articles" not in html
