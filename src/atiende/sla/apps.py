from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "atiende.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # Registers the reactions to ticket events (core.events registry, after commit).
        # Cache invalidation only (not domain logic): any change to SLA configuration
        # clears the in-process copy of the active policies.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import (
            models,
            subscribers,  # noqa: F401
        )
        from .clocks import forget_policies
        from .panels import register_panels

        # The clock card, the requester's expectations and the queue column (tickets.panels).
        register_panels()

        for model in (models.SlaPolicy, models.SlaTarget, models.SlaEscalation,
                      models.BusinessCalendar, models.CalendarHoliday, models.CalendarClosure):  # fmt: skip
            post_save.connect(
                forget_policies, sender=model, dispatch_uid=f"sla-forget-{model.__name__}"
            )
            post_delete.connect(
                forget_policies, sender=model, dispatch_uid=f"sla-del-{model.__name__}"
            )
        for field in ("organizations", "categories", "teams"):
            m2m_changed.connect(
                forget_policies,
                sender=getattr(models.SlaPolicy, field).through,
                dispatch_uid=f"sla-m2m-{field}",
            )
