from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentConfig(AppConfig):
    name = "atiende.assignment"
    label = "assignment"
    verbose_name = _("Assignment")

    def ready(self) -> None:
        from . import subscribers  # noqa: F401 - registers the assignment (core.events)
        from .panels import register_panels

        register_panels()
