"""The knowledge base over the API: list, search, read, write, publish, feedback. Every read
goes through `selectors.articles_visible_to` (a requester never gets an internal article:
it answers 404, like a missing one); writes are for agents, publishing for managers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.core.api import Id, InputSchema, Moment, Ref, errors, next_url, person_ref
from atiende.core.errors import Forbidden
from atiende.core.pagination import check_cursor

from . import actions, selectors
from .models import Article, Audience, KnownError, Language, Status
from .rendering import render as render_markdown

router = Router(tags=["knowledge base"])


class ArticleQuery(Schema):
    q: str = Field("", max_length=200, description="Words to search for (ranked, with snippets).")
    status: str = Field("", pattern=r"^(|draft|review|published|archived)$")
    language: str = Field("", pattern=r"^(|es|en)$")
    category: Id | None = None
    tag: str = Field("", max_length=40)
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=50, ge=1, le=100)


class ArticleOut(Schema):
    id: int
    title: str
    language: str = Field(description=", ".join(Language.values))
    status: str = Field(description=", ".join(Status.values))
    audience: str = Field(description=", ".join(Audience.values))
    organization: int | None
    category: int | None
    tags: list[str]
    owner: dict | None
    review_on: date | None
    version: int
    created_at: Any
    updated_at: Any
    published_at: Any
    url: str
    snippet: str | None = None


class ArticleDetailOut(ArticleOut):
    body: str = Field(description="Markdown.")
    html: str = Field(description="The text rendered and sanitised.")
    translations: dict[str, int] = Field(description="Language → id of the same text.")
    items: list[int]
    known_error_of: list[str] = Field(
        description="The problems (numbers) it documents as their known error; agents only."
    )


class ArticlePageOut(Schema):
    items: list[ArticleOut]
    count: int
    count_exact: bool
    next: str | None


class ArticleIn(InputSchema):
    title: str = Field(max_length=400)
    body: str = Field(max_length=200_000)
    language: str = Field(pattern=r"^(es|en)$")
    audience: str = Field(Audience.REQUESTERS, pattern=r"^(public|requesters|organisation|agents)$")
    organization: Id | None = None
    category: Id | None = None
    tags: list[str] = Field(default=[], max_length=50)
    items: list[Id] = Field(default=[], max_length=100)
    owner: Id | None = None
    review_on: Moment | None = Field(None, description="A date (the day, in your time zone).")
    translation_of: Id | None = None


class ArticlePatchIn(InputSchema):
    version: int | None = Field(None, description="The version you read (409 when stale).")
    title: str | None = Field(None, max_length=400)
    body: str | None = Field(None, max_length=200_000)
    audience: str | None = Field(None, pattern=r"^(public|requesters|organisation|agents)$")
    organization: Id | None = None
    category: Id | None = None
    tags: list[str] | None = Field(None, max_length=50)
    items: list[Id] | None = Field(None, max_length=100)
    owner: Id | None = None
    review_on: Moment | None = Field(None, description="A date (the day, in your time zone).")


class ArticleTransitionIn(InputSchema):
    to: str = Field(pattern=r"^(draft|review|published|archived)$")
    note: str = Field("", max_length=2000)
    version: int | None = None


class FeedbackIn(InputSchema):
    helpful: bool
    comment: str = Field("", max_length=2000)


class FeedbackOut(Schema):
    id: int
    helpful: bool
    comment: str


def _data(request, article: Article, *, snippet: str | None = None) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "language": article.language,
        "status": article.status,
        "audience": article.audience,
        "organization": article.organization_id,
        "category": article.category_id,
        "tags": [t.name for t in article.tags.all()],
        "owner": person_ref(article.owner),
        "review_on": article.review_on,
        "version": article.version,
        "created_at": article.created_at,
        "updated_at": article.updated_at,
        "published_at": article.published_at,
        "url": request.build_absolute_uri(f"/kb/{article.pk}/"),
        "snippet": snippet,
    }


def _day(moment: datetime | None) -> date | None:
    """A review date sent as a date or a moment: its day in the caller's time zone."""
    return None if moment is None else timezone.localtime(moment).date()


def _agents_only(request, article_id: int) -> None:
    """Writes are for agents: others get 404 for what they cannot read (like a missing
    article), 403 for what they can."""
    if not request.user.is_agent:
        selectors.article_get(request.user, article_id)
        raise Forbidden()


def _detail(request, article_id: int) -> dict[str, Any]:
    article = selectors.article_get(request.user, article_id)
    data = _data(request, article)
    data.update(
        body=article.body,
        html=str(render_markdown(article.body)),
        translations={t.language: t.pk for t in selectors.translations_of(request.user, article)},
        items=list(article.items.values_list("id", flat=True)),
        known_error_of=[k.problem.number for k in selectors.known_error_of(request.user, article)],
    )
    return data


