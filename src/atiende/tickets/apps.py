from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "atiende.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # Cache invalidation only (not domain logic): saving the desk settings, or a team
        # (the default team may be renamed or deleted), clears the in-process copy.
        from django.db.models.signals import post_delete, post_save

        from atiende.accounts.models import Team

        from .models import Category, DeskSettings, ResolutionCode, _current_desk_settings
        from .selectors import forget_options
        from .views.cards import register_cards

        # The desk ticket page's own cards are panels too (tickets.panels): one way for all.
        register_cards()

        for model in (DeskSettings, Team):
            for signal in (post_save, post_delete):
                signal.connect(
                    _current_desk_settings.forget,
                    sender=model,
                    dispatch_uid=f"desk-settings-{signal is post_save}-{model.__name__}",
                )
        for option_model in (Category, ResolutionCode):  # the ticket page's pickers
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_options,
                    sender=option_model,
                    dispatch_uid=f"ticket-options-{signal is post_save}-{option_model.__name__}",
                )
