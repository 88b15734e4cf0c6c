"""The only writer of the audit log. Domain actions and the admin (audit.admin.AuditedAdmin)
call `record_change` in the transaction of the change itself, so an entry exists exactly when
its change committed.

`snapshot` reads an instance's fields into JSON values and `diff` compares two snapshots
into `{field: [old, new]}`. Secrets (passwords, token digests) never reach the log: their
entry says "changed" and nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import Action, AuditEntry

SECRET = "changed"
# Field names that hold a secret or its hash: "password", "imap_password", "digest".
SECRET_SUFFIXES = ("password", "digest", "secret")
# Kept up to date by the system, not by whoever edits the row (`version` grows on every
# save: optimistic concurrency, not an edit).
IGNORED_FIELDS = frozenset({"last_login", "version"})
EMPTY: tuple[Any, ...] = (None, "", [], {})
REPR_MAX = 200


def is_secret(name: str) -> bool:
    return name.endswith(SECRET_SUFFIXES)


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.time):
        # To the second: the admin's widgets drop microseconds, which is no one's edit.
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | dt.timedelta | UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    return str(value)


def _value(instance: models.Model, field: models.Field) -> Any:
    if field.is_relation:  # a foreign key: the related row as people know it
        if getattr(instance, field.attname) is None:
            return None
        return str(getattr(instance, field.name))
    return _json(field.value_from_object(instance))


def snapshot(instance: models.Model, *, m2m: Iterable[str] = ()) -> dict[str, Any]:
    """The instance's recorded fields as JSON values, plus the named many-to-many fields as
    sorted lists of names. Secrets are read too (so a change shows), but `diff` never lets
    them out."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in IGNORED_FIELDS or getattr(field, "auto_now", False):
            continue
        values[field.name] = _value(instance, field)
    for name in m2m:
        related = getattr(instance, name).all().select_related() if instance.pk else []
        values[name] = sorted(str(other) for other in related)
    return values


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """`{field: [old, new]}` for every field that differs (empty values left out when the
    object is created or deleted); a secret field maps to "changed"."""
    before, after = before or {}, after or {}
    changes: dict[str, Any] = {}
    for name in {**before, **after}:
        old, new = before.get(name), after.get(name)
        if old == new or (name not in before and new in EMPTY):
            continue
        if name not in after and old in EMPTY:
            continue
        changes[name] = SECRET if is_secret(name) else [old, new]
    return changes


def record_change(
    *,
    actor: Any,
    action: Action | str,
    obj: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry | None:
    """Record that `actor` (a user, or None for the system) created, updated or deleted
    `obj`. The changes are `changes` if given, else `diff(before, after)` with `after`
    defaulting to the object as it is now (nothing for a deletion: call this before
    deleting). An update that changed nothing is not recorded."""
    action = Action(action)
    if changes is None:
        if action == Action.DELETED:
            after = None
        elif after is None:
            after = snapshot(obj)
        changes = diff(None if action == Action.CREATED else before, after)
    safe = {name: SECRET if is_secret(name) else _json(v) for name, v in changes.items()}
    if action == Action.UPDATED and not safe:
        return None
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=person,
        actor_name=person.get_username() if person is not None else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:REPR_MAX],
        changes=safe,
    )
