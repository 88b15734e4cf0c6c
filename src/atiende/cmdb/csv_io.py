"""CSV export and import of services, CIs and relations.

Items: columns `class, name, status, environment, owner_team, description, attributes`
(attributes as a JSON object; owner_team by name). Import creates or updates by
(class, name), case-insensitively; columns left out of the file are left unchanged on
update and take their default on create.

Relations: columns `source_class, source, type, target_class, target` (items by class and
name). Import adds the relations that do not exist yet; it never removes any.

An import is all or nothing: every row is checked first; if any row is wrong the answer is
the list of problems with their line numbers and nothing is written. A dry run checks and
previews (what would be created, updated, left unchanged) without writing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from atiende.accounts.models import Team, User
from atiende.core import clock, events
from atiende.core.errors import DomainError, ValidationFailed
from atiende.core.spreadsheet import Echo, safe_cell

from . import actions, graph
from .events import Imported
from .models import (
    CiClass,
    CiStatus,
    ConfigurationItem,
    Environment,
    ItemAction,
    ItemEvent,
    Relation,
    RelationType,
)

ITEM_COLUMNS = ["class", "name", "status", "environment", "owner_team", "description", "attributes"]
RELATION_COLUMNS = ["source_class", "source", "type", "target_class", "target"]
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS = 200  # the first problems are enough to fix a file
PREVIEW_ROWS = 200


class ImportRejected(DomainError):
    """Some rows are not valid: 400, with `errors` {"line N": [messages]}; nothing written."""

    status_code = 400


# --- export ---------------------------------------------------------------------------------


def export_items(items: QuerySet[ConfigurationItem]) -> Iterator[str]:
    """Lines of the CSV of `items` (already filtered and access-scoped), streamed."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(ITEM_COLUMNS)
    rows = items.select_related("owner_team").order_by("name", "id")
    for item in rows.iterator(chunk_size=2000):
        attributes = json.dumps(item.attributes, ensure_ascii=False) if item.attributes else ""
        yield writer.writerow(
            [
                item.ci_class,
                safe_cell(item.name),
                item.status,
                item.environment,
                safe_cell(item.owner_team.name if item.owner_team else ""),
                safe_cell(item.description),
                attributes,
            ]
        )


def export_relations(relations: QuerySet[Relation]) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(RELATION_COLUMNS)
    rows = relations.select_related("source", "target").order_by("source__name", "type", "id")
    for relation in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                relation.source.ci_class,
                safe_cell(relation.source.name),
                relation.type,
                relation.target.ci_class,
                safe_cell(relation.target.name),
            ]
        )


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    kind: str  # "items" or "relations"
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    preview: list[dict[str, Any]] = field(
        default_factory=list
    )  # the first rows: line, action, name


class _Problems:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, line: int, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.setdefault(_("line %(line)d") % {"line": line}, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ImportRejected(
                _("The file has %(count)d line(s) with problems; nothing was imported.")
                % {"count": len(self.errors)},
                self.errors,
            )


def _rows(data: bytes | str, required: list[str], known: list[str]) -> Iterator[tuple[int, dict]]:
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise ImportRejected(_("The file is too large (10 MB at most)."), {"file": []})
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed.field("file", _("Save the file as UTF-8 CSV.")) from None
    else:
        text = data.removeprefix("\ufeff")
    if "\x00" in text:
        raise ValidationFailed.field("file", _("This is not a CSV file."))
    # The delimiter is the one the header line uses most (spreadsheets in Spanish locales
    # save with ";").
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error:
        raise ValidationFailed.field("file", _("This is not a CSV file.")) from None
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in known]
    if missing or unknown:
        message = _("The first line must name the columns: %(columns)s.") % {
            "columns": ", ".join(known)
        }
        raise ValidationFailed.field("file", message)
    reader.fieldnames = header
    count = 0
    try:
        for row in reader:
            count += 1
            if count > MAX_ROWS:
                raise ValidationFailed.field(
                    "file", _("At most %(max)d rows per file.") % {"max": MAX_ROWS}
                )
            if None in row:  # more cells than columns
                yield reader.line_num, {"__extra__": True}
                continue
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
    except csv.Error as exc:
        raise ValidationFailed.field(
            "file", _("The CSV is malformed near line %(line)d.") % {"line": reader.line_num}
        ) from exc


