from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "atiende.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from atiende.tickets.timeline import register_field

        from . import panels
        from .actions import KNOWN_ERROR_FIELD

        panels.register()
        register_field(KNOWN_ERROR_FIELD, lambda: str(_("Known-error article")))
