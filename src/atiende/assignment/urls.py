from django.urls import path

from . import views

app_name = "assignment"
urlpatterns = [
    path("", views.team_list, name="teams"),
    path("teams/<int:team_id>/", views.team_settings, name="team"),
    path("agents/<int:user_id>/", views.agent_settings, name="agent"),
    path("availability/", views.availability, name="availability"),
]