def _first_message(exc: ValidationFailed) -> str:
    for field_name, messages in exc.errors.items():
        if messages:
            return f"{field_name}: {messages[0]}"
    return exc.detail


def _teams_by_name() -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for team in Team.objects.all():
        teams[team.name.lower()] = team
        teams[str(team.pk)] = team
    return teams


def _existing(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ConfigurationItem]:
    """Items by (class, lower-case name), in chunks (one query per 500 names)."""
    wanted = list(set(pairs))
    found: dict[tuple[str, str], ConfigurationItem] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        names = {name for _cls, name in chunk}
        classes = {cls for cls, _name in chunk}
        rows = ConfigurationItem.objects.annotate(lname=Lower("name")).filter(
            lname__in=names, ci_class__in=classes
        )
        for item in rows:
            found[(item.ci_class, item.name.lower())] = item
    return found


def import_items(*, actor: User, data: bytes | str, dry_run: bool = False) -> ImportResult:
    actions.require_editor(actor)
    problems = _Problems()
    teams = _teams_by_name()
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in _rows(data, ["class", "name"], ITEM_COLUMNS):
        if row.get("__extra__"):
            problems.add(line, _("This line has more cells than there are columns."))
            continue
        values: dict[str, Any] = {}
        try:
            values["ci_class"] = actions.clean_choice(row["class"], CiClass.values, "class")
            values["name"] = actions.clean_name(row["name"])
            for column, enum in (("status", CiStatus), ("environment", Environment)):
                if row.get(column):
                    values[column] = actions.clean_choice(row[column], enum.values, column)
            if "owner_team" in row:
                team_key = row["owner_team"].lower()
                if team_key and team_key not in teams:
                    raise ValidationFailed.field("owner_team", _("Unknown team."))
                values["owner_team"] = teams.get(team_key) if team_key else None
            if "description" in row:
                values["description"] = actions.clean_description(row["description"])
            if "attributes" in row:
                values["attributes"] = actions.clean_attributes(row["attributes"])
        except ValidationFailed as exc:
            problems.add(line, _first_message(exc))
            continue
        identity = (values["ci_class"], values["name"].lower())
        if identity in seen:
            problems.add(
                line, _("Same class and name as line %(line)d.") % {"line": seen[identity]}
            )
            continue
        seen[identity] = line
        parsed.append((line, values))
    problems.raise_if_any()
    if not parsed:
        raise ValidationFailed.field("file", _("The file has no rows."))

    result = ImportResult(kind="items", dry_run=dry_run)
    with transaction.atomic():
        existing = _existing((v["ci_class"], v["name"].lower()) for _line, v in parsed)
        now = clock.now()
        to_create: list[ConfigurationItem] = []
        to_update: list[tuple[ConfigurationItem, dict[str, list[Any]]]] = []
        for line, values in parsed:
            item = existing.get((values["ci_class"], values["name"].lower()))
            if item is None:
                to_create.append(ConfigurationItem(**values, created_at=now, updated_at=now))
                action = "create"
            else:
                diff = {
                    key: [actions._storable(getattr(item, key)), actions._storable(value)]
                    for key, value in values.items()
                    if getattr(item, key) != value
                }
                if diff:
                    for key, value in values.items():
                        setattr(item, key, value)
                    item.updated_at = now
                    item.version += 1
                    to_update.append((item, diff))
                    action = "update"
                else:
                    action = "unchanged"
                    result.unchanged += 1
            if len(result.preview) < PREVIEW_ROWS:
                result.preview.append(
                    {"line": line, "action": action, "class": values["ci_class"],
                     "name": values["name"]}
                )  # fmt: skip
        result.created, result.updated = len(to_create), len(to_update)
        if dry_run:
            return result
        created = ConfigurationItem.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            ConfigurationItem.objects.bulk_update(
                [item for item, _diff in to_update],
                [*actions.EDITABLE_FIELDS, "updated_at", "version"],
                batch_size=500,
            )
        audit = [
            ItemEvent(item=item, item_name=item.name, action=ItemAction.IMPORTED, actor=actor,
                      created_at=now, changes={"created": True})
            for item in created
        ] + [
            ItemEvent(item=item, item_name=item.name, action=ItemAction.IMPORTED, actor=actor,
                      created_at=now, changes=diff)
            for item, diff in to_update
        ]  # fmt: skip
        ItemEvent.objects.bulk_create(audit, batch_size=1000)
        if created:  # new services belong in the impact graph
            graph.changed()
    events.publish(Imported(kind="items", created=result.created, updated=result.updated))
    return result


