"""The audit log in the admin: `AuditedAdmin`, the base of every configuration admin, records
what is added, changed and deleted there (the object's own fields, its many-to-many fields
on the form, and the rows of its inlines); `AuditEntryAdmin` shows the log, read-only, to
administrators only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from atiende.core.admin import ReadOnlyAdmin

from .actions import SECRET, record_change, snapshot
from .models import Action, AuditEntry


def may_read_audit(user: Any) -> bool:
    """Administrators only: the log names every person's access and every policy."""
    return bool(user.is_active and user.is_superuser)


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are recorded in the audit log, in the admin's transaction.

    The state before an edit is read from the database (the form has already changed the
    instance in memory by the time save_model runs); the entry is written in save_related,
    once the many-to-many fields and inlines are saved too."""

    def _m2m_names(self, form) -> list[str]:
        return [f.name for f in self.model._meta.many_to_many if f.name in form.fields]

    def save_model(self, request, obj, form, change):
        if change and obj.pk is not None:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            if old is not None:
                form._audit_before = snapshot(old, m2m=self._m2m_names(form))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(form, "_audit_before", None)
        record_change(
            actor=request.user,
            action=Action.UPDATED if before is not None else Action.CREATED,
            obj=form.instance,
            before=before,
            after=snapshot(form.instance, m2m=self._m2m_names(form)),
        )

    def save_formset(self, request, form, formset, change):
        """Inline rows are recorded as themselves (a team membership, a holiday)."""
        changed = [f.instance.pk for f in formset.initial_forms if f.has_changed()]
        rows = formset.model._default_manager.select_related().in_bulk(changed)
        before = {pk: snapshot(row) for pk, row in rows.items()}
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is not None:
                record_change(actor=request.user, action=Action.DELETED, obj=deleted.instance,
                              before=snapshot(deleted.instance))  # fmt: skip
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record_change(actor=request.user, action=Action.CREATED, obj=obj)
        for obj, _fields in formset.changed_objects:
            record_change(
                actor=request.user, action=Action.UPDATED, obj=obj, before=before.get(obj.pk)
            )

    def delete_model(self, request, obj):
        record_change(actor=request.user, action=Action.DELETED, obj=obj, before=snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_change(actor=request.user, action=Action.DELETED, obj=obj, before=snapshot(obj))
        super().delete_queryset(request, queryset)


LIST_FIELDS = 3  # field names shown per row in the log's list


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "actor_display",
        "action",
        "content_type",
        "object_repr",
        "changed_fields",
    ]
    list_filter = [
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
        "action",
        "at",
    ]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "actor_name"]
    date_hierarchy = "at"
    show_full_result_count = False  # the log only grows
    fields = ("at", "actor_display", "action", "content_type", "object_id", "object_repr",
              "changes_table")  # fmt: skip
    readonly_fields = fields

    def has_module_permission(self, request) -> bool:
        return may_read_audit(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_read_audit(request.user)

    @admin.display(description=_("who"), ordering="actor_name")
    def actor_display(self, entry: AuditEntry) -> str:
        if entry.actor is not None:
            return entry.actor.get_username()
        return entry.actor_name or str(_("System"))

    @admin.display(description=_("fields"))
    def changed_fields(self, entry: AuditEntry) -> str:
        """A one-line summary that keeps the list scannable; the entry shows every field."""
        model = entry.content_type.model_class()
        names = [_label(model, name) for name in entry.changes]
        if len(names) <= LIST_FIELDS:
            return ", ".join(names)
        more = len(names) - LIST_FIELDS
        return _("%(fields)s and %(count)d more") % {
            "fields": ", ".join(names[:LIST_FIELDS]),
            "count": more,
        }

    @admin.display(description=_("changes"))
    def changes_table(self, entry: AuditEntry) -> str:
        model = entry.content_type.model_class()
        rows: list[tuple[str, str, str]] = []
        for name, change in entry.changes.items():
            label = _label(model, name)
            if change == SECRET:
                rows.append((label, "", str(_("changed"))))
            else:
                old, new = change
                rows.append((label, _show(old), _show(new)))
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("Field"),
            _("Before"),
            _("After"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )


def _label(model: type[models.Model] | None, name: str) -> str:
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:  # a field that no longer exists: its name is all there is
        field = None
    return str(getattr(field, "verbose_name", name))


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
