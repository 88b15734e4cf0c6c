"""Every change to the knowledge base: keyword-only, one transaction, access check,
validation, a row in the article's timeline (ArticleEvent, its audit trail), a version per
save of the text, events published after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import Organization, User
from atiende.cmdb.models import ConfigurationItem
from atiende.core import clock, events
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.queries import one_or_none
from atiende.core.sanitize import clean_text
from atiende.core.text import has_lone_surrogate
from atiende.core.versions import check_version
from atiende.tickets import attachments as files
from atiende.tickets import timeline
from atiende.tickets.models import Category, Kind, Ticket
from atiende.tickets.models import EventType as TicketEventType
from atiende.tickets.selectors import tickets_visible_to

from . import search, selectors, workflow
from .events import (
    ArticleSaved,
    ArticleTransitioned,
    KnownErrorLinked,
    KnownErrorUnlinked,
    TicketDeflected,
)
from .models import (
    BODY_MAX,
    COMMENT_MAX,
    TAG_MAX,
    TITLE_MAX,
    Article,
    ArticleAttachment,
    ArticleEvent,
    ArticleSearchDocument,
    ArticleVersion,
    Audience,
    DeflectionEvent,
    EventType,
    Feedback,
    KnownError,
    Language,
    Status,
    Tag,
    TicketSuggestion,
    TranslationGroup,
)

STALE = _("This article was changed by someone else (version %(current)d, you had %(yours)d).")
MAX_TAGS = 20
MAX_ITEMS = 50


def _require_agent(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_agent):
        raise Forbidden(_("Only agents can do this."))


def _event(article: Article, actor: User, type: str, *, old="", new="", note="") -> None:
    ArticleEvent.objects.create(
        article=article,
        actor=actor,
        actor_name=actor.display_name,
        type=type,
        old=old,
        new=new,
        note=note[:2000],
        created_at=clock.now(),
    )


def _index(article: Article, tags: list[str]) -> None:
    title_terms, body_terms = search.document_terms(article.title, article.body, tags)
    ArticleSearchDocument.objects.update_or_create(
        article=article, defaults={"title_terms": title_terms, "body_terms": body_terms}
    )


def _snapshot(article: Article, actor: User) -> None:
    ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        author=actor,
        created_at=article.updated_at,
    )


def _cleaned(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate what a writer sent; every problem at once, on its field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name in ("title", "body"):
        if name in fields:
            value = fields[name]
            if not isinstance(value, str) or has_lone_surrogate(value):
                errors[name] = [_("Enter text.")]
                continue
            value = clean_text(value)
            if name == "title":
                value = value.replace("\n", " ")
            limit = TITLE_MAX if name == "title" else BODY_MAX
            if not value:
                errors[name] = [
                    _("A title is required.") if name == "title" else _("Write something first.")
                ]
            elif len(value) > limit:
                errors[name] = [_("This text is too long.")]
            else:
                out[name] = value
    if "language" in fields:
        if fields["language"] not in Language.values:
            errors["language"] = [_("Choose Spanish or English.")]
        else:
            out["language"] = fields["language"]
    if "audience" in fields:
        if fields["audience"] not in Audience.values:
            errors["audience"] = [_("Choose who may read the article.")]
        else:
            out["audience"] = fields["audience"]
    if "organization_id" in fields:
        org = fields["organization_id"]
        if org is None:
            out["organization"] = None
        elif (found := Organization.objects.filter(pk=org).first()) is None:
            errors["organization"] = [_("This organisation does not exist.")]
        else:
            out["organization"] = found
    if "category_id" in fields:
        cat = fields["category_id"]
        if cat is None:
            out["category"] = None
        elif (category := Category.objects.filter(pk=cat).first()) is None:
            errors["category"] = [_("This category does not exist.")]
        else:
            out["category"] = category
    if "owner_id" in fields and fields["owner_id"] is not None:
        owner = User.objects.filter(pk=fields["owner_id"], is_active=True).first()
        if owner is None or not owner.is_agent:
            errors["owner"] = [_("The owner must be an active agent.")]
        else:
            out["owner"] = owner
    if "review_on" in fields:
        value = fields["review_on"]
        if value is not None and not isinstance(value, date):
            errors["review_on"] = [_("Enter a date.")]
        else:
            out["review_on"] = value
    if "tags" in fields:
        tags = []
        for tag in fields["tags"] or []:
            tag = clean_text(str(tag)).lower()
            if not tag:
                continue
            if len(tag) > TAG_MAX or has_lone_surrogate(tag):
                errors["tags"] = [_("Keep each tag under %(max)d characters.") % {"max": TAG_MAX}]
                break
            if tag not in tags:
                tags.append(tag)
        if len(tags) > MAX_TAGS:
            errors["tags"] = [_("At most %(max)d tags.") % {"max": MAX_TAGS}]
        out["tags"] = tags
    if "item_ids" in fields:
        ids = list(dict.fromkeys(fields["item_ids"] or []))
        found_items = list(ConfigurationItem.objects.filter(pk__in=ids)[: MAX_ITEMS + 1])
        if len(found_items) != len(ids) or len(ids) > MAX_ITEMS:
            errors["items"] = [_("Choose existing services or configuration items.")]
        out["items"] = found_items
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def _check_audience(article_audience: str, organization: Organization | None) -> None:
    if article_audience == Audience.ORGANISATION and organization is None:
        raise ValidationFailed.field("organization", _("Choose the organisation."))


def article_create(
    *,
    actor: User,
    title: str,
    body: str,
    language: str,
    audience: str = Audience.REQUESTERS,
    organization_id: int | None = None,
    category_id: int | None = None,
    tags: Sequence[str] = (),
    item_ids: Sequence[int] = (),
    owner_id: int | None = None,
    review_on: date | None = None,
    translation_of: int | None = None,
    source_ticket: Ticket | None = None,
) -> Article:
    """A new draft (the actor owns it unless another agent is named)."""
    _require_agent(actor)
    data = _cleaned(
        {
            "title": title,
            "body": body,
            "language": language,
            "audience": audience,
            "organization_id": organization_id,
            "category_id": category_id,
            "tags": list(tags),
            "item_ids": list(item_ids),
            "owner_id": owner_id,
            "review_on": review_on,
        }
    )
    if data["audience"] != Audience.ORGANISATION:
        data["organization"] = None
    _check_audience(data["audience"], data["organization"])
    with transaction.atomic():
        if translation_of is not None:
            original = one_or_none(
                selectors.articles_visible_to(actor).select_for_update().filter(pk=translation_of)
            )
            if original is None:
                raise ValidationFailed.field("translation_of", _("This article does not exist."))
            group = original.group
            if Article.objects.filter(group=group, language=data["language"]).exists():
                raise ValidationFailed.field(
                    "language", _("This article already has a version in that language.")
                )
        else:
            group = TranslationGroup.objects.create()
        now = clock.now()
        article = Article.objects.create(
            group=group,
            language=data["language"],
            title=data["title"],
            body=data["body"],
            category=data["category"],
            audience=data["audience"],
            organization=data["organization"],
            owner=data.get("owner") or actor,
            review_on=data["review_on"],
            source_ticket=source_ticket,
            created_at=now,
            updated_at=now,
        )
        _set_tags(article, data["tags"])
        article.items.set(data["items"])
        _index(article, data["tags"])
        _snapshot(article, actor)
        _event(article, actor, EventType.CREATED, new=article.status)
        events.publish(ArticleSaved(article_id=article.pk, actor_id=actor.pk, version=1))
    return article


def _set_tags(article: Article, names: list[str]) -> None:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    article.tags.set([existing[n] for n in names])


def _locked(actor: User, article_id: int) -> Article:
    found = one_or_none(
        selectors.articles_visible_to(actor).select_for_update().filter(pk=article_id)
    )
    if found is None:
        raise NotFound()
    return found


def article_update(*, actor: User, article_id: int, version: Any = None, **changes: Any) -> Article:
    """Change an article's text or details; a new version when its title or text changed.
    `changes` takes the fields of `article_create` (but language and translation)."""
    _require_agent(actor)
    unknown = set(changes) - {
        "title",
        "body",
        "audience",
        "organization_id",
        "category_id",
        "tags",
        "item_ids",
        "owner_id",
        "review_on",
    }
    if unknown:
        raise ValidationFailed(
            errors={name: [_("This field cannot be changed.")] for name in sorted(unknown)}
        )
    data = _cleaned(changes)
    with transaction.atomic():
        article = _locked(actor, article_id)
        check_version(article.version, version, stale=STALE)
        text_changed = any(k in data and data[k] != getattr(article, k) for k in ("title", "body"))
        for name in ("title", "body", "audience", "category", "owner", "review_on"):
            if name in data:
                setattr(article, name, data[name])
        if "organization" in data:
            article.organization = data["organization"]
        if article.audience != Audience.ORGANISATION:
            article.organization = None
        _check_audience(article.audience, article.organization)
        article.version += 1
        article.updated_at = clock.now()
        article.save()
        if "tags" in data:
            _set_tags(article, data["tags"])
        if "items" in data:
            article.items.set(data["items"])
        tags = list(article.tags.values_list("name", flat=True))
        _index(article, tags)
        if text_changed:
            _snapshot(article, actor)
        _event(article, actor, EventType.EDITED, note=", ".join(sorted(changes)))
        events.publish(
            ArticleSaved(article_id=article.pk, actor_id=actor.pk, version=article.version)
        )
    return article


def article_transition(
    *, actor: User, article_id: int, to: str, note: str = "", version: Any = None
) -> Article:
    """Move an article along its lifecycle (workflow.py). Publishing is a manager's review
    decision; anyone who writes may send to review, take back to draft or archive."""
    _require_agent(actor)
    if to not in Status.values:
        raise ValidationFailed.field("to", _("Unknown status."))
    with transaction.atomic():
        article = _locked(actor, article_id)
        check_version(article.version, version, stale=STALE)
        old = article.status
        if old == to or not workflow.allowed(old, to):
            raise ValidationFailed.field(
                "to", _("An article cannot go from this status to that one.")
            )
        if to in workflow.REVIEWER_ONLY and not actor.is_manager:
            raise Forbidden(_("Only a manager can publish an article."))
        article.status = to
        article.version += 1
        now = clock.now()
        article.updated_at = now
        if to == Status.PUBLISHED:
            article.published_at = now
        article.save(update_fields=["status", "version", "updated_at", "published_at"])
        _event(article, actor, EventType.STATUS, old=old, new=to, note=clean_text(note))
        events.publish(
            ArticleTransitioned(article_id=article.pk, actor_id=actor.pk, old=old, new=to)
        )
    return article


def attachment_add(*, actor: User, article_id: int, upload: UploadedFile) -> ArticleAttachment:
    """A file or image on an article, under the tickets' upload policy (size, type, name)."""
    _require_agent(actor)
    files.check_upload(upload)
    name = files.safe_filename(upload.name or "")
    with files.cleanup_on_error() as written, transaction.atomic():
        article = _locked(actor, article_id)
        attachment = ArticleAttachment(
            article=article,
            filename=name,
            content_type=files.guess_type(name),
            size=upload.size or 0,
            uploaded_by=actor,
            created_at=clock.now(),
        )
        attachment.file.save(files.new_storage_key(name), upload, save=False)
        written.append(attachment.file.name)
        attachment.save()
        _event(article, actor, EventType.ATTACHED, note=name)
    return attachment


