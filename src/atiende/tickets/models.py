"""Tickets: one table for every kind, with an immutable timeline that is also the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.core.i18n import in_language
from atiende.core.memo import ProcessMemo
from atiende.core.queries import one_or_none


class Kind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Service request")
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Problem")
    CHANGE = "change", _("Change")


NUMBER_PREFIX = {
    Kind.INCIDENT: "INC",
    Kind.REQUEST: "REQ",
    Kind.QUESTION: "QRY",
    Kind.PROBLEM: "PRB",
    Kind.CHANGE: "CHG",
}


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING = "pending", _("Pending")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    # The change lifecycle (tickets of kind "change"; see changes/workflow.py).
    ASSESSMENT = "assessment", _("Assessment")
    AUTHORISATION = "authorisation", _("Authorisation")
    SCHEDULED = "scheduled", _("Scheduled")
    IMPLEMENTING = "implementing", _("Implementing")
    REVIEW = "review", _("Review")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


# Statuses only tickets of kind "change" take; the other kinds never enter them.
CHANGE_ONLY_STATUSES = (
    Status.ASSESSMENT,
    Status.AUTHORISATION,
    Status.SCHEDULED,
    Status.IMPLEMENTING,
    Status.REVIEW,
    Status.REJECTED,
    Status.FAILED,
)

OPEN_STATUSES = (
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING,
    Status.ASSESSMENT,
    Status.AUTHORISATION,
    Status.SCHEDULED,
    Status.IMPLEMENTING,
    Status.REVIEW,
)


class Channel(models.TextChoices):
    """How a ticket reached the desk."""

    WEB = "web", _("Desk")
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")


class Impact(models.IntegerChoices):
    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Urgency(models.IntegerChoices):
    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("Critical")
    HIGH = 2, _("High")
    MEDIUM = 3, _("Medium")
    LOW = 4, _("Low")
    PLANNING = 5, _("Planning")


class PendingReason(models.TextChoices):
    REQUESTER = "requester", _("Awaiting requester")
    THIRD_PARTY = "third_party", _("Awaiting third party")
    CHANGE = "change", _("Awaiting change")
    APPROVAL = "approval", _("Awaiting approval")
    OTHER = "other", _("Other")


class Category(models.Model):
    """A node of the category tree (e.g. Hardware > Printers)."""

    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(
        _("name (Spanish)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to Spanish readers; leave empty to show the name."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    full_path = models.CharField(_("path"), max_length=500, editable=False, default="")
    full_path_es = models.CharField(_("path (Spanish)"), max_length=500, editable=False, default="")
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("New tickets in this category go to this team."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["full_path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unique_category_per_parent")
        ]

    def __str__(self) -> str:
        return self.label()

    def save(self, *args, **kwargs):
        # The paths are derived data kept for sorting and display; children follow renames.
        own_es = self.name_es or self.name
        self.full_path = f"{self.parent.full_path} › {self.name}" if self.parent else self.name
        self.full_path_es = (
            f"{self.parent.full_path_es or self.parent.full_path} › {own_es}"
            if self.parent
            else own_es
        )
        super().save(*args, **kwargs)
        for child in self.children.all():
            child.save()

    def label(self, language: str | None = None) -> str:
        """The full path in the reader's language (a segment without a Spanish name keeps
        its English one)."""
        return in_language(self.full_path or self.name, self.full_path_es, language)


class PriorityRule(models.Model):
    """One cell of the impact x urgency -> priority matrix."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority)

    class Meta:
        ordering = ["impact", "urgency"]
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="unique_matrix_cell")
        ]

    def __str__(self) -> str:
        return f"{self.get_impact_display()} × {self.get_urgency_display()} → {self.get_priority_display()}"


