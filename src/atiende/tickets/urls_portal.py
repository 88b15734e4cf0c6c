from django.urls import path

from .views import portal

app_name = "portal"
urlpatterns = [
    path("", portal.home, name="home"),
    path("new/", portal.new_ticket, name="new"),
    path("tickets/<str:number>/", portal.ticket_detail, name="ticket"),
    path("tickets/<str:number>/reply/", portal.reply, name="reply"),
    path("tickets/<str:number>/confirm/", portal.confirm, name="confirm"),
    path("tickets/<str:number>/reopen/", portal.reopen, name="reopen"),
]
