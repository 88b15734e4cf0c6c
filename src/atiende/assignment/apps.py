from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentConfig(AppConfig):
    name = "atiende.assignment"
    label = "assignment"
    verbose_name = _("Assignment")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from atiende.tickets.routing import register_assignee_chooser, register_automatic_teams

        from . import subscribers  # noqa: F401 - registers the moved tickets' (core.events)
        from .actions import automatic_teams, choose_for_new, is_automatic
        from .models import TeamPolicy

        # A new ticket's assignee, chosen before its row is written (tickets/routing.py).
        register_assignee_chooser(choose_for_new)
        # Whether a moved-in ticket's queue notice waits for the choice (notifications).
        register_automatic_teams(is_automatic)

        # Cache invalidation only (core.memo): which teams assign automatically.
        post_save.connect(automatic_teams.forget, sender=TeamPolicy, dispatch_uid="assign-save")
        post_delete.connect(automatic_teams.forget, sender=TeamPolicy, dispatch_uid="assign-del")
        from .panels import register_panels

        register_panels()
