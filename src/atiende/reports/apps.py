from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "atiende.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Keeps the ticket facts current (core.events registry; subscribers.py).
        from . import subscribers  # noqa: F401