class ResolutionCode(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_es = models.CharField(_("name (Spanish)"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("resolution code")
        verbose_name_plural = _("resolution codes")

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        return in_language(self.name_en, self.name_es, language)


class DeskSettings(models.Model):
    """Desk-wide settings: a single row (pk=1)."""

    reopen_days = models.PositiveSmallIntegerField(
        _("reopen period (days)"),
        default=7,
        help_text=_("How long after resolution a requester may reopen a ticket."),
    )
    default_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("default team"),
        # Protected: processes keep these settings in memory (current()), and a team deleted
        # under them would fail the next creation there. Choose another default first.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("New tickets whose category names no team go to this team."),
    )

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")

    def __str__(self) -> str:
        return str(_("Desk settings"))

    @classmethod
    def load(cls) -> DeskSettings:
        """The settings row, with its default team (one query)."""
        obj = one_or_none(cls.objects.select_related("default_team").filter(pk=1))
        if obj is None:
            obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def current(cls) -> DeskSettings:
        """The settings as work reads them (every creation, every reopen check): kept in
        process memory, cleared when they or a team are saved (apps.py). Edit `load()`'s."""
        return _current_desk_settings.get()


_current_desk_settings = ProcessMemo(DeskSettings.load)


class TicketCounter(models.Model):
    """The last number issued per kind on SQLite (PostgreSQL uses sequences: numbering.py)."""

    kind = models.CharField(max_length=16, choices=Kind, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self) -> str:
        return f"{self.kind}: {self.last}"


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.INCIDENT)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel, default=Channel.WEB)
    pending_reason = models.CharField(
        _("pending reason"), max_length=16, choices=PendingReason, blank=True
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency, default=Urgency.LOW)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority, default=Priority.PLANNING
    )
    # Set by an agent instead of the impact x urgency matrix (actions.ticket_priority_set):
    # while overridden, impact and urgency edits leave the priority alone. The reason is
    # internal (also in the timeline); requesters never see priority.
    priority_overridden = models.BooleanField(_("priority overridden"), default=False)
    priority_reason = models.CharField(_("priority override reason"), max_length=500, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,  # led by a composite index below
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        db_index=False,  # led by a composite index below
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,  # led by a composite index below
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        "accounts.Team",
        db_index=False,  # led by a composite index below
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    category = models.ForeignKey(
        Category,
        db_index=False,  # led by a composite index below
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    resolution_code = models.CharField(_("resolution code"), max_length=40, blank=True)
    resolution_notes = models.TextField(_("resolution notes"), blank=True)
    created_at = models.DateTimeField(_("created"), db_index=False)
    updated_at = models.DateTimeField(_("updated"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        # Every queue is "a filter, newest activity first": one index per common filter,
        # each ending in (updated_at, id) so a page is an index range scan, never a sort.
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="ticket_recent"),
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_recent"),
            models.Index(
                fields=["team", "status", "-updated_at", "-id"], name="ticket_team_recent"
            ),
            models.Index(
                fields=["assignee", "status", "-updated_at", "-id"], name="ticket_assignee_recent"
            ),
            models.Index(
                fields=["requester", "-updated_at", "-id"], name="ticket_requester_recent"
            ),
            models.Index(fields=["organization", "-updated_at", "-id"], name="ticket_org_recent"),
            models.Index(fields=["kind", "status", "-updated_at"], name="ticket_kind_recent"),
            models.Index(fields=["priority", "status", "-updated_at"], name="ticket_prio_recent"),
            models.Index(fields=["category", "-updated_at"], name="ticket_category_recent"),
            models.Index(
                fields=["team", "-updated_at", "-id"],
                name="ticket_team_unassigned",
                condition=Q(assignee__isnull=True, status__in=["new", "assigned"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventType(models.TextChoices):
    CREATED = "created", _("Created")
    COMMENT = "comment", _("Reply")
    NOTE = "note", _("Internal note")
    FIELD = "field", _("Field changed")
    STATUS = "status", _("Status changed")
    ATTACHMENT = "attachment", _("Attachment added")
    SLA = "sla", _("Service level")
    LINK = "link", _("Link")


class TicketEvent(models.Model):
    """One immutable entry of a ticket's timeline: reply, note or field change (audit trail)."""

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("ticket"),
        db_index=False,  # led by event_ticket_time
    )
    type = models.CharField(_("type"), max_length=16, choices=EventType)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"))
    public = models.BooleanField(_("public"), default=True)
    body = models.TextField(_("body"), blank=True)
    field = models.CharField(_("field"), max_length=40, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.type}"


class LinkType(models.TextChoices):
    """How one ticket relates to another; each reads forward (label) and backward (inverse)."""

    RELATED = "related", _("Related to")
    DUPLICATE_OF = "duplicate_of", _("Duplicate of")
    CAUSED_BY = "caused_by", _("Caused by")
    FOLLOW_UP_OF = "follow_up_of", _("Follow-up of")
    # Written only by merging (actions.ticket_merge): the closed ticket points at the one its
    # timeline, files and links moved to; mail threading follows it.
    MERGED_INTO = "merged_into", _("Merged into")


# The types a person chooses when linking (merge links are written by merging only).
LINKABLE_TYPES = [(value, label) for value, label in LinkType.choices if value != "merged_into"]

LINK_INVERSE_LABELS = {
    LinkType.RELATED: _("Related to"),
    LinkType.DUPLICATE_OF: _("Duplicated by"),
    LinkType.CAUSED_BY: _("Caused"),
    LinkType.FOLLOW_UP_OF: _("Followed up by"),
    LinkType.MERGED_INTO: _("Merged from"),
}


class TicketLink(models.Model):
    """A typed, directed link between two tickets (an incident caused by a change, a ticket
    opened as the follow-up of a closed one, a duplicate…)."""

    from_ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="links_out",
        verbose_name=_("ticket"),
        db_index=False,  # led by ticketlink_unique
    )
    to_ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_in", verbose_name=_("linked ticket")
    )
    link_type = models.CharField(_("link type"), max_length=16, choices=LinkType)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(
                fields=["from_ticket", "to_ticket", "link_type"], name="ticketlink_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_ticket=models.F("to_ticket")), name="ticketlink_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} {self.link_type} {self.to_ticket_id}"


class TicketFollower(models.Model):
    """An agent following a ticket: told of its activity (notifications' `ticket_activity`).
    Agents follow by hand, or by replying or being mentioned in a note; a merge moves them."""

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="followers",
        verbose_name=_("ticket"),
        db_index=False,  # led by ticketfollower_unique
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("since"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket follower")
        verbose_name_plural = _("ticket followers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="ticketfollower_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.ticket_id}"


class TicketParticipant(models.Model):
    """Someone in copy of a ticket (a requester's colleague, a Cc of its mail): told of its
    public updates by e-mail and may reply. A known user or just an address. Being a
    participant never widens who sees the ticket (tickets.selectors.visibility)."""

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("ticket"),
        db_index=False,  # led by ticketparticipant_unique
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Stored lower-cased, so mail matching is an equality on the index.
    email = models.EmailField(_("e-mail address"), max_length=254, db_index=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("since"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket participant")
        verbose_name_plural = _("ticket participants")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "email"], name="ticketparticipant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.email} in copy of {self.ticket_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under a random name; the user's file name is kept only as data.
    return f"tickets/{instance.ticket_id}/{instance.storage_key}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket")
    )
    event = models.ForeignKey(
        TicketEvent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("event"),
    )
    public = models.BooleanField(_("public"), default=True)
    storage_key = models.CharField(max_length=64, unique=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename

    @property
    def previewable(self) -> bool:
        """Shown inline in the timeline (the preview view checks the bytes too)."""
        from .attachments import previewable_type

        return previewable_type(self.content_type)


class TicketSearchDocument(models.Model):
    """Normalised search terms of a ticket: accent-folded Spanish and English stems.

    `public_terms` holds what a requester may search (title, description, public replies);
    `internal_terms` what only agents may (internal notes). SQLite indexes these columns in
    an FTS5 table, PostgreSQL in GIN indexes over tsvectors (see the search migration).
    """

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    public_terms = models.TextField(blank=True)
    internal_terms = models.TextField(blank=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return str(self.ticket_id)


SAVED_VIEWS_MAX = 12  # per agent: the sidebar counts every view in one query, kept small


class SavedView(models.Model):
    """An agent's own queue: a name for a set of the queue's filters. It keeps the filters
    (a query string), never ticket ids, so it only ever shows what the access rule allows
    when it is opened; a filter that no longer applies (a deleted team) is ignored."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
        db_index=False,  # led by savedview_unique_name
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedview_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
