from django.urls import path

from . import views_calendar

app_name = "changes"
urlpatterns: list = []

# Change calendar, its iCalendar feed and the CAB agenda (helper "calendar"). Listed first so
# that a catch-all change route such as "<str:number>/" never shadows them.
urlpatterns = [
    path("calendar/", views_calendar.calendar_page, name="calendar"),
    path("calendar.ics", views_calendar.calendar_feed, name="calendar_ics"),
    path("calendar/subscribe/", views_calendar.calendar_subscribe, name="calendar_subscribe"),
    path(
        "calendar/subscribe/new/",
        views_calendar.calendar_subscribe_create,
        name="calendar_subscribe_create",
    ),
    path(
        "calendar/subscribe/revoke/",
        views_calendar.calendar_subscribe_revoke,
        name="calendar_subscribe_revoke",
    ),
    path("cab/", views_calendar.cab_agenda, name="cab"),
    *urlpatterns,
]
