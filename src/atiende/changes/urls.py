from django.urls import path

from .calendar import views as calendar_views
from .views import approvals, lifecycle

app_name = "changes"
# The change pages (helper "changes"); the number route comes last.
urlpatterns: list = [
    path("", lifecycle.change_list, name="list"),
    path("new/", lifecycle.change_new, name="new"),
    path("approvals/", approvals.my_approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", approvals.approval_decide, name="approval_decide"),
    path("approvals/<int:pk>/delegate/", approvals.approval_delegate, name="approval_delegate"),
    path("<str:number>/", lifecycle.change_detail, name="change"),
    path("<str:number>/edit/", lifecycle.change_edit, name="edit"),
    path("<str:number>/transition/", lifecycle.change_transition, name="transition"),
    path("<str:number>/risk/", lifecycle.change_risk, name="risk"),
    path("<str:number>/review/", lifecycle.change_review, name="review"),
    path("<str:number>/links/", lifecycle.change_link_add, name="link_add"),
    path(
        "<str:number>/links/<int:link_id>/remove/",
        lifecycle.change_link_remove,
        name="link_remove",
    ),
    path("<str:number>/items/", lifecycle.change_item_add, name="item_add"),
    path(
        "<str:number>/items/<int:item_id>/remove/",
        lifecycle.change_item_remove,
        name="item_remove",
    ),
]

# Change calendar, its iCalendar feed and the CAB agenda (helper "calendar"). Listed first so
# that a catch-all change route such as "<str:number>/" never shadows them.
urlpatterns = [
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar.ics", calendar_views.calendar_feed, name="calendar_ics"),
    path("calendar/subscribe/", calendar_views.calendar_subscribe, name="calendar_subscribe"),
    path(
        "calendar/subscribe/new/",
        calendar_views.calendar_subscribe_create,
        name="calendar_subscribe_create",
    ),
    path(
        "calendar/subscribe/revoke/",
        calendar_views.calendar_subscribe_revoke,
        name="calendar_subscribe_revoke",
    ),
    path("cab/", calendar_views.cab_agenda, name="cab"),
    *urlpatterns,
]
