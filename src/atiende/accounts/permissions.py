"""Role-based permissions for the configuration screens (Django admin).

Administrators have every permission. Managers configure the desk: teams and memberships,
organisations and users, categories, the priority matrix, resolution codes, desk settings,
and service levels. They never get administrator powers: they cannot create, edit or promote
administrators (see UserAdmin), widen their own access, grant a view of tickets wider than
their own, or set another person's password (the rules below, applied by accounts.admin).
Agents and requesters have no configuration access.
"""

from __future__ import annotations

from .models import Role
from .selectors import team_ids_of

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
        "canned.cannedresponse",  # team and everyone's only (canned.admin)
        "surveys.surveysettings",
        "surveys.surveyresponse",  # read-only in its admin, scoped by the access rule
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


# What a manager may not widen: on their own account, none of these; on anyone's, the
# grants of access they do not hold themselves (see access_fields_locked).
ACCESS_FIELDS = (
    "role", "is_active", "organization", "is_organization_manager", "sees_all_tickets",
)  # fmt: skip
ADMIN_ONLY_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
# Flags that widen what someone sees beyond their teams: a manager grants (or takes away)
# them only if they hold that wide view themselves.
WIDE_VIEW_FIELDS = ("sees_all_tickets", "is_organization_manager")


def is_administrator(user) -> bool:
    """Administrators hold every permission (Django's superuser); managers never do."""
    return bool(user.is_active and user.is_superuser)


def access_fields_locked(actor, target) -> tuple[str, ...]:
    """The user fields `actor` may not change on `target` (None: a user being created).

    A manager cannot widen their own access (role, flags, organisation, being active) nor
    grant a view wider than their own; only administrators touch staff and permission
    flags."""
    if is_administrator(actor):
        return ()
    locked = list(ADMIN_ONLY_FIELDS)
    if target is not None and target.pk == actor.pk:
        locked += ACCESS_FIELDS
    elif not actor.sees_all_tickets:
        locked += WIDE_VIEW_FIELDS
    return tuple(dict.fromkeys(locked))


def may_change_membership(actor, *, team_id: int | None, user_id: int | None) -> bool:
    """Team memberships decide which tickets an agent sees. A manager never changes their
    own, and changes other people's only in teams they belong to, unless they see every
    ticket anyway: otherwise they could add an account whose password they know to a team
    whose tickets are hidden from them."""
    if is_administrator(actor):
        return True
    if user_id is not None and user_id == actor.pk:
        return False
    if actor.sees_all_tickets:
        return True
    return team_id is not None and team_id in team_ids_of(actor)


def may_set_password(actor, target) -> bool:
    """Only administrators set another person's password: whoever knows it can sign in as
    them and see what they see. Everyone may change their own."""
    return is_administrator(actor) or target.pk == actor.pk
