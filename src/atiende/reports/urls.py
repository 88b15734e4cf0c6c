from django.urls import path

from . import views
from .dashboards import views as dashboards

app_name = "reports"
urlpatterns = [
    path("", views.report_page, name="page"),
    path("tickets/", views.drill, name="drill"),
    path("saved/", views.save, name="save"),
    path("saved/<int:report_id>/delete/", views.delete_saved, name="delete_saved"),
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("report.xlsx", views.report_xlsx, name="xlsx"),
    path("facts.xlsx", views.facts_xlsx, name="facts_xlsx"),
    path("report.csv", views.report_csv, name="csv"),
    path("facts.csv", views.facts_csv, name="facts_csv"),
]
