from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "atiende.mail"
    label = "mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        # The outbox: notification handlers (core.events, in-transaction phase) and the
        # delivery task (a module of its own, so Celery and the embedded runner find it).
        from .outbound import (
            admin,  # noqa: F401 - the outbox in Django admin
            notify,  # noqa: F401
            tasks,  # noqa: F401
        )
