from typing import cast

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from atiende.audit.actions import SECRET, record_change
from atiende.audit.admin import AuditedAdmin
from atiende.audit.models import Action
from atiende.core import events

from .actions import user_invite
from .events import UserDeactivated
from .models import ApiToken, Organization, Role, Team, TeamMembership, User
from .permissions import (
    access_fields_locked,
    is_administrator,
    may_change_membership,
    may_set_password,
)

# Permission names are stored in English when the tables are migrated ("Can add ticket");
# the admin shows them in the reader's language from their action and model instead.
PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        model = obj.content_type.model_class()
        if model is None:  # not offered (see permission_field), but a form may be bound to one
            return obj.name
        action = PERMISSION_ACTIONS.get(obj.codename.split("_", 1)[0])
        text = action % {"model": model._meta.verbose_name} if action else obj.name
        app = model._meta.app_config.verbose_name
        return f"{app} | {text}"


def permission_field(db_field, **kwargs) -> PermissionChoiceField:
    """The permissions picker of users and groups, labelled in the reader's language, without
    the permissions of models that no longer exist."""
    live = [ct.pk for ct in ContentType.objects.all() if ct.model_class() is not None]
    kwargs["widget"] = FilteredSelectMultiple(db_field.verbose_name, is_stacked=False)
    return db_field.formfield(
        form_class=PermissionChoiceField,
        queryset=Permission.objects.filter(content_type__in=live).select_related("content_type"),
        **kwargs,
    )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, BaseGroupAdmin):
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "permissions":
            return permission_field(db_field, **kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MembershipFormSet(BaseInlineFormSet):
    actor: User  # set per request by MembershipInline.get_formset

    def clean(self):
        super().clean()
        team_id = self.instance.pk
        for form in self.forms:
            deleting = self.can_delete and form.cleaned_data.get("DELETE", False)
            if not (form.has_changed() or deleting):
                continue
            # The row's person before the edit and after it: both memberships change.
            people = {form.initial.get("user")}
            if not deleting and form.cleaned_data.get("user") is not None:
                people.add(form.cleaned_data["user"].pk)
            for user_id in people - {None}:
                if not may_change_membership(self.actor, team_id=team_id, user_id=user_id):
                    raise ValidationError(
                        _(
                            "You may change the members of your own teams only, and never "
                            "your own membership: ask an administrator."
                        )
                    )


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["user"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # a new class per call
        formset.actor = request.user  # type: ignore[attr-defined]
        return formset


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """Managers administer the desk's people, within limits (accounts.permissions): never
    administrators, never their own access, never a view wider than their own, never
    another person's password."""

    list_display = ["username", "email", "first_name", "last_name", "role", "organization"]
    autocomplete_fields = ["manager"]
    # The e-mail on the first page too: a person added without a password is invited there.
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_filter = ["role", "organization", "is_active"]
    list_select_related = ["organization"]

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if not is_administrator(request.user):
            users = users.exclude(role=Role.ADMIN).exclude(is_superuser=True)
        return users

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + access_fields_locked(request.user, obj)

    def save_model(self, request, obj, form, change):
        # Read-only fields never reach the form; this catches any other way in.
        locked = access_fields_locked(request.user, obj if change else None)
        concrete = [name for name in locked if name not in ("groups", "user_permissions")]
        old = User.objects.filter(pk=obj.pk).first() if change else User()
        widened = [f for f in concrete if getattr(old, f) != getattr(obj, f)]
        if widened or (obj.role == Role.ADMIN and not is_administrator(request.user)):
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        if not change:
            user_invite(obj)  # no password set here: mailed a link to set one
        elif old is not None and old.is_active and not obj.is_active:
            events.publish(UserDeactivated(user_id=obj.pk))

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, unquote(id))
        if target is not None and not may_set_password(request.user, target):
            raise PermissionDenied
        before = target.password if target is not None else None
        response = super().user_change_password(request, id, form_url)
        if target is not None and request.method == "POST":
            after = User.objects.filter(pk=target.pk).values_list("password", flat=True).first()
            if after != before:
                record_change(
                    actor=request.user, action=Action.UPDATED, obj=target,
                    changes={"password": SECRET},
                )  # fmt: skip
        return response

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            return permission_field(db_field, **kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if field is not None and db_field.name == "role" and not is_administrator(request.user):
            choices = cast(list[tuple[str, str]], field.choices)  # Role's, a list
            field.choices = [c for c in choices if c[0] != Role.ADMIN]
        return field

    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Service desk"),
            {
                "fields": (
                    "role",
                    "organization",
                    "manager",
                    "is_organization_manager",
                    "sees_all_tickets",
                    "language",
                    "time_zone",
                )
            },
        ),
    )


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    search_fields = ["name"]
    list_display = ["name", "created_at"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["name", "user", "prefix", "scopes", "created_at", "expires_at",
                    "last_used_at", "revoked_at"]  # fmt: skip
    list_filter = ["scopes"]
    list_select_related = ["user"]
    # Scopes and expiry are chosen when the token is issued (they may only narrow what its
    # holder can do; see accounts.actions.api_token_create), never widened here.
    readonly_fields = ["user", "prefix", "digest", "scopes", "created_at", "expires_at",
                       "last_used_at"]  # fmt: skip
    search_fields = ["name", "user__username", "prefix"]

    def has_add_permission(self, request):
        # A token's secret is shown once, by `atiende token` or the profile page; a token
        # added here would have no secret anyone knows. Admins may rename or revoke.
        return False
