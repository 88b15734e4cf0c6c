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


class AtiendeAdminConfig(admin_apps.AdminConfig):
    """The admin app with Atiende's site (listed in INSTALLED_APPS instead of the admin)."""

    default_site = "atiende.web.admin_site.AtiendeAdminSite"
