"""Role-based permissions for the configuration screens (Django admin).

Administrators have every permission. Managers configure the desk: teams and memberships,
organisations and users, categories, the priority matrix, resolution codes, desk settings,
and service levels. They never get administrator powers: they cannot create, edit or promote
administrators (see UserAdmin). Agents and requesters have no configuration access.
"""

from __future__ import annotations

from .models import Role

# app_label.model names that managers may view, add, change and delete.
MANAGER_MODELS = frozenset(
    {
        "accounts.team",
        "accounts.teammembership",
        "accounts.organization",
        "accounts.user",
        "tickets.category",
        "tickets.priorityrule",
        "tickets.resolutioncode",
        "tickets.desksettings",
        "tickets.ticket",  # read-only in its admin; listed so managers can inspect
        "tickets.ticketevent",
        "sla.businesscalendar",
        "sla.calendarholiday",
        "sla.calendarclosure",
        "sla.slapolicy",
        "sla.slatarget",
        "sla.slaescalation",
        "changes.blackoutwindow",
        "changes.board",
        "changes.approvalpolicy",
        "changes.changetemplate",
        "changes.riskquestion",
        "changes.riskchoice",
        "changes.risksettings",
    }
)
MANAGER_APPS = frozenset(name.split(".")[0] for name in MANAGER_MODELS)


def _is_manager(user) -> bool:
    return bool(user.is_active and getattr(user, "role", None) == Role.MANAGER)


class RolePermissionBackend:
    """Grants managers the permissions on MANAGER_MODELS; authenticates nobody."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not _is_manager(user_obj) or "." not in perm:
            return False
        app_label, codename = perm.split(".", 1)
        action, _sep, model = codename.partition("_")
        return (
            action in {"view", "add", "change", "delete"}
            and f"{app_label}.{model}" in MANAGER_MODELS
        )

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return _is_manager(user_obj) and app_label in MANAGER_APPS