@router.get(
    "/articles",
    response={200: ArticlePageOut, **errors(401, 422)},
    url_name="knowledge_articles",
    summary="Articles the caller may read; with q, the best matches with snippets",
)
def article_list(request, query: Query[ArticleQuery]):
    if query.q.strip():
        hits = selectors.search(
            request.user,
            query.q,
            language=query.language,
            limit=query.limit,
            published_only=not request.user.is_agent or query.status == Status.PUBLISHED,
        )
        selectors._load_lists([h.article for h in hits])
        items = [_data(request, h.article, snippet=str(h.snippet)) for h in hits]
        return {"items": items, "count": len(items), "count_exact": True, "next": None}
    check_cursor(query.cursor, selectors.LIST_ORDER)
    filters = selectors.ArticleFilters(
        status=query.status, language=query.language, category=query.category, tag=query.tag
    )
    page = selectors.article_page(request.user, filters, cursor=query.cursor, limit=query.limit)
    return {
        "items": [_data(request, a) for a in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.get(
    "/articles/{article_id}",
    response={200: ArticleDetailOut, **errors(401, 404)},
    url_name="knowledge_article",
    summary="One article (404 when the caller may not read it)",
)
def article_get(request, article_id: Id):
    return _detail(request, article_id)


@router.post(
    "/articles",
    response={201: ArticleDetailOut, **errors(401, 403, 404, 422)},
    url_name="knowledge_article_create",
    summary="Write a new article, as a draft (agents)",
)
def article_create(request, body: ArticleIn):
    article = actions.article_create(
        actor=request.user,
        title=body.title,
        body=body.body,
        language=body.language,
        audience=body.audience,
        organization_id=body.organization,
        category_id=body.category,
        tags=body.tags,
        item_ids=body.items,
        owner_id=body.owner,
        review_on=_day(body.review_on),
        translation_of=body.translation_of,
    )
    return Reply(201, _detail(request, article.pk))


@router.patch(
    "/articles/{article_id}",
    response={200: ArticleDetailOut, **errors(401, 403, 404, 409, 422)},
    url_name="knowledge_article_update",
    summary="Change an article (agents); a new version when its title or text changes",
)
def article_update(request, article_id: Id, body: ArticlePatchIn):
    _agents_only(request, article_id)
    sent = body.model_dump(exclude_unset=True)
    version = sent.pop("version", None)
    renamed = {
        "organization": "organization_id",
        "category": "category_id",
        "items": "item_ids",
        "owner": "owner_id",
    }
    changes = {renamed.get(k, k): v for k, v in sent.items()}
    if "review_on" in changes:
        changes["review_on"] = _day(body.review_on)
    actions.article_update(actor=request.user, article_id=article_id, version=version, **changes)
    return _detail(request, article_id)


@router.post(
    "/articles/{article_id}/transition",
    response={200: ArticleDetailOut, **errors(401, 403, 404, 409, 422)},
    url_name="knowledge_article_transition",
    summary="Send to review, publish (managers), archive or take back to draft",
)
def article_transition(request, article_id: Id, body: ArticleTransitionIn):
    _agents_only(request, article_id)
    actions.article_transition(
        actor=request.user, article_id=article_id, to=body.to, note=body.note, version=body.version
    )
    return _detail(request, article_id)


@router.post(
    "/articles/{article_id}/feedback",
    response={201: FeedbackOut, **errors(401, 404, 422)},
    url_name="knowledge_article_feedback",
    summary="Was this article helpful? (any reader of a published article)",
)
def article_feedback(request, article_id: Id, body: FeedbackIn):
    row = actions.feedback_give(
        actor=request.user, article_id=article_id, helpful=body.helpful, comment=body.comment
    )
    return Reply(201, {"id": row.pk, "helpful": row.helpful, "comment": row.comment})


# --- known errors -------------------------------------------------------------------------------


class KnownErrorIn(InputSchema):
    article: Id = Field(description="The article that documents the workaround.")


class KnownErrorArticleOut(Schema):
    id: int
    title: str
    status: str
    audience: str
    url: str


class KnownErrorOut(Schema):
    problem: dict = Field(description="The problem ticket: id and number.")
    article: KnownErrorArticleOut
    linked_at: Any


def _known_error(request, row: KnownError) -> dict[str, Any]:
    article = row.article
    return {
        "problem": {"id": row.problem_id, "number": row.problem.number},
        "article": {
            "id": article.pk,
            "title": article.title,
            "status": article.status,
            "audience": article.audience,
            "url": request.build_absolute_uri(f"/kb/{article.pk}/"),
        },
        "linked_at": row.linked_at,
    }


def _desk_ticket(request, ticket_id: str):
    """The ticket through the tickets' access rule (404), then agents only (403: the ticket's
    requester sees the ticket, not the desk's known errors)."""
    from atiende.tickets.selectors import ticket_get

    ticket = ticket_get(request.user, ticket_id)
    if not request.user.is_agent:
        raise Forbidden()
    return ticket


@router.get(
    "/tickets/{ticket_id}/known-errors",
    response={200: list[KnownErrorOut], **errors(401, 403, 404, 422)},
    url_name="knowledge_ticket_known_errors",
    summary="The known errors of a ticket: a problem's own, or those of the problems it is "
    "linked to (agents)",
)
def ticket_known_errors(request, ticket_id: Ref):
    ticket = _desk_ticket(request, ticket_id)
    rows = selectors.known_errors_for_tickets(request.user, [ticket]).get(ticket.pk, [])
    return [_known_error(request, row) for row in rows]


@router.put(
    "/tickets/{ticket_id}/known-error",
    response={200: KnownErrorOut, **errors(401, 403, 404, 422)},
    url_name="knowledge_ticket_known_error_link",
    summary="Make an article the known-error article (workaround) of a problem (agents)",
)
def known_error_link(request, ticket_id: Ref, body: KnownErrorIn):
    ticket = _desk_ticket(request, ticket_id)
    row = actions.known_error_link(actor=request.user, ticket_id=ticket.pk, article_id=body.article)
    row.problem = ticket
    return _known_error(request, row)


@router.delete(
    "/tickets/{ticket_id}/known-error",
    response={204: None, **errors(401, 403, 404, 422)},
    url_name="knowledge_ticket_known_error_unlink",
    summary="The problem has no known-error article any more (agents)",
)
def known_error_unlink(request, ticket_id: Ref):
    ticket = _desk_ticket(request, ticket_id)
    actions.known_error_unlink(actor=request.user, ticket_id=ticket.pk)
    return Reply(204, None)
