from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [
    path("", views.failed_list, name="failed"),
    path("failed/<int:message_id>/", views.failed_detail, name="failed_detail"),
    path("failed/<int:message_id>/raw/", views.failed_raw, name="failed_raw"),
    path("failed/<int:message_id>/retry/", views.failed_retry, name="failed_retry"),
    path("failed/<int:message_id>/discard/", views.failed_discard, name="failed_discard"),
    path("health/", views.health, name="health"),
    path("resolution/<str:token>/", views.resolution_link, name="resolution_link"),
]
