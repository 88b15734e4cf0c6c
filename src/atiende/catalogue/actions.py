"""Every write of the catalogue: submitting a request (a service request ticket opened
through tickets' own action, with its answers), and managers building items and forms."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from atiende.accounts.models import Organization, Role
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action
from atiende.core import clock, events
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import id_field
from atiende.tickets import actions as ticket_actions
from atiende.tickets import timeline
from atiende.tickets.models import Category, Channel, Kind, Ticket

from . import forms_engine, selectors
from .events import RequestSubmitted
from .models import (
    CHOICE_TYPES,
    CONTROLLING_TYPES,
    CatalogueCategory,
    CatalogueItem,
    FieldType,
    FormField,
    RequestAnswers,
)

if TYPE_CHECKING:
    from atiende.accounts.models import User


# --- submitting -------------------------------------------------------------------------------


def request_submit(
    *,
    actor: User,
    item_id: int,
    answers: Mapping[str, Any],
    files: Mapping[str, Sequence[UploadedFile]] | None = None,
    channel: str = Channel.PORTAL,
) -> Ticket:
    """Request `item`: validate the answers (forms_engine.clean, the one validation), then
    open a service request (REQ-) through tickets.actions.ticket_create, with the files of
    attachment fields attached, and store the answers with it, all in one transaction.
    Nothing is written when an answer is refused."""
    item = selectors.item_for_request(actor, item_id)
    cleaned = forms_engine.clean(list(item.fields.all()), answers, files, actor=actor)
    with transaction.atomic():
        ticket = ticket_actions.ticket_create(
            actor=actor,
            kind=Kind.REQUEST,
            title=item.label()[:200],
            category_id=item.ticket_category_id,
            attachments=cleaned.files,
            channel=channel,
        )
        RequestAnswers.objects.create(
            ticket=ticket,
            item=item,
            values=cleaned.values,
            rows=cleaned.rows,
            summary=cleaned.summary(actor.language or None),  # the requester's language
        )
        # Found by the words of the answers, in both languages (labels and options).
        timeline.index_text(
            ticket,
            " ".join([item.name, item.name_es, cleaned.summary("en"), cleaned.summary("es")]),
            public=True,
        )
        events.publish(RequestSubmitted(ticket_id=ticket.pk, item_id=item.pk, actor_id=actor.pk))
    return ticket


# --- managers: categories and items -----------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not actor.is_active or not actor.is_manager:
        raise Forbidden(_("Only managers build the catalogue."))


def _required_text(value: Any, field: str, limit: int) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed.field(field, _("This field is required."))
    if len(text) > limit:
        raise ValidationFailed.field(
            field, _("Enter at most %(limit)d characters.") % {"limit": limit}
        )
    return text


def _optional_text(value: Any, field: str, limit: int) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise ValidationFailed.field(
            field, _("Enter at most %(limit)d characters.") % {"limit": limit}
        )
    return text


def category_save(
    *,
    actor: User,
    category_id: int | None = None,
    name: str,
    name_es: str = "",
    position: int = 0,
    is_active: bool = True,
) -> CatalogueCategory:
    _require_manager(actor)
    name = _required_text(name, "name", 120)
    name_es = _optional_text(name_es, "name_es", 120)
    with transaction.atomic():
        category = (
            CatalogueCategory.objects.select_for_update().filter(pk=category_id).first()
            if category_id
            else CatalogueCategory()
        )
        if category is None:
            raise NotFound()
        if CatalogueCategory.objects.filter(name=name).exclude(pk=category.pk).exists():
            raise ValidationFailed.field("name", _("There is already a category of this name."))
        before = snapshot(category) if category.pk else None
        category.name, category.name_es = name, name_es
        category.position, category.is_active = max(0, int(position or 0)), bool(is_active)
        category.save()
        record_change(
            actor=actor,
            action=Action.UPDATED if before else Action.CREATED,
            obj=category,
            before=before,
        )
    return category


def item_save(
    *,
    actor: User,
    item_id: int | None = None,
    category_id: Any,
    name: str,
    name_es: str = "",
    description: str = "",
    description_es: str = "",
    service_id: Any = None,
    ticket_category_id: Any = None,
    organization_ids: Sequence[Any] = (),
    roles: Sequence[str] = (),
    delivery_days: int | None = None,
    position: int = 0,
    is_active: bool = True,
) -> CatalogueItem:
    """Create (no `item_id`) or edit an item of the catalogue."""
    from atiende.cmdb.models import SERVICE_CLASSES, ConfigurationItem

    _require_manager(actor)
    name = _required_text(name, "name", 120)
    name_es = _optional_text(name_es, "name_es", 120)
    description = _optional_text(description, "description", 5000)
    description_es = _optional_text(description_es, "description_es", 5000)
    category_pk = id_field(category_id, field="category", message=_("Unknown category."))
    category = CatalogueCategory.objects.filter(pk=category_pk).first() if category_pk else None
    if category is None:
        raise ValidationFailed.field("category", _("Choose a category."))
    service_pk = id_field(service_id, field="service", message=_("Unknown service."))
    if (
        service_pk is not None
        and not ConfigurationItem.objects.filter(
            pk=service_pk, ci_class__in=SERVICE_CLASSES
        ).exists()
    ):
        raise ValidationFailed.field("service", _("Choose a service of the CMDB."))
    ticket_category_pk = id_field(
        ticket_category_id, field="ticket_category", message=_("Unknown category.")
    )
    if (
        ticket_category_pk is not None
        and not Category.objects.filter(pk=ticket_category_pk).exists()
    ):
        raise ValidationFailed.field("ticket_category", _("Unknown category."))
    org_ids = [
        id_field(v, field="organizations", message=_("Unknown organisation."))
        for v in organization_ids
    ]
    orgs = list(Organization.objects.filter(pk__in=[i for i in org_ids if i is not None]))
    if len(orgs) != len({i for i in org_ids if i is not None}):
        raise ValidationFailed.field("organizations", _("Unknown organisation."))
    if any(role not in Role.values for role in roles):
        raise ValidationFailed.field("roles", _("Unknown role."))
    if delivery_days is not None and not 0 <= int(delivery_days) <= 3650:
        raise ValidationFailed.field("delivery_days", _("Enter a number of days up to 3650."))
    with transaction.atomic():
        now = clock.now()
        if item_id:
            item = CatalogueItem.objects.select_for_update().filter(pk=item_id).first()
            if item is None:
                raise NotFound()
            before = snapshot(item, m2m=["organizations"])
        else:
            item, before = CatalogueItem(created_at=now), None
        item.category = category
        item.name, item.name_es = name, name_es
        item.description, item.description_es = description, description_es
        item.service_id = service_pk
        item.ticket_category_id = ticket_category_pk
        item.roles = sorted(set(roles))
        item.delivery_days = delivery_days
        item.position, item.is_active = max(0, int(position or 0)), bool(is_active)
        item.updated_at = now
        item.save()
        item.organizations.set(orgs)
        record_change(
            actor=actor,
            action=Action.UPDATED if before else Action.CREATED,
            obj=item,
            before=before,
            after=snapshot(item, m2m=["organizations"]),
        )
    return item


# --- managers: form fields ---------------------------------------------------------------------

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
OPTIONS_MAX = 100


def parse_options(text: str) -> list[dict[str, str]]:
    """Options as managers type them, one a line: "code | English | Spanish", or
    "English | Spanish", or "English" (the code is then made from the English label)."""
    options: list[dict[str, str]] = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not any(parts):
            continue
        if len(parts) >= 3:
            code, en, es = parts[0], parts[1], parts[2]
        elif len(parts) == 2:
            code, en, es = "", parts[0], parts[1]
        else:
            code, en, es = "", parts[0], ""
        code = slugify(code or en).replace("-", "_")[:40]
        if not code or not en:
            raise ValidationFailed.field(
                "choices", _("Each option needs an English label: “%(line)s”.") % {"line": line}
            )
        if any(o["value"] == code for o in options):
            raise ValidationFailed.field(
                "choices", _("Two options have the code “%(code)s”.") % {"code": code}
            )
        options.append({"value": code, "label": en[:200], "label_es": es[:200]})
    if len(options) > OPTIONS_MAX:
        raise ValidationFailed.field(
            "choices", _("Offer at most %(max)d options.") % {"max": OPTIONS_MAX}
        )
    return options


def options_text(options: Sequence[Mapping[str, str]]) -> str:
    """The editor's text of stored options (parse_options reads it back)."""
    return "\n".join(
        f"{o['value']} | {o.get('label', '')} | {o.get('label_es', '')}" for o in options
    )


