"""A domain error shown on a Django form: the one way views do it."""

from __future__ import annotations

from django import forms

from .errors import DomainError, NotFound


def apply_domain_error(
    form: forms.BaseForm, exc: DomainError, rename: dict[str, str] | None = None
) -> None:
    """Field errors on their fields (`rename` maps an action's field name to the form's,
    e.g. {"file": "attachments"}); errors about fields the form does not have, or a bare
    detail, on top of the form. A NotFound is no form error: it is raised again, and the
    middleware answers 404 (denied looks like missing, on forms too)."""
    if isinstance(exc, NotFound):
        raise exc
    rename = rename or {}
    placed = False
    for name, messages in exc.errors.items():
        field = rename.get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.detail)
