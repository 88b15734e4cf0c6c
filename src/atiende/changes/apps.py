from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "atiende.changes"
    label = "changes"
    verbose_name = _("Changes")

    def ready(self) -> None:
        # Registers the calendar's reactions to change and item events (core.events).
        from . import conflicts  # noqa: F401
        from .calendar import admin  # noqa: F401

        # Change fields read well in the ticket timeline ("Risk: Low → High").
        from .timeline import register

        register()
