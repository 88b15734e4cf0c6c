from django.urls import path

from .views import desk

app_name = "knowledge_desk"
urlpatterns = [
    path("", desk.article_list, name="list"),
    path("new/", desk.article_new, name="new"),
    path("preview/", desk.preview, name="preview"),
    path("<int:article_id>/", desk.article_detail, name="article"),
    path("<int:article_id>/edit/", desk.article_edit, name="edit"),
    path("<int:article_id>/status/", desk.article_transition, name="transition"),
    path("<int:article_id>/diff/", desk.article_diff, name="diff"),
    path("<int:article_id>/attach/", desk.attachment_add, name="attach"),
    path("<int:article_id>/link/", desk.link, name="link"),
    path("ticket/<str:number>/", desk.ticket_suggestions, name="ticket_suggestions"),
    path("ticket/<str:number>/known-error/", desk.known_error, name="known_error"),
]
