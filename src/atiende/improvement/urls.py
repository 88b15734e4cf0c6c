from django.urls import path

from . import views

app_name = "improvement"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("new/", views.item_new, name="new"),
    path("<int:item_id>/", views.item_detail, name="item"),
    path("<int:item_id>/edit/", views.item_edit, name="edit"),
    path("<int:item_id>/delete/", views.item_delete, name="delete"),
    path("trends/", views.trend_list, name="trends"),
    path("trends/<int:trend_id>/", views.trend_detail, name="trend"),
    path("trends/<int:trend_id>/problem/", views.trend_problem, name="trend_problem"),
    path("trends/<int:trend_id>/acknowledge/", views.trend_acknowledge, name="trend_acknowledge"),
    path("trends/<int:trend_id>/dismiss/", views.trend_dismiss, name="trend_dismiss"),
]
