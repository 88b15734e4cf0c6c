from typing import cast

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Organization, Role, Team, TeamMembership, User

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
class GroupAdmin(BaseGroupAdmin):
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "permissions":
            return permission_field(db_field, **kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "organization"]
    list_filter = ["role", "organization", "is_active"]
    list_select_related = ["organization"]
    ADMIN_ONLY_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if not request.user.is_superuser:
            # Managers administer the desk's people, never the administrators.
            users = users.exclude(role=Role.ADMIN).exclude(is_superuser=True)
        return users

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + self.ADMIN_ONLY_FIELDS

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            return permission_field(db_field, **kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if field is not None and db_field.name == "role" and not request.user.is_superuser:
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
                    "is_organization_manager",
                    "sees_all_tickets",
                    "language",
                    "time_zone",
                )
            },
        ),
    )


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "created_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "prefix", "digest", "created_at", "last_used_at"]
    search_fields = ["name", "user__username", "prefix"]

    def has_add_permission(self, request):
        # A token's secret is shown once, by `atiende token` or the profile page; a token
        # added here would have no secret anyone knows. Admins may rename or revoke.
        return False
