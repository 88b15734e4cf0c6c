"""The one validation of a request form's answers, for every channel: the portal's form
(catalogue.forms builds it from the fields and hands its raw data here) and the API alike.

`clean(fields, data, files, actor=...)` turns what was submitted into typed answers, or
raises a ValidationFailed (422) with a message per field key, or a PayloadTooLarge (413)
when a file is over the limit. Nothing is written here: the caller writes only after this
answered. The rules, in the form's order:

- a key that is not a field of the form is refused ("unknown field");
- a field whose condition is false (its controlling answer is not one of the values, or the
  controlling field is itself hidden) is hidden: an answer to it is refused, and it is not
  required;
- a shown field that is required needs an answer; an answer must have the field's type.

Values may come as form strings (the portal) or as JSON types (the API): "3" and 3 are the
same number, "yes"/"true"/"1" and true the same yes. What is stored is JSON: text, numbers,
ISO dates, option codes (a list for multiple choice), booleans, {"id", "name"} for people
and configuration items, the file name for attachments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models.functions import Upper
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from atiende.core.dates import YEAR_MAX, YEAR_MIN
from atiende.core.errors import DomainError, PayloadTooLarge, ValidationFailed
from atiende.core.i18n import in_language
from atiende.core.ids import parse_id
from atiende.core.text import has_lone_surrogate, without_surrogates
from atiende.tickets.attachments import check_upload, safe_filename

from .models import FieldType, FormField

if TYPE_CHECKING:
    from atiende.accounts.models import User

TEXT_MAX = 1000
LONG_TEXT_MAX = 10_000
NUMBER_MAX = 10**15
TRUE_WORDS = {"yes", "true", "1", "on", "si", "sí"}
FALSE_WORDS = {"no", "false", "0", "off"}


@dataclass
class Cleaned:
    """The typed answers (by key, shown fields with an answer only), each answer as read
    (labels in both languages and its display text), and the files to attach."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    files: list[UploadedFile] = field(default_factory=list)

    def summary(self, language: str | None = None) -> str:
        return render_summary(self.rows, language)


def render_summary(rows: Sequence[Mapping[str, Any]], language: str | None = None) -> str:
    """The answers as plain lines, "Label: answer", in the reader's language."""
    return "\n".join(
        f"{in_language(row['label'], row.get('label_es', ''), language)}: "
        f"{in_language(row['display'], row.get('display_es', ''), language)}"
        for row in rows
    )


def _unstorable(value: Any) -> bool:
    """Text the databases cannot store: a NUL (PostgreSQL) or a lone surrogate (UTF-8)."""
    if isinstance(value, str):
        return "\x00" in value or has_lone_surrogate(value)
    if isinstance(value, list | tuple):
        return any(_unstorable(v) for v in value)
    if isinstance(value, Mapping):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    return False


class _Invalid(Exception):
    def __init__(self, message: str):
        self.message = message


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise _Invalid(_("Enter text."))
    value = value.strip()
    if len(value) > limit:
        raise _Invalid(_("Enter at most %(limit)d characters.") % {"limit": limit})
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Invalid(_("Enter a number."))
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise _Invalid(_("Enter a number.")) from None
    if not number.is_finite() or abs(number) >= NUMBER_MAX:
        raise _Invalid(_("Enter a number."))
    if number == number.to_integral_value():
        return int(number)
    answer = float(number)
    if not math.isfinite(answer):
        raise _Invalid(_("Enter a number."))
    return answer


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(_("Enter a date as YYYY-MM-DD."))
    try:
        day = parse_date(value.strip())
    except ValueError:
        day = None
    if day is None:
        raise _Invalid(_("Enter a date as YYYY-MM-DD."))
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise _Invalid(
            _("Enter a date between the years %(min)d and %(max)d.")
            % {"min": YEAR_MIN, "max": YEAR_MAX}
        )
    return day.isoformat()


def _choice(value: Any, spec: FormField) -> str:
    if not isinstance(value, str):
        raise _Invalid(_("Choose one of the options."))
    codes = {code for code, _label in spec.options()}
    if value not in codes:
        raise _Invalid(_("“%(value)s” is not one of the options.") % {"value": value[:60]})
    return value


def _choices(value: Any, spec: FormField) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise _Invalid(_("Choose some of the options."))
    chosen: list[str] = []
    for item in items:
        code = _choice(item, spec)
        if code not in chosen:
            chosen.append(code)
    order = [code for code, _label in spec.options()]
    return sorted(chosen, key=order.index)


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
        return False
    raise _Invalid(_("Answer yes or no."))