def import_relations(*, actor: User, data: bytes | str, dry_run: bool = False) -> ImportResult:
    actions.require_editor(actor)
    problems = _Problems()
    parsed: list[tuple[int, dict[str, str]]] = []
    for line, row in _rows(data, RELATION_COLUMNS, RELATION_COLUMNS):
        if row.get("__extra__"):
            problems.add(line, _("This line has more cells than there are columns."))
            continue
        try:
            actions.clean_choice(row["source_class"], CiClass.values, "source_class")
            actions.clean_choice(row["target_class"], CiClass.values, "target_class")
            actions.clean_choice(row["type"], RelationType.values, "type")
            for column in ("source", "target"):
                if not row[column]:
                    raise ValidationFailed.field(column, _("A name is required."))
        except ValidationFailed as exc:
            problems.add(line, _first_message(exc))
            continue
        parsed.append((line, row))
    if not parsed and not problems.errors:
        raise ValidationFailed.field("file", _("The file has no rows."))

    result = ImportResult(kind="relations", dry_run=dry_run)
    with transaction.atomic():
        pairs = [(r["source_class"], r["source"].lower()) for _l, r in parsed] + [
            (r["target_class"], r["target"].lower()) for _l, r in parsed
        ]
        items = _existing(pairs)
        triples: dict[tuple[int, str, int], int] = {}
        for line, row in parsed:
            source = items.get((row["source_class"], row["source"].lower()))
            target = items.get((row["target_class"], row["target"].lower()))
            if source is None:
                problems.add(line, _("Unknown source: %(name)s.") % {"name": row["source"]})
            if target is None:
                problems.add(line, _("Unknown target: %(name)s.") % {"name": row["target"]})
            if source is None or target is None:
                continue
            if source.pk == target.pk:
                problems.add(line, _("An item cannot be related to itself."))
                continue
            triples.setdefault((source.pk, row["type"], target.pk), line)
        problems.raise_if_any()
        existing = set()
        sources = {s for s, _t, _g in triples}
        for start in range(0, len(sources), 500):
            chunk = sorted(sources)[start : start + 500]
            existing |= set(
                Relation.objects.filter(source_id__in=chunk).values_list(
                    "source_id", "type", "target_id"
                )
            )
        new = [t for t in triples if t not in existing]
        result.created, result.unchanged = len(new), len(triples) - len(new)
        names = {item.pk: item.name for item in items.values()}
        for triple, line in list(triples.items())[:PREVIEW_ROWS]:
            result.preview.append(
                {"line": line, "action": "unchanged" if triple in existing else "create",
                 "source": names[triple[0]], "type": triple[1], "target": names[triple[2]]}
            )  # fmt: skip
        if dry_run:
            return result
        now = clock.now()
        Relation.objects.bulk_create(
            [Relation(source_id=s, type=t, target_id=g, created_at=now, created_by=actor)
             for s, t, g in new],
            batch_size=1000,
        )  # fmt: skip
        ItemEvent.objects.bulk_create(
            [ItemEvent(item_id=s, item_name=names[s], action=ItemAction.RELATION_ADDED,
                       actor=actor, created_at=now, changes={"type": t, "target": names[g]})
             for s, t, g in new],
            batch_size=1000,
        )  # fmt: skip
        if new:
            graph.changed()
    events.publish(Imported(kind="relations", created=result.created, updated=0))
    return result