def feedback_give(
    *, actor: User | None, article_id: int, helpful: Any, comment: str = ""
) -> Feedback:
    """ "Was this helpful?" from a reader who may read the article (one per signed-in reader:
    a new answer replaces the last)."""
    if not isinstance(helpful, bool):
        raise ValidationFailed.field("helpful", _("Say yes or no."))
    if not isinstance(comment, str) or has_lone_surrogate(comment):
        raise ValidationFailed.field("comment", _("Enter text."))
    comment = clean_text(comment)
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed.field("comment", _("This text is too long."))
    signed_in = actor is not None and actor.is_authenticated
    with transaction.atomic():
        article = selectors.article_get(actor, article_id)
        if article.status != Status.PUBLISHED:
            raise NotFound()
        user = actor if signed_in else None
        if user is not None:
            Feedback.objects.filter(article=article, user=user).delete()
        return Feedback.objects.create(
            article=article, user=user, helpful=helpful, comment=comment, created_at=clock.now()
        )


def deflection_record(*, actor: User, article_id: int) -> DeflectionEvent:
    """ "This solved it" on the new-ticket form: the ticket that was not opened."""
    with transaction.atomic():
        article = selectors.article_get(actor, article_id)
        if article.status != Status.PUBLISHED:
            raise NotFound()
        row = DeflectionEvent.objects.create(
            article=article,
            user=actor if actor.is_authenticated else None,
            created_at=clock.now(),
        )
        events.publish(
            TicketDeflected(
                article_id=article.pk, user_id=actor.pk if actor.is_authenticated else None
            )
        )
    return row


