from django.urls import path

from .views import desk

app_name = "desk"
urlpatterns = [
    path("", desk.queue, name="queue"),
    path("new/", desk.new_ticket, name="new"),
]
