from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "atiende.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Cache invalidation only (not domain logic): the desk's people and team pickers.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .models import Team, TeamMembership, User
        from .selectors import forget_people

        for model in (User, Team, TeamMembership):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_people,
                    sender=model,
                    dispatch_uid=f"people-{id(signal)}-{model.__name__}",
                )
        m2m_changed.connect(forget_people, sender=TeamMembership, dispatch_uid="people-m2m")
