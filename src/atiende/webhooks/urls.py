from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("<int:webhook_id>/", views.webhook_detail, name="detail"),
    path("<int:webhook_id>/delete/", views.webhook_delete, name="delete"),
    path("<int:webhook_id>/rotate/", views.webhook_rotate, name="rotate"),
    path("<int:webhook_id>/ping/", views.webhook_ping, name="ping"),
    path("deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