def suggestions_shown_record(*, actor: User, ticket: Ticket, article_ids: Iterable[Any]) -> int:
    """The articles the portal suggested while `ticket` was written (ids the writer sent
    back with the form; those they may not read are ignored). Returns how many."""
    from atiende.core.ids import parse_id

    ids = {pk for pk in (parse_id(v) for v in list(article_ids)[:50]) if pk is not None}
    if not ids or ticket.requester_id != actor.pk:
        return 0
    visible = list(
        selectors.published_visible_to(actor).filter(pk__in=ids).values_list("id", flat=True)
    )
    now = clock.now()
    with transaction.atomic():
        try:
            TicketSuggestion.objects.bulk_create(
                [TicketSuggestion(ticket=ticket, article_id=pk, created_at=now) for pk in visible],
                ignore_conflicts=True,
            )
        except IntegrityError:  # pragma: no cover - ignore_conflicts
            return 0
    return len(visible)


# --- known errors: a problem's workaround article ----------------------------------------------

KNOWN_ERROR_FIELD = "known_error"


def _locked_problem(actor: User, ticket_id: Any) -> Ticket:
    """The ticket, locked, through the tickets' one access rule (404 alike for a missing and
    a hidden one); a 422 when it is not a problem."""
    from atiende.core.ids import parse_id

    pk = parse_id(ticket_id)
    ticket = (
        one_or_none(tickets_visible_to(actor).select_for_update().filter(pk=pk))
        if pk is not None
        else None
    )
    if ticket is None:
        raise NotFound()
    if ticket.kind != Kind.PROBLEM:
        raise ValidationFailed.field(
            "ticket", _("Only a problem has a known-error article; link this ticket to one.")
        )
    return ticket


