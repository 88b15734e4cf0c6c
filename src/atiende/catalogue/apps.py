from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "atiende.catalogue"
    label = "catalogue"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from atiende.changes.actions import register_approval_kind

        from . import subscribers  # noqa: F401
        from .approval_kind import request_approval_kind
        from .models import CatalogueItem
        from .panels import register_panels
        from .selectors import item_names

        # A request's answers, progress and tasks on the ticket pages; the desk queue's
        # "Catalogue item" filter.
        register_panels()
        # How the fulfilment tasks' timeline entries read, in the reader's language.
        from django.utils.translation import gettext

        from atiende.tickets.timeline import register_field

        register_field("task", lambda: gettext("Fulfilment task"))
        register_field("task_added", lambda: gettext("Task added"))
        register_field("task_assignee", lambda: gettext("Task taken by"))
        # Requests are approved with changes' one approval row and decision action.
        register_approval_kind(request_approval_kind())
        # The queue filter's item names are kept in memory (cache invalidation only).
        for signal in (post_save, post_delete):
            signal.connect(
                item_names.forget, sender=CatalogueItem, dispatch_uid=f"catalogue-{signal}"
            )
