from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "atiende.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Keeps the ticket facts current (core.events registry; subscribers.py).
        # The saved reports' scheduled e-mail, composed at delivery by this app.
        from atiende.mail.models import OutboundKind
        from atiende.mail.outbound.delivery import register_kind

        from . import (
            mailing,
            subscribers,  # noqa: F401
        )

        register_kind(OutboundKind.REPORT, mailing.build)
