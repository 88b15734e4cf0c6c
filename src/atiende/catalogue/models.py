"""The service catalogue: items people may request, grouped by category and tied to business
services, each with a request form of typed fields; and the answers of each request."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from atiende.core.i18n import in_language


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes / no")
    PERSON = "person", _("Person")
    CI = "ci", _("Configuration item")
    ATTACHMENT = "attachment", _("Attachment")


# Types whose answer may drive another field's condition (their values are codes).
CONTROLLING_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO)
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)


class CatalogueCategory(models.Model):
    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(
        _("name (Spanish)"),
        max_length=120,
        blank=True,
        help_text=_("Shown to Spanish readers; leave empty to show the name."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("catalogue category")
        verbose_name_plural = _("catalogue categories")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="catalogue_category_unique_name")
        ]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        return in_language(self.name, self.name_es, language)


class CatalogueItem(models.Model):
    """Something people may request: a laptop, access to an application, a new account."""

    category = models.ForeignKey(
        CatalogueCategory,
        db_index=False,  # led by catalogue_item_list
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    service = models.ForeignKey(
        "cmdb.ConfigurationItem",
        verbose_name=_("business service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="catalogue_items",
        limit_choices_to={"ci_class__in": ["business_service", "technical_service"]},
    )
    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(_("name (Spanish)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    ticket_category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("ticket category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Requests get this category, and so its team."),
    )
    organizations = models.ManyToManyField(
        "accounts.Organization",
        verbose_name=_("organisations"),
        blank=True,
        related_name="+",
        help_text=_("Only people of these organisations may request it; none: everyone."),
    )
    roles = models.JSONField(
        _("roles"),
        default=list,
        blank=True,
        help_text=_("Only people with these roles may request it; none: every role."),
    )
    delivery_days = models.PositiveSmallIntegerField(
        _("expected delivery (working days)"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        indexes = [
            # The catalogue home: active items by category, in order.
            models.Index(
                fields=["category", "is_active", "position", "name", "id"],
                name="catalogue_item_list",
            ),
        ]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        return in_language(self.name, self.name_es, language)

    def description_label(self, language: str | None = None) -> str:
        return in_language(self.description, self.description_es, language)


class FormField(models.Model):
    """One question of an item's request form."""

    item = models.ForeignKey(
        CatalogueItem,
        db_index=False,  # led by catalogue_field_order
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="fields",
    )
    key = models.SlugField(
        _("key"),
        max_length=40,
        help_text=_("The answer's name in the API and exports: letters, digits, - and _."),
    )
    type = models.CharField(_("type"), max_length=16, choices=FieldType)
    label = models.CharField(_("label"), max_length=200)
    label_es = models.CharField(_("label (Spanish)"), max_length=200, blank=True)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    help_text_es = models.CharField(_("help text (Spanish)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    default = models.CharField(_("default"), max_length=500, blank=True)
    # [{"value": "code", "label": "English", "label_es": "Español"}, ...]
    choices = models.JSONField(_("options"), default=list, blank=True)
    ci_class = models.CharField(
        _("configuration item class"),
        max_length=32,
        blank=True,
        help_text=_("For a configuration item field: offer items of this class only."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    condition_field = models.ForeignKey(
        "self",
        verbose_name=_("shown when"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependents",
    )
    condition_values = models.JSONField(_("equals one of"), default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [
            models.UniqueConstraint(fields=["item", "key"], name="catalogue_field_unique_key"),
        ]
        indexes = [
            models.Index(fields=["item", "position", "id"], name="catalogue_field_order"),
        ]

    def __str__(self) -> str:
        return self.key

    def label_text(self, language: str | None = None) -> str:
        return in_language(self.label, self.label_es, language)

    def help(self, language: str | None = None) -> str:
        return in_language(self.help_text, self.help_text_es, language)

    def options(self, language: str | None = None) -> list[tuple[str, str]]:
        return [
            (str(c["value"]), in_language(c.get("label", ""), c.get("label_es", ""), language))
            for c in self.choices or []
        ]


class RequestAnswers(models.Model):
    """What the requester answered on a service request's form: the typed values (by field
    key) and, for reading, each answer as shown when it was given (labels in both languages),
    so the request reads the same after its form is edited."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="catalogue_answers",
    )
    item = models.ForeignKey(
        CatalogueItem,
        db_index=False,  # led by catalogue_answers_item
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    values = models.JSONField(_("answers"), default=dict)
    # [{"key", "label", "label_es", "type", "display", "display_es"}], in the form's order.
    rows = models.JSONField(_("answers as shown"), default=list)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("request answers")
        verbose_name_plural = _("request answers")
        indexes = [models.Index(fields=["item", "ticket"], name="catalogue_answers_item")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.ticket_id}"


# --- approvals and fulfilment (docs/catalogue.md "Approvals", "Fulfilment tasks") ---------


class StepMode(models.TextChoices):
    SEQUENCE = "sequence", _("After the previous step")
    PARALLEL = "parallel", _("Together with the previous step")


class ApproverSource(models.TextChoices):
    MANAGER = "manager", _("The requester's manager")
    SERVICE_OWNER = "service_owner", _("The service owner")
    BOARD = "board", _("Members of a board")


class ApprovalStep(models.Model):
    """One approval an item asks for before its request is fulfilled. Its rows are
    changes.Approval (the one approval row), asked when the step starts."""

    item = models.ForeignKey(
        CatalogueItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="approval_steps",
        db_index=False,  # led by catalogue_step_order
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    mode = models.CharField(_("when"), max_length=10, choices=StepMode, default=StepMode.SEQUENCE)
    source = models.CharField(_("approver"), max_length=16, choices=ApproverSource)
    board = models.ForeignKey(
        "changes.Board",
        verbose_name=_("board"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="catalogue_steps",
    )
    required = models.PositiveSmallIntegerField(
        _("approvals needed"),
        default=1,
        help_text=_("For a board: how many of its members must approve (0 = all of them)."),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        indexes = [models.Index(fields=["item", "position", "id"], name="catalogue_step_order")]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.position}:{self.source}"

    def label(self, language: str | None = None) -> str:
        if self.source == ApproverSource.BOARD and self.board is not None:
            return self.board.label(language)
        return str(ApproverSource(self.source).label)


class TaskTemplate(models.Model):
    """A piece of work every request of the item needs, done by a team, in order or
    alongside the previous task, with its own target."""

    item = models.ForeignKey(
        CatalogueItem,
        verbose_name=_("item"),
        on_delete=models.CASCADE,
        related_name="task_templates",
        db_index=False,  # led by catalogue_task_template_order
    )
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    mode = models.CharField(_("when"), max_length=10, choices=StepMode, default=StepMode.SEQUENCE)
    target_minutes = models.PositiveIntegerField(
        _("target (minutes)"),
        null=True,
        blank=True,
        help_text=_("Business minutes from when the task opens; empty for no target."),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("task template")
        verbose_name_plural = _("task templates")
        indexes = [
            models.Index(fields=["item", "position", "id"], name="catalogue_task_template_order")
        ]

    def __str__(self) -> str:
        return self.title

    def label(self, language: str | None = None) -> str:
        return in_language(self.title, self.title_es, language)


class TaskStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("task", "Waiting")
    OPEN = "open", pgettext_lazy("task", "Open")
    DONE = "done", pgettext_lazy("task", "Done")
    CANCELLED = "cancelled", pgettext_lazy("task", "Cancelled")


class FulfilmentTask(models.Model):
    """A request's copy of a task template (title, team, order and target as they were when
    the request was submitted)."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="fulfilment_tasks",
        db_index=False,  # led by catalogue_task_ticket
    )
    template = models.ForeignKey(
        TaskTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    mode = models.CharField(_("when"), max_length=10, choices=StepMode, default=StepMode.SEQUENCE)
    target_minutes = models.PositiveIntegerField(_("target (minutes)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus, default=TaskStatus.WAITING
    )
    assignee = models.ForeignKey(
        "accounts.User",
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("internal note"), blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("fulfilment task")
        verbose_name_plural = _("fulfilment tasks")
        indexes = [
            models.Index(fields=["ticket", "position", "id"], name="catalogue_task_ticket"),
            # A team's open tasks.
            models.Index(fields=["team", "status", "due_at"], name="catalogue_task_team"),
        ]

    def __str__(self) -> str:
        return self.title

    def label(self, language: str | None = None) -> str:
        return in_language(self.title, self.title_es, language)
