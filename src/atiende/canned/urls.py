from django.urls import path

from . import views

app_name = "canned"
urlpatterns = [
    path("", views.response_list, name="list"),
    path("<int:response_id>/", views.response_edit, name="edit"),
    path("<int:response_id>/delete/", views.response_delete, name="delete"),
]
