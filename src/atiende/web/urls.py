from django.contrib.auth import views as auth_views
from django.urls import include, path

from atiende.reports.dashboards import views as dashboards
from atiende.tickets.views import attachments

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/home/", dashboards.home, name="agent_home"),
    path("desk/canned/", include("atiende.canned.urls")),
    path("desk/reports/", include("atiende.reports.urls")),
    path("desk/kb/", include("atiende.knowledge.urls_desk")),
    path("kb/", include("atiende.knowledge.urls")),
    path("desk/webhooks/", include("atiende.webhooks.urls")),
    path("desk/assignment/", include("atiende.assignment.urls")),
    path("desk/automation/", include("atiende.automation.urls")),
    path("desk/", include("atiende.tickets.urls_desk")),
    path("portal/catalogue/", include("atiende.catalogue.urls")),
    path("portal/", include("atiende.tickets.urls_portal")),
    path("account/", include("atiende.accounts.urls")),
    path("notifications/", include("atiende.notifications.urls")),
    path("mail/", include("atiende.mail.urls")),
    path("cmdb/", include("atiende.cmdb.urls")),
    path("changes/", include("atiende.changes.urls")),
    path("surveys/", include("atiende.surveys.urls")),
    path("improvement/", include("atiende.improvement.urls")),
    path("attachments/<int:attachment_id>/", attachments.download, name="attachment"),
    path(
        "attachments/<int:attachment_id>/preview/",
        attachments.preview,
        name="attachment_preview",
    ),
]
