from django.urls import path, register_converter

from .views import participants, portal


class TicketNumberConverter:
    """A human ticket number such as INC-000123 (ASCII only: no other digit forms)."""

    regex = "[A-Za-z]{2,5}-[0-9]{1,12}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(TicketNumberConverter, "ticket_number")

app_name = "portal"
urlpatterns = [
    path("", portal.home, name="home"),
    path("new/", portal.new_ticket, name="new"),
    path("tickets/<ticket_number:number>/", portal.ticket_detail, name="ticket"),
    path("tickets/<ticket_number:number>/reply/", portal.reply, name="reply"),
    path("tickets/<ticket_number:number>/confirm/", portal.confirm, name="confirm"),
    path("tickets/<ticket_number:number>/reopen/", portal.reopen, name="reopen"),
    path(
        "tickets/<ticket_number:number>/participants/",
        participants.portal_add,
        name="participant_add",
    ),
    path(
        "tickets/<ticket_number:number>/participants/<int:participant_id>/remove/",
        participants.portal_remove,
        name="participant_remove",
    ),
]
