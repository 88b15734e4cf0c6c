"""The knowledge base: articles in Markdown, in Spanish and English (translations share a
group), with a lifecycle (draft → review → published → archived), an audience, a version per
save, attachments, feedback, and the deflection figures of the portal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 200
BODY_MAX = 100_000
COMMENT_MAX = 2_000
TAG_MAX = 40


class Language(models.TextChoices):
    ES = "es", _("Spanish")
    EN = "en", _("English")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone, signed in or not")
    REQUESTERS = "requesters", _("Everyone signed in")
    ORGANISATION = "organisation", _("One organisation")
    AGENTS = "agents", _("Agents only (internal)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class TranslationGroup(models.Model):
    """The articles that are one text in several languages (at most one per language)."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("translation group")
        verbose_name_plural = _("translation groups")

    def __str__(self) -> str:
        return f"#{self.pk}"


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=TAG_MAX, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    group = models.ForeignKey(
        TranslationGroup,
        verbose_name=_("translations"),
        on_delete=models.PROTECT,
        related_name="articles",
        db_index=False,  # led by knowledge_article_group_language
    )
    language = models.CharField(_("language"), max_length=2, choices=Language)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), help_text=_("Markdown."))
    category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    items = models.ManyToManyField(
        "cmdb.ConfigurationItem",
        verbose_name=_("services and configuration items"),
        blank=True,
        related_name="+",
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience, default=Audience.REQUESTERS
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only for the audience “One organisation”."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_on = models.DateField(_("review date"), null=True, blank=True)
    # The review date whose reminder the owner was sent (actions.review_reminders_send):
    # one reminder per review date; a new date is reminded again.
    review_reminded_on = models.DateField(
        _("review reminder sent for"), null=True, blank=True, editable=False
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    version = models.PositiveIntegerField(_("version"), default=1)
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("written from ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "language"], name="knowledge_article_group_language"
            ),
            models.CheckConstraint(
                condition=Q(audience="organisation", organization__isnull=False)
                | (~Q(audience="organisation") & Q(organization__isnull=True)),
                name="knowledge_article_organisation_audience",
            ),
        ]
        indexes = [
            # The portal's lists: published articles of an audience, newest first.
            models.Index(
                fields=["status", "audience", "-updated_at", "-id"], name="knowledge_status_aud"
            ),
            models.Index(
                fields=["category", "status", "-updated_at", "-id"], name="knowledge_category"
            ),
            # The desk's list: by status, newest first; by owner; due for review.
            models.Index(fields=["-updated_at", "-id"], name="knowledge_updated"),
            models.Index(fields=["owner", "-updated_at", "-id"], name="knowledge_owner"),
            models.Index(fields=["review_on", "id"], name="knowledge_review_on"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_internal(self) -> bool:
        return self.audience == Audience.AGENTS


class ArticleSearchDocument(models.Model):
    """The terms of an article (core.search): title and text apart, so the title ranks
    higher. Indexed by FTS5 on SQLite and stored tsvectors on PostgreSQL (migration 0002)."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title_terms = models.TextField(default="", blank=True)
    body_terms = models.TextField(default="", blank=True)

    class Meta:
        verbose_name = _("article search document")
        verbose_name_plural = _("article search documents")

    def __str__(self) -> str:
        return f"#{self.pk}"


class ArticleVersion(models.Model):
    """The article as one save left it: the whole history, shown with a diff."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"))

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class EventType(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    STATUS = "status", _("Status changed")
    ATTACHED = "attached", _("File attached")


class ArticleEvent(models.Model):
    """The article's timeline and audit trail: who did what, when."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    type = models.CharField(max_length=16, choices=EventType)
    old = models.CharField(max_length=32, blank=True)
    new = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("article event")
        verbose_name_plural = _("article events")
        indexes = [models.Index(fields=["article", "created_at", "id"], name="knowledge_event")]

    def __str__(self) -> str:
        return f"{self.type} {self.article_id}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="attachments", db_index=False
    )
    file = models.FileField(upload_to="knowledge/")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")
        indexes = [models.Index(fields=["article", "id"], name="knowledge_attachment")]

    def __str__(self) -> str:
        return self.filename


class Feedback(models.Model):
    """ "Was this helpful?": one answer per reader and article (the last one counts)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="feedback", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [
            models.Index(fields=["article", "-created_at", "-id"], name="knowledge_feedback_at")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(user__isnull=False),
                name="knowledge_feedback_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.helpful}"


class DeflectionEvent(models.Model):
    """A requester who read a suggested article on the new-ticket form and said it solved
    their problem: a ticket not opened."""

    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("deflected ticket")
        verbose_name_plural = _("deflected tickets")
        indexes = [models.Index(fields=["created_at", "id"], name="knowledge_deflection_at")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.created_at}"


class TicketSuggestion(models.Model):
    """An article the portal suggested while a requester wrote a ticket they sent anyway."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("article suggested for a ticket")
        verbose_name_plural = _("articles suggested for tickets")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "article"], name="knowledge_shown_once")
        ]
        indexes = [models.Index(fields=["created_at", "id"], name="knowledge_shown_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.article_id}"


class KnownError(models.Model):
    """A problem's known error: the article that documents its workaround (ITIL's known-error
    record). One per problem ticket; one article may serve several problems. Shown to agents
    on the problem's page and on the pages of the tickets linked to it."""

    problem = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("problem"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="known_error",
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="known_errors",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked"))

    class Meta:
        verbose_name = _("known error")
        verbose_name_plural = _("known errors")

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.article_id}"
