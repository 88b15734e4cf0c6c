"""Writing articles: drafts, review, publishing by a manager, archiving; a version per save
of the text with a diff; the article's history; translations; bad input changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from atiende.knowledge import actions, selectors
from atiende.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleEvent,
    ArticleVersion,
    Audience,
    Status,
)

from ..api.conftest import ApiClient, assert_error


@pytest.fixture
def draft(agent):
    return actions.article_create(
        actor=agent, title="VPN", body="Open the client.\nConnect.", language="en"
    )


def test_lifecycle_draft_review_published_archived(draft, agent, manager, requester):
    assert draft.status == Status.DRAFT and draft.owner == agent
    assert not selectors.search(requester, "vpn")
    actions.article_transition(actor=agent, article_id=draft.pk, to=Status.REVIEW)
    with pytest.raises(Forbidden):
        actions.article_transition(actor=agent, article_id=draft.pk, to=Status.PUBLISHED)
    published = actions.article_transition(
        actor=manager, article_id=draft.pk, to=Status.PUBLISHED, note="Looks good"
    )
    assert published.published_at is not None
    assert [h.article for h in selectors.search(requester, "vpn")] == [published]
    actions.article_transition(actor=agent, article_id=draft.pk, to=Status.ARCHIVED)
    assert not selectors.search(requester, "vpn")
    with pytest.raises(ValidationFailed):
        actions.article_transition(actor=agent, article_id=draft.pk, to=Status.REVIEW)
    events = ArticleEvent.objects.filter(article=draft).order_by("id")
    assert [(e.type, e.old, e.new) for e in events] == [
        ("created", "", "draft"),
        ("status", "draft", "review"),
        ("status", "review", "published"),
        ("status", "published", "archived"),
    ]
    assert events[2].note == "Looks good" and events[2].actor_name == manager.display_name


def test_requesters_cannot_write(requester, draft):
    with pytest.raises(Forbidden):
        actions.article_create(actor=requester, title="x", body="y", language="en")
    with pytest.raises(Forbidden):
        actions.article_update(actor=requester, article_id=draft.pk, title="Mine")


def test_every_save_of_the_text_is_a_version_with_a_diff(draft, agent):
    updated = actions.article_update(
        actor=agent, article_id=draft.pk, version=1, body="Open the client.\nConnect to VPN-2."
    )
    actions.article_update(actor=agent, article_id=draft.pk, tags=["network"])  # no new text
    versions = selectors.versions_of(agent, updated)
    assert [v.number for v in versions] == [2, 1]
    lines = selectors.version_diff(agent, updated, None, 2)
    assert ("del", "Connect.") in lines and ("add", "Connect to VPN-2.") in lines
    with pytest.raises(Conflict):
        actions.article_update(actor=agent, article_id=draft.pk, version=1, title="Stale")
    with pytest.raises(NotFound):
        selectors.version_diff(agent, updated, 1, 99)


def test_translations_share_a_group(draft, agent):
    spanish = actions.article_create(
        actor=agent, title="VPN", body="Abra el cliente.", language="es", translation_of=draft.pk
    )
    assert spanish.group_id == draft.group_id
    assert selectors.translations_of(agent, draft) == [spanish]
    with pytest.raises(ValidationFailed) as raised:
        actions.article_create(
            actor=agent, title="Otra", body="x", language="es", translation_of=draft.pk
        )
    assert "language" in raised.value.errors


def test_search_is_accent_insensitive_and_two_language_and_ranked(agent, manager, requester):
    def make(title, body, language):
        a = actions.article_create(actor=agent, title=title, body=body, language=language)
        return actions.article_transition(actor=manager, article_id=a.pk, to=Status.PUBLISHED)

    in_title = make("Configurar la impresión", "Pasos.", "es")
    in_body = make("Oficina", "Las impresoras del piso y la impresion a color.", "es")
    english = make("Printers", "Printing from a laptop.", "en")
    found = [h.article for h in selectors.search(requester, "impresión")]
    assert found[0] == in_title and set(found) == {in_title, in_body}
    assert [h.article for h in selectors.search(requester, "printing")] == [english]
    hit = selectors.search(requester, "impresoras")[0]
    assert "<mark>" in hit.snippet
    assert "<script>" not in str(selectors.snippet("<script>alert(1)</script> impresora", "x"))


def test_bad_input_writes_nothing(agent, requester):
    before = Article.objects.count(), ArticleVersion.objects.count()
    with pytest.raises(ValidationFailed) as raised:
        actions.article_create(
            actor=agent, title="", body="", language="fr", audience="organisation", tags=["x" * 99]
        )
    assert {"title", "body", "language", "tags"} <= set(raised.value.errors)
    with pytest.raises(ValidationFailed):
        actions.article_create(
            actor=agent, title="T", body="B", language="en", audience=Audience.ORGANISATION
        )
    with pytest.raises(ValidationFailed):
        actions.article_create(actor=agent, title="T", body="B", language="en", item_ids=[999999])
    assert (Article.objects.count(), ArticleVersion.objects.count()) == before


def test_upload_policy(draft, agent, settings):
    with pytest.raises(ValidationFailed):
        actions.attachment_add(
            actor=agent, article_id=draft.pk, upload=SimpleUploadedFile("run.exe", b"MZ....")
        )
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(PayloadTooLarge):
        actions.attachment_add(
            actor=agent, article_id=draft.pk, upload=SimpleUploadedFile("big.txt", b"x" * 11)
        )
    assert not ArticleAttachment.objects.exists()


def test_images_only_from_own_attachments():
    from atiende.knowledge.rendering import render

    html = str(render("![a](/kb/attachments/3/preview/) ![b](https://evil.example/x.png)"))
    assert 'src="/kb/attachments/3/preview/"' in html
    assert "evil.example" not in html
    assert "<script" not in str(render("<script>alert(1)</script>"))


def test_api_write_and_publish(agent, manager, requester):
    api = ApiClient(agent)
    created = api.post(
        "/articles",
        {"title": "Wi-Fi", "body": "Use **eduroam**.", "language": "en", "tags": ["wifi"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and "<strong>eduroam</strong>" in body["html"]
    article_id = body["id"]
    assert_error(api.patch(f"/articles/{article_id}", {"version": 99, "title": "x"}), 409)
    patched = api.patch(f"/articles/{article_id}", {"version": 1, "title": "Wi-Fi access"})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert_error(api.post(f"/articles/{article_id}/transition", {"to": "published"}), 403)
    manager_api = ApiClient(manager)
    done = manager_api.post(f"/articles/{article_id}/transition", {"to": "published"})
    assert done.json()["status"] == "published"
    assert ApiClient(requester).get(f"/articles/{article_id}").status_code == 200
    assert_error(
        ApiClient(requester).post("/articles", {"title": "x", "body": "y", "language": "en"}), 403
    )


def test_api_bad_input_is_4xx_and_writes_nothing(agent):
    api = ApiClient(agent)
    before = Article.objects.count()
    assert_error(api.post("/articles", {"title": "x", "body": "y", "language": "fr"}), 422)
    assert_error(
        api.post("/articles", {"title": "x", "body": "y", "language": "en", "unknown": 1}), 422
    )
    assert_error(api.post("/articles", {"title": " ", "body": "y", "language": "en"}), 422, "title")
    assert_error(
        api.post("/articles", {"title": "x", "body": "y", "language": "en", "category": 999}),
        422,
        "category",
    )
    assert_error(api.get("/articles", {"cursor": "garbage"}), 422)
    assert_error(api.get("/articles/999999"), 404)
    assert Article.objects.count() == before


def test_feedback(agent, manager, requester, stranger):
    article = actions.article_create(
        actor=agent, title="Mail", body="Outlook", language="en", audience=Audience.AGENTS
    )
    actions.article_transition(actor=manager, article_id=article.pk, to=Status.PUBLISHED)
    with pytest.raises(NotFound):
        actions.feedback_give(actor=requester, article_id=article.pk, helpful=True)
    actions.article_update(actor=agent, article_id=article.pk, audience=Audience.REQUESTERS)
    api = ApiClient(requester)
    assert api.post(f"/articles/{article.pk}/feedback", {"helpful": False}).status_code == 201
    assert (
        api.post(
            f"/articles/{article.pk}/feedback", {"helpful": True, "comment": "Worked"}
        ).status_code
        == 201
    )
    assert selectors.feedback_summary([article]) == {article.pk: (1, 0)}
    assert [f.comment for f in selectors.feedback_of(agent, article)] == ["Worked"]
    assert selectors.feedback_of(requester, article) == []
    assert_error(api.post(f"/articles/{article.pk}/feedback", {"helpful": "maybe"}), 422)
