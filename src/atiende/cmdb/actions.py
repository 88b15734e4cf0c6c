"""The only code that changes services, CIs, relations and the items a ticket affects.

Every function is keyword-only, runs in one transaction, checks access (managers and
administrators edit the CMDB; agents link items to tickets), validates with field-level
messages, writes its audit event in the same transaction and publishes after commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import Team, User
from atiende.core import clock, events
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import parse_id
from atiende.core.sanitize import clean_text
from atiende.core.text import lone_surrogate_path
from atiende.core.versions import check_version
from atiende.tickets import timeline
from atiende.tickets.models import EventType, Ticket
from atiende.tickets.selectors import tickets_visible_to

from . import events as cmdb_events
from . import graph, selectors
from .models import (
    CiClass,
    CiStatus,
    ConfigurationItem,
    Environment,
    ItemAction,
    ItemEvent,
    Relation,
    RelationType,
    TicketItem,
)

NAME_MAX = 200
DESCRIPTION_MAX = 20_000
ATTRIBUTES_MAX_KEYS = 50
ATTRIBUTE_KEY_MAX = 64
ATTRIBUTE_VALUE_MAX = 1_000
EDITABLE_FIELDS = (
    "name", "ci_class", "status", "environment", "owner_team", "description", "attributes",
)  # fmt: skip
# The timeline field of a ticket's affected-item events (internal entries).
TICKET_FIELD = "affected_item"


# --- access and validation ------------------------------------------------------------------


def require_editor(actor: User) -> None:
    if not selectors.can_view(actor):
        raise NotFound()
    if not selectors.can_edit(actor):
        raise Forbidden(_("Only managers and administrators can change services and CIs."))


def _require_agent(actor: User) -> None:
    if not selectors.can_view(actor):
        raise NotFound()


def clean_name(value: Any) -> str:
    name = clean_text(str(value or "")).replace("\n", " ").replace("\r", " ").strip()
    if not name:
        raise ValidationFailed.field("name", _("A name is required."))
    if len(name) > NAME_MAX:
        raise ValidationFailed.field(
            "name", _("Keep the name under %(max)d characters.") % {"max": NAME_MAX}
        )
    return name


def clean_choice(value: Any, choices: Iterable[str], field: str) -> str:
    value = str(value or "").strip()
    if value not in choices:
        raise ValidationFailed.field(
            field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}
        )
    return value


def clean_team(value: Any) -> Team | None:
    if value in (None, ""):
        return None
    if isinstance(value, Team):
        return value
    pk = parse_id(value)
    team = Team.objects.filter(pk=pk).first() if pk is not None else None
    if team is None:
        raise ValidationFailed.field("owner_team", _("Unknown team."))
    return team


def clean_description(value: Any) -> str:
    text = clean_text(str(value or ""))
    if len(text) > DESCRIPTION_MAX:
        raise ValidationFailed.field("description", _("This text is too long."))
    return text


def clean_attributes(value: Any) -> dict[str, Any]:
    """Free attributes: a flat object of at most 50 keys whose values are text, numbers,
    true/false or null (e.g. {"ip": "10.0.0.5", "cpus": 8})."""
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValidationFailed.field(
                "attributes", _("Write the attributes as a JSON object.")
            ) from None
    if not isinstance(value, Mapping):
        raise ValidationFailed.field("attributes", _("Write the attributes as a JSON object."))
    if lone_surrogate_path(value) is not None:  # JSON's "\ud800": text no database can store
        raise ValidationFailed.field(
            "attributes",
            _("This text has an invalid character (an unpaired surrogate) and cannot be stored."),
        )
    if len(value) > ATTRIBUTES_MAX_KEYS:
        raise ValidationFailed.field(
            "attributes", _("At most %(max)d attributes.") % {"max": ATTRIBUTES_MAX_KEYS}
        )
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        key = clean_text(str(key)).strip()
        if not key or len(key) > ATTRIBUTE_KEY_MAX:
            raise ValidationFailed.field(
                "attributes",
                _("Attribute names need 1 to %(max)d characters.") % {"max": ATTRIBUTE_KEY_MAX},
            )
        if isinstance(item, str):
            item = clean_text(item)
            if len(item) > ATTRIBUTE_VALUE_MAX:
                raise ValidationFailed.field(
                    "attributes", _("The value of “%(key)s” is too long.") % {"key": key}
                )
        elif not (item is None or isinstance(item, bool | int | float)):
            raise ValidationFailed.field(
                "attributes",
                _("The value of “%(key)s” must be text, a number, true/false or null.")
                % {"key": key},
            )
        cleaned[key] = item
    return cleaned


# A stale write's message (see core.versions.check_version).
STALE = gettext_lazy(
    "This item was changed by someone else (version %(current)d, you had %(yours)d)."
)


def _name_taken(name: str, ci_class: str, *, exclude: int | None = None) -> bool:
    items = ConfigurationItem.objects.annotate(lname=Lower("name")).filter(
        lname=name.lower(), ci_class=ci_class
    )
    if exclude is not None:
        items = items.exclude(pk=exclude)
    return items.exists()


def _duplicate_name() -> ValidationFailed:
    return ValidationFailed.field("name", _("An item of this class with this name already exists."))


def _audit(
    item: ConfigurationItem | None,
    name: str,
    action: str,
    actor: User | None,
    at,
    changes: dict[str, Any] | None = None,
) -> None:
    ItemEvent.objects.create(
        item=item, item_name=name, action=action, actor=actor, created_at=at, changes=changes or {}
    )


def _locked_item(item_id: Any, field: str | None = None, *, lock=True) -> ConfigurationItem:
    pk = parse_id(item_id)
    items = ConfigurationItem.objects.select_for_update() if lock else ConfigurationItem.objects
    item = items.filter(pk=pk).first() if pk is not None else None
    if item is None:
        if field:
            raise ValidationFailed.field(field, _("No such service or CI."))
        raise NotFound()
    return item


def _storable(value: Any) -> Any:
    if isinstance(value, Team):
        return value.name
    return value


# --- items ----------------------------------------------------------------------------------


def item_create(
    *,
    actor: User,
    name: str,
    ci_class: str,
    status: str = CiStatus.ACTIVE,
    environment: str = Environment.PRODUCTION,
    owner_team_id: int | str | None = None,
    description: str = "",
    attributes: Mapping[str, Any] | str | None = None,
) -> ConfigurationItem:
    require_editor(actor)
    clean_item_name = clean_name(name)
    clean_class = clean_choice(ci_class, CiClass.values, "ci_class")
    values = {
        "name": clean_item_name,
        "ci_class": clean_class,
        "status": clean_choice(status, CiStatus.values, "status"),
        "environment": clean_choice(environment, Environment.values, "environment"),
        "owner_team": clean_team(owner_team_id),
        "description": clean_description(description),
        "attributes": clean_attributes(attributes),
    }
    now = clock.now()
    try:
        with transaction.atomic():
            if _name_taken(clean_item_name, clean_class):
                raise _duplicate_name()
            item = ConfigurationItem.objects.create(**values, created_at=now, updated_at=now)
            _audit(item, item.name, ItemAction.CREATED, actor, now)
            if item.is_service:
                graph.changed()
    except IntegrityError:  # a concurrent create of the same name won the race
        raise _duplicate_name() from None
    events.publish(cmdb_events.ItemCreated(item_id=item.pk))
    return item


def item_update(
    *, actor: User, item_id: int | str, changes: Mapping[str, Any], version: Any = None
) -> ConfigurationItem:
    """Change some fields of an item. `changes` keys: name, ci_class, status, environment,
    owner_team (an id or None), description, attributes (replaces them all)."""
    require_editor(actor)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(
            errors={key: [_("This field cannot be changed.")] for key in unknown}
        )
    cleaners = {
        "name": clean_name,
        "ci_class": lambda v: clean_choice(v, CiClass.values, "ci_class"),
        "status": lambda v: clean_choice(v, CiStatus.values, "status"),
        "environment": lambda v: clean_choice(v, Environment.values, "environment"),
        "owner_team": clean_team,
        "description": clean_description,
        "attributes": clean_attributes,
    }
    new = {key: cleaners[key](value) for key, value in changes.items()}
    try:
        with transaction.atomic():
            item = _locked_item(item_id)
            check_version(item.version, version, stale=STALE)
            diff: dict[str, list[Any]] = {}
            for key, value in new.items():
                old = getattr(item, key)
                if old != value:
                    diff[key] = [_storable(old), _storable(value)]
                    setattr(item, key, value)
            if not diff:
                return item
            if ("name" in diff or "ci_class" in diff) and _name_taken(
                item.name, item.ci_class, exclude=item.pk
            ):
                raise _duplicate_name()
            now = clock.now()
            item.updated_at = now
            item.version += 1
            item.save()
            _audit(item, item.name, ItemAction.UPDATED, actor, now, diff)
            if "ci_class" in diff:  # it may have become, or stopped being, a service
                graph.changed()
    except IntegrityError:
        raise _duplicate_name() from None
    events.publish(cmdb_events.ItemUpdated(item_id=item.pk, fields=tuple(sorted(diff))))
    return item


def item_delete(*, actor: User, item_id: int | str, version: Any = None) -> None:
    """Delete an item with its relations and ticket links (the tickets stay; the deletion
    stays in the audit trail). Retiring (status "retired") keeps the history visible."""
    require_editor(actor)
    with transaction.atomic():
        item = _locked_item(item_id)
        check_version(item.version, version, stale=STALE)
        _audit(None, item.name, ItemAction.DELETED, actor, clock.now(), {"ci_class": item.ci_class})
        pk = item.pk
        item.delete()
        graph.changed()  # its relations went with it
    events.publish(cmdb_events.ItemDeleted(item_id=pk))


# --- relations ------------------------------------------------------------------------------


def relation_add(*, actor: User, source_id: int | str, type: str, target_id: int | str) -> Relation:
    require_editor(actor)
    type_ = clean_choice(type, RelationType.values, "type")
    try:
        with transaction.atomic():
            # Not locked: the unique constraint settles concurrent adds of the same relation.
            source = _locked_item(source_id, "source", lock=False)
            target = _locked_item(target_id, "target", lock=False)
            if source.pk == target.pk:
                raise ValidationFailed.field("target", _("An item cannot be related to itself."))
            if Relation.objects.filter(source=source, type=type_, target=target).exists():
                raise ValidationFailed.field("target", _("This relation already exists."))
            now = clock.now()
            relation = Relation.objects.create(
                source=source, type=type_, target=target, created_at=now, created_by=actor
            )
            _relation_audit(relation, actor, now, added=True)
            graph.changed()
    except IntegrityError:
        raise ValidationFailed.field("target", _("This relation already exists.")) from None
    events.publish(cmdb_events.RelationAdded(relation_id=relation.pk))
    return relation


def relation_remove(*, actor: User, relation_id: int | str) -> None:
    require_editor(actor)
    pk = parse_id(relation_id)
    with transaction.atomic():
        relation = (
            Relation.objects.select_for_update().select_related("source", "target")
            .filter(pk=pk).first()
            if pk is not None
            else None
        )  # fmt: skip
        if relation is None:
            raise NotFound()
        _relation_audit(relation, actor, clock.now(), added=False)
        relation.delete()
        graph.changed()
    assert pk is not None  # the relation was found by it
    events.publish(cmdb_events.RelationRemoved(relation_id=pk))


def _relation_audit(relation: Relation, actor: User, at, *, added: bool) -> None:
    action = ItemAction.RELATION_ADDED if added else ItemAction.RELATION_REMOVED
    source, target = relation.source, relation.target
    _audit(source, source.name, action, actor, at, {"type": relation.type, "target": target.name})
    _audit(target, target.name, action, actor, at, {"type": relation.type, "source": source.name})


# --- the items a ticket affects -------------------------------------------------------------


def _locked_ticket(actor: User, ticket_id: Any) -> Ticket:
    pk = parse_id(ticket_id)
    ticket = (
        tickets_visible_to(actor).select_for_update().filter(pk=pk).first()
        if pk is not None
        else None
    )
    if ticket is None:
        raise NotFound()
    return ticket


def _ticket_event(ticket: Ticket, actor: User, at, item: ConfigurationItem, *, added: bool):
    # An internal field-change entry of the ticket's timeline (the audit trail of tickets),
    # written in this transaction like every other timeline event.
    timeline.record(
        ticket, actor=actor, type=EventType.FIELD, at=at, public=False, field=TICKET_FIELD,
        old="" if added else item.name, new=item.name if added else "",
    )  # fmt: skip


def ticket_items_set(
    *, actor: User, ticket_id: int | str, add: Iterable[Any] = (), remove: Iterable[Any] = ()
) -> list[TicketItem]:
    """Add and remove services/CIs affected by a ticket, in one transaction. Agents only,
    on tickets they can see. Adding an item already linked (or removing one that is not)
    changes nothing. Answers the ticket's affected items."""
    _require_agent(actor)
    add_ids = _item_ids(add, "item")
    remove_ids = _item_ids(remove, "item")
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        found = ConfigurationItem.objects.in_bulk(list(add_ids | remove_ids))
        missing = (add_ids | remove_ids) - set(found)
        if missing:
            raise ValidationFailed.field("item", _("No such service or CI."))
        linked = set(TicketItem.objects.filter(ticket=ticket).values_list("item_id", flat=True))
        now = clock.now()
        to_add = sorted(add_ids - linked - remove_ids)
        to_remove = sorted(remove_ids & linked)
        TicketItem.objects.bulk_create(
            [
                TicketItem(ticket=ticket, item_id=pk, created_at=now, created_by=actor)
                for pk in to_add
            ]
        )
        TicketItem.objects.filter(ticket=ticket, item_id__in=to_remove).delete()
        for pk in to_add:
            _ticket_event(ticket, actor, now, found[pk], added=True)
        for pk in to_remove:
            _ticket_event(ticket, actor, now, found[pk], added=False)
    if to_add or to_remove:
        events.publish(
            cmdb_events.TicketItemsChanged(
                ticket_id=ticket.pk, added=tuple(to_add), removed=tuple(to_remove)
            )
        )
    return selectors.items_of_ticket(actor, ticket)


def ticket_item_add(*, actor: User, ticket_id: int | str, item_id: Any) -> list[TicketItem]:
    return ticket_items_set(actor=actor, ticket_id=ticket_id, add=[item_id])


def ticket_item_remove(*, actor: User, ticket_id: int | str, item_id: Any) -> list[TicketItem]:
    return ticket_items_set(actor=actor, ticket_id=ticket_id, remove=[item_id])


def _item_ids(values: Iterable[Any], field: str) -> set[int]:
    ids = set()
    for value in values:
        pk = parse_id(value)
        if pk is None:
            raise ValidationFailed.field(field, _("No such service or CI."))
        ids.add(pk)
    return ids