def _person(value: Any, actor: User) -> dict[str, Any]:
    from atiende.accounts.models import User

    people = User.objects.filter(is_active=True)
    if not actor.is_agent:
        # Requesters never list people: they name a colleague of their own organisation.
        if actor.organization_id is None:
            people = people.filter(pk=actor.pk)
        else:
            people = people.filter(organization_id=actor.organization_id)
    person = None
    if isinstance(value, int) and not isinstance(value, bool):
        pk = parse_id(value)
        person = people.filter(pk=pk).first() if pk is not None else None
    elif isinstance(value, str) and "@" in value and len(value) <= 254:
        person = people.annotate(_email=Upper("email")).filter(_email=value.strip().upper()).first()
    else:
        raise _Invalid(_("Enter the person's e-mail address."))
    if person is None:
        raise _Invalid(_("No one you may name has this address."))
    return {"id": person.pk, "name": person.display_name}


def _ci(value: Any, spec: FormField) -> dict[str, Any]:
    from atiende.cmdb.models import CiStatus, ConfigurationItem

    pk = parse_id(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    if pk is None:
        raise _Invalid(_("Choose a configuration item."))
    items = ConfigurationItem.objects.exclude(status=CiStatus.RETIRED)
    if spec.ci_class:
        items = items.filter(ci_class=spec.ci_class)
    item = items.filter(pk=pk).only("id", "name").first()
    if item is None:
        raise _Invalid(_("Choose one of the configuration items offered."))
    return {"id": item.pk, "name": item.name}


def _display(spec: FormField, value: Any, language: str) -> str:
    """The answer as a reader of `language` reads it (yes/no and option labels translated)."""
    with translation.override(language):
        if spec.type == FieldType.YES_NO:
            return str(_("Yes")) if value else str(_("No"))
        if spec.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            labels = dict(spec.options(language))
            codes: list[str] = value if isinstance(value, list) else [value]
            return ", ".join(labels.get(code) or code for code in codes)
    if spec.type in (FieldType.PERSON, FieldType.CI):
        return str(value["name"])
    return str(value)


def condition_met(spec: FormField, value: Any) -> bool:
    """Whether `value` (the controlling field's typed answer, None when unanswered) is one
    of the values that show `spec`."""
    wanted = {str(v) for v in spec.condition_values or []}
    if value is None:
        return False
    if isinstance(value, bool):
        return ("yes" if value else "no") in wanted
    if isinstance(value, list):
        return bool(wanted.intersection(value))
    return str(value) in wanted


def _convert(spec: FormField, value: Any, actor: User) -> Any:
    kind = spec.type
    if kind == FieldType.TEXT:
        return _text(value, TEXT_MAX)
    if kind == FieldType.LONG_TEXT:
        return _text(value, LONG_TEXT_MAX)
    if kind == FieldType.NUMBER:
        return _number(value)
    if kind == FieldType.DATE:
        return _date(value)
    if kind == FieldType.CHOICE:
        return _choice(value, spec)
    if kind == FieldType.MULTI_CHOICE:
        return _choices(value, spec)
    if kind == FieldType.YES_NO:
        return _yes_no(value)
    if kind == FieldType.PERSON:
        return _person(value, actor)
    if kind == FieldType.CI:
        return _ci(value, spec)
    raise _Invalid(_("Attach the file in this field."))  # attachments come as files


def clean(
    fields: Sequence[FormField],
    data: Mapping[str, Any],
    files: Mapping[str, Sequence[UploadedFile]] | None = None,
    *,
    actor: User,
) -> Cleaned:
    """The typed answers to a form of `fields` (in their order), or ValidationFailed /
    PayloadTooLarge naming every field in error. See the module's docstring."""
    files = files or {}
    if not isinstance(data, Mapping):
        raise ValidationFailed.field("answers", _("Send the answers as an object."))
    by_key = {spec.key: spec for spec in fields}
    by_id = {spec.pk: spec for spec in fields}
    errors: dict[str, list[str]] = {}
    too_large = False
    for key in [*data.keys(), *files.keys()]:
        if key not in by_key:
            name = without_surrogates(str(key)).replace("\x00", "")[:60]
            errors.setdefault(name, [_("This form has no field “%(key)s”.") % {"key": name}])
    result = Cleaned()
    shown: set[str] = set()
    failed: set[str] = set()
    for spec in fields:
        raw = data.get(spec.key)
        uploads = list(files.get(spec.key) or [])
        if _unstorable(raw):
            errors[spec.key] = [_("This answer holds characters that cannot be stored.")]
            failed.add(spec.key)
            continue
        controller = by_id.get(spec.condition_field_id) if spec.condition_field_id else None
        if controller is not None:
            if controller.key in failed:
                failed.add(spec.key)  # judged once its controlling answer is right
                continue
            visible = controller.key in shown and condition_met(
                spec, result.values.get(controller.key)
            )
            if not visible:
                if not _empty(raw) or uploads:
                    errors[spec.key] = [
                        _("This question does not apply to your other answers: leave it empty.")
                    ]
                    failed.add(spec.key)
                continue
        shown.add(spec.key)
        try:
            if spec.type == FieldType.ATTACHMENT:
                if not _empty(raw):
                    raise _Invalid(_("Attach the file in this field."))
                if len(uploads) > 1:
                    raise _Invalid(_("Attach one file only."))
                if not uploads:
                    if spec.required:
                        raise _Invalid(_("Attach a file."))
                    continue
                try:
                    check_upload(uploads[0])
                except PayloadTooLarge as exc:
                    too_large = True
                    raise _Invalid(exc.detail) from None
                except DomainError as exc:
                    raise _Invalid(exc.first_message()) from None
                value: Any = safe_filename(uploads[0].name or "")
                result.files.append(uploads[0])
            else:
                if uploads:
                    raise _Invalid(_("This field takes no file."))
                if isinstance(raw, str) and spec.type not in (FieldType.TEXT, FieldType.LONG_TEXT):
                    raw = raw.strip()
                if _empty(raw) or (isinstance(raw, str) and not raw.strip()):
                    if spec.required:
                        raise _Invalid(_("This field is required."))
                    continue
                value = _convert(spec, raw, actor)
                if _empty(value):
                    if spec.required:
                        raise _Invalid(_("This field is required."))
                    continue
        except _Invalid as invalid:
            errors[spec.key] = [invalid.message]
            failed.add(spec.key)
            continue
        result.values[spec.key] = value
        result.rows.append(
            {
                "key": spec.key,
                "type": spec.type,
                "label": spec.label,
                "label_es": spec.label_es,
                "display": _display(spec, value, "en"),
                "display_es": _display(spec, value, "es"),
            }
        )
    if errors:
        detail = _("Some answers are not valid.")
        if too_large:
            raise PayloadTooLarge(detail, errors=errors)
        raise ValidationFailed(detail, errors=errors)
    return result


def schema(fields: Sequence[FormField], language: str | None = None) -> dict[str, Any]:
    """The form as a JSON-schema-like document (the API's "form schema"): types, required,
    options, defaults and each field's condition ("x-show-when")."""
    by_id = {spec.pk: spec for spec in fields}
    types: dict[str, dict[str, Any]] = {
        FieldType.TEXT: {"type": "string", "maxLength": TEXT_MAX},
        FieldType.LONG_TEXT: {"type": "string", "maxLength": LONG_TEXT_MAX},
        FieldType.NUMBER: {"type": "number"},
        FieldType.DATE: {"type": "string", "format": "date"},
        FieldType.CHOICE: {"type": "string"},
        FieldType.MULTI_CHOICE: {"type": "array", "items": {"type": "string"}},
        FieldType.YES_NO: {"type": "boolean"},
        FieldType.PERSON: {"type": ["integer", "string"], "description": "id or e-mail"},
        FieldType.CI: {"type": "integer"},
        FieldType.ATTACHMENT: {"type": "string", "format": "binary"},
    }
    properties: dict[str, Any] = {}
    for spec in fields:
        prop: dict[str, Any] = dict(types[spec.type])
        prop["title"] = spec.label_text(language)
        prop["x-type"] = spec.type
        prop["x-position"] = spec.position
        if spec.help(language):
            prop["description"] = spec.help(language)
        if spec.type == FieldType.CHOICE:
            prop["enum"] = [code for code, _label in spec.options(language)]
        if spec.type == FieldType.MULTI_CHOICE:
            prop["items"]["enum"] = [code for code, _label in spec.options(language)]
        if spec.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            prop["x-options"] = [{"value": c, "label": lbl} for c, lbl in spec.options(language)]
        if spec.type == FieldType.CI and spec.ci_class:
            prop["x-ci-class"] = spec.ci_class
        if spec.default:
            prop["default"] = spec.default
        prop["x-required"] = spec.required
        controller = by_id.get(spec.condition_field_id) if spec.condition_field_id else None
        if controller is not None:
            prop["x-show-when"] = {"field": controller.key, "in": list(spec.condition_values)}
        properties[spec.key] = prop
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": [s.key for s in fields if s.required and not s.condition_field_id],
    }
