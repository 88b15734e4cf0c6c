from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("rate/<str:token>/", views.rate, name="rate"),
    path("comment/<str:token>/", views.comment, name="comment"),
    path("tickets/<str:number>/answer/", views.answer, name="answer"),
    path("", views.results, name="results"),
    path("responses/", views.responses, name="responses"),
    path("responses.csv", views.responses_export, name="responses_export"),
    path("follow-ups/<int:follow_up_id>/", views.follow_up, name="follow_up"),
    path("settings/", views.settings_page, name="settings"),
]
