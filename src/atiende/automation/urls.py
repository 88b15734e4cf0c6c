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
    path("macros/", views.macro_list, name="macros"),
    path("macros/new/", views.macro_edit, name="macro_new"),
    path("macros/<int:macro_id>/", views.macro_edit, name="macro_edit"),
    path("macros/<int:macro_id>/delete/", views.macro_delete, name="macro_delete"),
    path("macros/bulk/", views.macro_bulk, name="macro_bulk"),
    path("tickets/<str:number>/macro/", views.macro_apply, name="macro_apply"),
    path("tickets/<str:number>/tags/add/", views.tag_add, name="tag_add"),
    path("tickets/<str:number>/tags/remove/", views.tag_remove, name="tag_remove"),
]
