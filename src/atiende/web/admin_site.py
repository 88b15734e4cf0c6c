from django.contrib import admin
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AtiendeAdminSite(admin.AdminSite):
    site_header = _("Atiende configuration")
    site_title = _("Atiende configuration")
    index_title = _("Configuration")

    def has_permission(self, request) -> bool:
        """Administrators and managers; what each may touch is decided per model."""
        user = request.user
        return bool(user.is_active and (user.is_staff or getattr(user, "is_manager", False)))

    def password_change(self, request, extra_context=None):
        """One's own password, in the audit log like any other (that it changed, no more)."""
        # Imported here: this module is loaded with the app registry, before any model.
        from atiende.audit.actions import SECRET, record_change
        from atiende.audit.models import Action

        before = request.user.password
        response = super().password_change(request, extra_context)
        if request.method == "POST" and request.user.password != before:
            record_change(
                actor=request.user,
                action=Action.UPDATED,
                obj=request.user,
                changes={"password": SECRET},
            )
        return response


class AtiendeAdminConfig(admin_apps.AdminConfig):
    """The admin app with Atiende's site (listed in INSTALLED_APPS instead of the admin)."""

    default_site = "atiende.web.admin_site.AtiendeAdminSite"
