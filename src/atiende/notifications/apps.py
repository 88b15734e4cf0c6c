from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "atiende.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from atiende.accounts import profile_cards

        from . import rules  # noqa: F401 - registers the notification rules (core.events)
        from .selectors import forget_unread

        for signal in (request_started, request_finished):
            signal.connect(forget_unread, dispatch_uid=f"forget-unread-{id(signal)}")
        from .cards import preferences_card

        profile_cards.register(
            profile_cards.Card(
                name="notification-preferences",
                template="notifications/_preferences_card.html",
                order=100,
                load=preferences_card,
            )
        )
