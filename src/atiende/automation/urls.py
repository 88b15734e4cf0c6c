from django.urls import path

from . import views

app_name = "automation"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_edit, name="new"),
    path("<int:rule_id>/", views.rule_edit, name="edit"),
    path("<int:rule_id>/toggle/", views.rule_toggle, name="toggle"),
    path("<int:rule_id>/move/", views.rule_move, name="move"),
    path("<int:rule_id>/delete/", views.rule_delete, name="delete"),
]
