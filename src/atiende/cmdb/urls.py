from django.urls import path

from . import views

app_name = "cmdb"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("items.csv", views.item_export, name="export"),
    path("relations.csv", views.relation_export, name="relations_export"),
    path("import/", views.import_csv, name="import"),
    path("new/", views.item_create, name="new"),
    path("suggest/", views.suggest, name="suggest"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/edit/", views.item_edit, name="edit"),
    path("items/<int:item_id>/delete/", views.item_delete, name="delete"),
    path("items/<int:item_id>/impact/", views.item_impact, name="impact"),
    path("items/<int:item_id>/relations/", views.relation_add, name="relation_add"),
    path(
        "items/<int:item_id>/relations/<int:relation_id>/remove/",
        views.relation_remove,
        name="relation_remove",
    ),
    path("tickets/<str:number>/items/", views.ticket_items, name="ticket_items"),
]
