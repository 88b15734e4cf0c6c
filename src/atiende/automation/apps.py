from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "atiende.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from atiende.tickets.timeline import register_field

        from . import panels, subscribers  # noqa: F401 - registers the event subscribers

        panels.register_all()

        register_field("automation", lambda: str(_("Automation rule")))
        register_field("tags", lambda: str(_("Tags")))
        register_field("macro", lambda: str(_("Macro")))