def known_error_link(*, actor: User, ticket_id: Any, article_id: Any) -> KnownError:
    """Make `article_id` the known-error article (the workaround) of problem `ticket_id`,
    replacing the one it had. Agents only; the article must be one they read, not archived.
    An internal entry in the problem's timeline."""
    from atiende.core.ids import parse_id

    _require_agent(actor)
    article_pk = parse_id(article_id)
    with transaction.atomic():
        ticket = _locked_problem(actor, ticket_id)
        article = (
            one_or_none(selectors.articles_visible_to(actor).filter(pk=article_pk))
            if article_pk is not None
            else None
        )
        if article is None:
            raise ValidationFailed.field("article", _("No such article."))
        if article.status == Status.ARCHIVED:
            raise ValidationFailed.field(
                "article", _("This article is archived: it cannot document a known error.")
            )
        current = one_or_none(
            KnownError.objects.select_related("article").filter(problem_id=ticket.pk)
        )
        if current is not None and current.article_id == article.pk:
            return current
        now = clock.now()
        row = KnownError(problem=ticket, article=article, linked_by=actor, linked_at=now)
        row.save(force_insert=current is None, force_update=current is not None)
        timeline.record(
            ticket, actor=actor, type=TicketEventType.FIELD, at=now, public=False,
            field=KNOWN_ERROR_FIELD, old=current.article.title if current else "",
            new=article.title,
        )  # fmt: skip
        events.publish(
            KnownErrorLinked(ticket_id=ticket.pk, article_id=article.pk, actor_id=actor.pk)
        )
    return row


def known_error_unlink(*, actor: User, ticket_id: Any) -> bool:
    """The problem has no known-error article any more; False when it had none."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _locked_problem(actor, ticket_id)
        current = one_or_none(
            KnownError.objects.select_related("article").filter(problem_id=ticket.pk)
        )
        if current is None:
            return False
        current.delete()
        timeline.record(
            ticket, actor=actor, type=TicketEventType.FIELD, at=clock.now(), public=False,
            field=KNOWN_ERROR_FIELD, old=current.article.title, new="",
        )  # fmt: skip
        events.publish(
            KnownErrorUnlinked(
                ticket_id=ticket.pk, article_id=current.article_id, actor_id=actor.pk
            )
        )
    return True


# --- review reminders (the periodic job atiende.knowledge.review_reminders) --------------------


def review_reminders_send(*, today: date | None = None, limit: int = 500) -> int:
    """Tell the owner of each article whose review date has come (and is not archived) that
    it is due for review: in the app and by e-mail, as their notification preferences say
    (event `article_review`), in their language when it is shown or sent. Once per review
    date: the date reminded is recorded on the article in the same transaction, claimed with
    row locks (skipped when another worker holds them), so several workers never remind
    twice; a new review date is reminded again. Answers how many articles were reminded."""
    from django.db.models import F, Q
    from django.urls import reverse
    from django.utils import timezone

    from atiende.notifications.actions import tell

    today = today or timezone.localdate(clock.now())
    with transaction.atomic():
        due = list(
            Article.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(review_on__lte=today, owner__is_active=True)
            .exclude(status=Status.ARCHIVED)
            .filter(Q(review_reminded_on__isnull=True) | ~Q(review_reminded_on=F("review_on")))
            .only("pk", "title", "owner_id", "review_on")
            .order_by("review_on", "id")[:limit]
        )
        if not due:
            return 0
        Article.objects.filter(pk__in=[a.pk for a in due]).update(review_reminded_on=F("review_on"))
        for article in due:
            assert article.review_on is not None  # filtered above
            tell(
                verb="article_review",
                ticket_id=None,
                user_ids=[article.owner_id],
                params={
                    "title": article.title,
                    "review_on": article.review_on.isoformat(),
                    "path": reverse("knowledge_desk:article", args=[article.pk]),
                },
            )
    return len(due)
