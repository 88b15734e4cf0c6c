from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.home, name="home"),
    path("items/<int:item_id>/", views.item_request, name="item"),
    path("manage/", views.manage_list, name="manage"),
    path("manage/items/new/", views.item_edit, name="item_new"),
    path("manage/items/<int:item_id>/", views.item_edit, name="item_edit"),
    path("manage/items/<int:item_id>/preview/", views.item_preview, name="item_preview"),
    path("manage/items/<int:item_id>/requests.csv", views.item_export, name="item_export"),
    path("manage/items/<int:item_id>/fields/new/", views.field_edit, name="field_new"),
    path("manage/items/<int:item_id>/fields/<int:field_id>/", views.field_edit, name="field_edit"),
    path(
        "manage/items/<int:item_id>/fields/<int:field_id>/delete/",
        views.field_delete,
        name="field_delete",
    ),
    path(
        "manage/items/<int:item_id>/fields/<int:field_id>/move/",
        views.field_move,
        name="field_move",
    ),
    path("manage/items/<int:item_id>/steps/new/", views.step_add, name="step_add"),
    path(
        "manage/items/<int:item_id>/steps/<int:step_id>/delete/",
        views.step_delete,
        name="step_delete",
    ),
    path("manage/items/<int:item_id>/tasks/new/", views.task_template_add, name="task_add"),
    path(
        "manage/items/<int:item_id>/tasks/<int:template_id>/delete/",
        views.task_template_delete,
        name="task_delete",
    ),
    path("requests/<int:ticket_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<int:ticket_id>/tasks/add/", views.task_add, name="task_add"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:task_id>/take/", views.task_take, name="task_take"),
    path("approvals/", views.my_approvals, name="approvals"),
    path("approvals/<int:approval_id>/decide/", views.approval_decide, name="approval_decide"),
    path(
        "approvals/<int:approval_id>/delegate/", views.approval_delegate, name="approval_delegate"
    ),
]
