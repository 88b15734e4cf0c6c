from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "atiende.improvement"
    label = "improvement"
    verbose_name = _("Continual improvement")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from atiende.tickets.timeline import register_field

        from .actions import TREND_FIELD

        # A problem opened from a trend reads "changed emerging trend: — → Category: Printers".
        register_field(TREND_FIELD, lambda: gettext("emerging trend"))
