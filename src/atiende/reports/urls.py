from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_page, name="page"),
    path("tickets/", views.drill, name="drill"),
    path("report.csv", views.report_csv, name="csv"),
    path("facts.csv", views.facts_csv, name="facts_csv"),
]
