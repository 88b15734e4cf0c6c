"""The desk's pages: list, editor with preview, publishing, history and diff, an article
written from a resolved ticket. Requesters get none of them."""

from __future__ import annotations

from atiende.knowledge.models import Article, ArticleVersion, Status
from atiende.tickets import actions as ticket_actions

from ..factories import make_ticket


def test_requesters_are_sent_to_the_portal(requester, client):
    client.force_login(requester)
    assert client.get("/desk/kb/").status_code == 302
    assert client.get("/desk/kb/new/").status_code == 404


def test_write_preview_publish_and_diff(agent, manager, client):
    client.force_login(agent)
    assert client.get("/desk/kb/").status_code == 200
    preview = client.post("/desk/kb/preview/", {"body": "**hola** <script>x</script>"})
    assert b"<strong>hola</strong>" in preview.content and b"<script>" not in preview.content
    response = client.post(
        "/desk/kb/new/",
        {"title": "Correo", "language": "es", "body": "Abra Outlook.", "audience": "requesters"},
    )
    article = Article.objects.get()
    assert response.status_code == 302 and article.title == "Correo"
    edit = client.post(
        f"/desk/kb/{article.pk}/edit/",
        {
            "title": "Correo",
            "language": "es",
            "body": "Abra Thunderbird.",
            "audience": "requesters",
            "version": "1",
        },
    )
    assert edit.status_code == 302
    diff = client.get(f"/desk/kb/{article.pk}/diff/").content.decode()
    assert "Abra Thunderbird." in diff and "Abra Outlook." in diff
    stale = client.post(
        f"/desk/kb/{article.pk}/edit/",
        {"title": "X", "language": "es", "body": "Y", "audience": "requesters", "version": "1"},
    )
    assert stale.status_code in (409, 422)
    assert ArticleVersion.objects.filter(article=article).count() == 2
    client.post(f"/desk/kb/{article.pk}/status/", {"to": "published"})
    article.refresh_from_db()
    assert article.status == Status.DRAFT  # agents do not publish
    client.force_login(manager)
    client.post(f"/desk/kb/{article.pk}/status/", {"to": "published"})
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    page = client.get(f"/desk/kb/{article.pk}/").content.decode()
    assert "Published" in page and "version" in page


def test_bad_form_writes_nothing(agent, client):
    client.force_login(agent)
    response = client.post("/desk/kb/new/", {"title": "", "language": "xx", "body": ""})
    assert response.status_code == 422
    assert not Article.objects.exists()


def test_article_from_a_resolved_ticket(agent, requester, client, desk_default_team):
    ticket = make_ticket(requester, actor=agent, title="No llega el correo")
    client.force_login(agent)
    assert client.get("/desk/kb/new/", {"from_ticket": ticket.number}).status_code == 400
    ticket_actions.ticket_transition(
        actor=agent,
        ticket_id=ticket.pk,
        to="resolved",
        resolution_code="solved",
        resolution_notes="Vaciamos el buzón lleno.",
    )
    form = client.get("/desk/kb/new/", {"from_ticket": ticket.number}).content.decode()
    assert "No llega el correo" in form and "Vaciamos el buzón lleno." in form
    client.post(
        "/desk/kb/new/",
        {
            "from_ticket": ticket.number,
            "title": "Buzón lleno",
            "language": "es",
            "body": "Vacíe el buzón.",
            "audience": "requesters",
        },
    )
    assert Article.objects.get().source_ticket_id == ticket.pk


def test_due_for_review_filter(agent, client):
    from datetime import date

    from atiende.knowledge import actions

    due = actions.article_create(
        actor=agent, title="Old VPN", body="x", language="en", review_on=date(2020, 1, 1)
    )
    actions.article_create(
        actor=agent, title="Fresh Wi-Fi", body="y", language="en", review_on=date(2999, 1, 1)
    )
    client.force_login(agent)
    html = client.get("/desk/kb/", {"due": "1"}).content.decode()
    assert due.title in html and "Fresh Wi-Fi" not in html