def _item_locked(actor: User, item_id: int) -> CatalogueItem:
    _require_manager(actor)
    item = CatalogueItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return item


def field_save(
    *,
    actor: User,
    item_id: int,
    field_id: int | None = None,
    key: str,
    type: str,
    label: str,
    label_es: str = "",
    help_text: str = "",
    help_text_es: str = "",
    required: bool = False,
    default: str = "",
    choices: str = "",
    ci_class: str = "",
    condition_field_id: Any = None,
    condition_values: Sequence[str] = (),
) -> FormField:
    """Add a field at the end of an item's form, or edit one. A condition names an earlier
    field of the same form whose answer is a choice or yes/no, and values among its answers."""
    from atiende.cmdb.models import CiClass

    key = (key or "").strip().lower()
    if not KEY.match(key):
        raise ValidationFailed.field(
            "key", _("Use a lower-case letter, then letters, digits or _ (at most 40).")
        )
    if type not in FieldType.values:
        raise ValidationFailed.field("type", _("Unknown field type."))
    label = _required_text(label, "label", 200)
    label_es = _optional_text(label_es, "label_es", 200)
    help_text = _optional_text(help_text, "help_text", 500)
    help_text_es = _optional_text(help_text_es, "help_text_es", 500)
    default = _optional_text(default, "default", 500)
    options = parse_options(choices) if type in CHOICE_TYPES else []
    if type in CHOICE_TYPES and not options:
        raise ValidationFailed.field("choices", _("Give at least one option."))
    if ci_class and (type != FieldType.CI or ci_class not in CiClass.values):
        raise ValidationFailed.field("ci_class", _("Unknown class."))
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        siblings = list(item.fields.all())
        if field_id:
            spec = next((f for f in siblings if f.pk == field_id), None)
            if spec is None:
                raise NotFound()
            before = snapshot(spec)
        else:
            top = item.fields.aggregate(top=Max("position"))["top"]
            spec, before = FormField(item=item, position=(top or 0) + 1), None
        if any(f.key == key and f.pk != spec.pk for f in siblings):
            raise ValidationFailed.field("key", _("Another field of this form has this key."))
        if spec.pk and type in CONTROLLING_TYPES:
            # The answers that show other questions must stay answers of this one.
            answers = {"yes", "no"} if type == FieldType.YES_NO else {o["value"] for o in options}
            for other in siblings:
                lost = set(other.condition_values) - answers
                if other.condition_field_id == spec.pk and lost:
                    raise ValidationFailed.field(
                        "choices",
                        _("The answer “%(code)s” shows the question “%(key)s”: change that "
                          "question first.") % {"code": sorted(lost)[0], "key": other.key},
                    )  # fmt: skip
        condition_pk = id_field(
            condition_field_id, field="condition_field", message=_("Unknown field.")
        )
        values = [str(v).strip() for v in condition_values if str(v).strip()]
        if condition_pk is not None:
            controller = next((f for f in siblings if f.pk == condition_pk), None)
            if (
                controller is None
                or controller.type not in CONTROLLING_TYPES
                or (spec.pk and controller.position >= spec.position)
                or controller.pk == spec.pk
            ):
                raise ValidationFailed.field(
                    "condition_field",
                    _("Choose an earlier question answered with a choice or yes/no."),
                )
            allowed = (
                {"yes", "no"}
                if controller.type == FieldType.YES_NO
                else {code for code, _label in controller.options()}
            )
            if not values or any(v not in allowed for v in values):
                raise ValidationFailed.field(
                    "condition_values",
                    _("Choose among the answers of that question: %(codes)s.")
                    % {"codes": ", ".join(sorted(allowed))},
                )
        else:
            values = []
        spec.key, spec.type, spec.label, spec.label_es = key, type, label, label_es
        spec.help_text, spec.help_text_es = help_text, help_text_es
        spec.required, spec.default, spec.choices = bool(required), default, options
        spec.ci_class = ci_class if type == FieldType.CI else ""
        spec.condition_field_id, spec.condition_values = condition_pk, values
        spec.save()
        if before is not None and spec.type not in CONTROLLING_TYPES:
            # A question that can no longer show or hide others: its dependents always show.
            FormField.objects.filter(condition_field=spec).update(
                condition_field=None, condition_values=[]
            )
        record_change(
            actor=actor,
            action=Action.UPDATED if before else Action.CREATED,
            obj=spec,
            before=before,
        )
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())
    return spec


def field_delete(*, actor: User, item_id: int, field_id: int) -> None:
    """Remove a question; the questions it showed or hid then always show."""
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        spec = item.fields.filter(pk=field_id).first()
        if spec is None:
            raise NotFound()
        FormField.objects.filter(condition_field=spec).update(
            condition_field=None, condition_values=[]
        )
        record_change(actor=actor, action=Action.DELETED, obj=spec)
        spec.delete()
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())


def field_move(*, actor: User, item_id: int, field_id: int, up: bool) -> None:
    """Move a question one place up or down. A question never moves above the one that
    shows it, nor that one below it (conditions look back)."""
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        specs = list(item.fields.order_by("position", "id"))
        index = next((i for i, f in enumerate(specs) if f.pk == field_id), None)
        if index is None:
            raise NotFound()
        other = index - 1 if up else index + 1
        if not 0 <= other < len(specs):
            return
        first, second = sorted((index, other))
        if specs[second].condition_field_id == specs[first].pk:
            raise ValidationFailed(
                _("A question must stay below the question that shows it."),
            )
        specs[first], specs[second] = specs[second], specs[first]
        for position, spec in enumerate(specs, start=1):
            if spec.position != position:
                spec.position = position
                spec.save(update_fields=["position"])
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())
