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

        from django.db.models.signals import post_delete, post_save

        from .models import Macro

        for signal in (post_save, post_delete):  # cascades (a team, an owner deleted) included
            signal.connect(_forget_macros, sender=Macro, dispatch_uid=f"macros-{signal}")

        register_field("automation", lambda: str(_("Automation rule")))
        register_field("tags", lambda: str(_("Tags")))
        register_field("macro", lambda: str(_("Macro")))


def _forget_macros(**_kwargs) -> None:
    """A macro saved or deleted: every agent's macro picker is read again (now, and once the
    transaction commits, so a page read meanwhile does not keep the old list)."""
    from django.db import transaction

    from .selectors import forget_macro_choices

    forget_macro_choices()
    transaction.on_commit(forget_macro_choices)
