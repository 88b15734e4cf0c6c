"""Services and configuration items (CIs): one table for both, so relations and impact are
one graph. A service is a CI whose class is a service class (business or technical service).

Relations are typed and directed: `source <type> target`, read as a sentence
("ERP depends on erp-db-01", "erp-db-01 runs on srv-db-01", "disk shelf part of SAN").
Impact follows them in the direction that breakage travels (see `IMPACT_DIRECTION` and
docs/cmdb.md); two generated columns, `cause` and `impacted`, store that direction per row so
the impact query is a single indexed join whatever the type.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class CiClass(models.TextChoices):
    BUSINESS_SERVICE = "business_service", _("Business service")
    TECHNICAL_SERVICE = "technical_service", _("Technical service")
    APPLICATION = "application", _("Application")
    SERVER = "server", _("Server")
    VIRTUAL_MACHINE = "virtual_machine", _("Virtual machine")
    DATABASE = "database", _("Database")
    NETWORK_DEVICE = "network_device", _("Network device")
    STORAGE = "storage", _("Storage")
    WORKSTATION = "workstation", _("Workstation")
    OTHER = "other", _("Other")


SERVICE_CLASSES: tuple[str, ...] = (CiClass.BUSINESS_SERVICE, CiClass.TECHNICAL_SERVICE)


class CiStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    MAINTENANCE = "maintenance", _("In maintenance")
    RETIRED = "retired", _("Retired")


class Environment(models.TextChoices):
    PRODUCTION = "production", _("Production")
    STAGING = "staging", _("Staging")
    TEST = "test", _("Test")
    DEVELOPMENT = "development", _("Development")


class ConfigurationItem(models.Model):
    name = models.CharField(_("name"), max_length=200)
    ci_class = models.CharField(_("class"), max_length=32, choices=CiClass)
    status = models.CharField(_("status"), max_length=16, choices=CiStatus, default=CiStatus.ACTIVE)
    environment = models.CharField(
        _("environment"), max_length=16, choices=Environment, default=Environment.PRODUCTION
    )
    owner_team = models.ForeignKey(
        "accounts.Team",
        db_index=False,  # led by cmdb_item_team_name
        verbose_name=_("owner team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="configuration_items",
    )
    description = models.TextField(_("description"), blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        constraints = [
            # One "erp-db-01" database, whatever the capitalisation: imports match on it.
            models.UniqueConstraint(Lower("name"), "ci_class", name="cmdb_item_unique_name"),
        ]
        # Lists are sorted by name (then id, so keyset pages are exact): one index per filter.
        indexes = [
            models.Index(fields=["name", "id"], name="cmdb_item_name"),
            models.Index(fields=["ci_class", "name", "id"], name="cmdb_item_class_name"),
            models.Index(fields=["status", "name", "id"], name="cmdb_item_status_name"),
            models.Index(fields=["environment", "name", "id"], name="cmdb_item_env_name"),
            models.Index(fields=["owner_team", "name", "id"], name="cmdb_item_team_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_service(self) -> bool:
        return self.ci_class in SERVICE_CLASSES


class RelationType(models.TextChoices):
    DEPENDS_ON = "depends_on", _("depends on")
    RUNS_ON = "runs_on", _("runs on")
    PART_OF = "part_of", _("part of")
    CONNECTED_TO = "connected_to", _("connected to")


# Which end of a relation is impacted when the other end fails.
# "source": A depends_on/runs_on B -> B failing impacts A.
# "target": A part_of B -> A (the part) failing impacts B (the whole).
# connected_to is a physical or network link with no direction: not followed for impact
# (following it would declare a whole network impacted by any one cable).
IMPACT_DIRECTION: dict[str, str | None] = {
    RelationType.DEPENDS_ON: "source",
    RelationType.RUNS_ON: "source",
    RelationType.PART_OF: "target",
    RelationType.CONNECTED_TO: None,
}

_UPWARD = [t for t, side in IMPACT_DIRECTION.items() if side == "source"]
_DOWNWARD = [t for t, side in IMPACT_DIRECTION.items() if side == "target"]


class Relation(models.Model):
    source = models.ForeignKey(
        ConfigurationItem,
        db_index=False,  # led by the unique (source, type, target) constraint
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="relations_out",
    )
    type = models.CharField(_("type"), max_length=16, choices=RelationType)
    target = models.ForeignKey(
        ConfigurationItem,
        db_index=False,  # led by cmdb_relation_target
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="relations_in",
    )
    # The direction impact travels, derived by the database from the type (never written):
    # when `cause` fails, `impacted` is impacted. NULL for types impact does not follow.
    cause = models.GeneratedField(
        expression=Case(
            When(type__in=_UPWARD, then=F("target_id")),
            When(type__in=_DOWNWARD, then=F("source_id")),
            default=None,
        ),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )
    impacted = models.GeneratedField(
        expression=Case(
            When(type__in=_UPWARD, then=F("source_id")),
            When(type__in=_DOWNWARD, then=F("target_id")),
            default=None,
        ),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "type", "target"], name="cmdb_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="cmdb_relation_no_self_loop"
            ),
        ]
        indexes = [
            models.Index(fields=["target", "type", "source"], name="cmdb_relation_target"),
            # The impact walk: "what does the failure of X impact" is one index range scan.
            models.Index(
                fields=["cause", "impacted"],
                name="cmdb_relation_impact",
                condition=Q(cause__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.type} {self.target_id}"


class GraphVersion(models.Model):
    """One row counting changes to what impact depends on (relations, and which items are
    services). Bumped in the transaction of every such change (actions.py); processes keep
    the impact graph in memory and reload it when the count moves (graph.py)."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("impact graph version")

    def __str__(self) -> str:
        return str(self.value)


class TicketItem(models.Model):
    """A service or CI that a ticket (incident, problem, change ...) affects."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        db_index=False,  # led by the unique (ticket, item) constraint
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="affected_items",
    )
    item = models.ForeignKey(
        ConfigurationItem,
        db_index=False,  # led by cmdb_ticketitem_item
        verbose_name=_("configuration item"),
        on_delete=models.CASCADE,
        related_name="ticket_links",
    )
    created_at = models.DateTimeField(_("added"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("affected item")
        verbose_name_plural = _("affected items")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "item"], name="cmdb_ticketitem_unique")
        ]
        indexes = [models.Index(fields=["item", "ticket"], name="cmdb_ticketitem_item")]

    def __str__(self) -> str:
        return f"{self.ticket_id} -> {self.item_id}"


class ItemAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    DELETED = "deleted", _("Deleted")
    RELATION_ADDED = "relation_added", _("Relation added")
    RELATION_REMOVED = "relation_removed", _("Relation removed")
    IMPORTED = "imported", _("Imported")


class ItemEvent(models.Model):
    """The audit trail of services and CIs: who changed what, when (immutable). Kept when
    the item is deleted (`item` becomes NULL; `item_name` still says which one it was)."""

    item = models.ForeignKey(
        ConfigurationItem,
        db_index=False,  # led by cmdb_itemevent_item
        verbose_name=_("configuration item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    item_name = models.CharField(_("name"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=ItemAction)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"))
    # {"field": [old, new]} for updates; {"type": ..., "other": name} for relations.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("configuration item event")
        verbose_name_plural = _("configuration item events")
        indexes = [models.Index(fields=["item", "-created_at", "-id"], name="cmdb_itemevent_item")]

    def __str__(self) -> str:
        return f"{self.item_name}: {self.action}"
