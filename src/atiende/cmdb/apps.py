from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmdbConfig(AppConfig):
    name = "atiende.cmdb"
    label = "cmdb"
    verbose_name = _("Services and configuration items")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from atiende.tickets.timeline import register_field

        from .actions import TICKET_FIELD
        from .panels import register_panels

        # Linking an item to a ticket reads "changed affected service or CI: — → ERP".
        register_field(TICKET_FIELD, lambda: gettext("affected service or CI"))
        # The affected services and CIs card on the desk ticket page (tickets.panels).
        register_panels()
