from django.urls import path

from .views import desk, followers, live, participants, saved

app_name = "desk"
urlpatterns = [
    path("", desk.queue, name="queue"),
    path("new/", desk.new_ticket, name="new"),
    path("live/", live.queue_live, name="queue_live"),
    path("views/", saved.view_save, name="view_save"),
    path("views/<int:view_id>/rename/", saved.view_rename, name="view_rename"),
    path("views/<int:view_id>/move/", saved.view_move, name="view_move"),
    path("views/<int:view_id>/delete/", saved.view_delete, name="view_delete"),
    path("tickets/<str:number>/live/", live.ticket_live, name="ticket_live"),
    path("tickets/<str:number>/", desk.ticket_detail, name="ticket"),
    path("tickets/<str:number>/update/", desk.ticket_update, name="ticket_update"),
    path("tickets/<str:number>/priority/", desk.ticket_priority, name="ticket_priority"),
    path("tickets/<str:number>/assign-to-me/", desk.ticket_assign_me, name="ticket_assign_me"),
    path("tickets/<str:number>/transition/", desk.ticket_transition, name="ticket_transition"),
    path("tickets/<str:number>/reply/", desk.ticket_reply, name="ticket_reply"),
    path("tickets/<str:number>/follow/", followers.ticket_follow, name="ticket_follow"),
    path("tickets/<str:number>/unfollow/", followers.ticket_unfollow, name="ticket_unfollow"),
    path("tickets/<str:number>/participants/", participants.desk_add, name="participant_add"),
    path(
        "tickets/<str:number>/participants/<int:participant_id>/remove/",
        participants.desk_remove,
        name="participant_remove",
    ),
    path("tickets/<str:number>/links/", desk.ticket_link_add, name="ticket_link_add"),
    path("tickets/<str:number>/merge/", desk.ticket_merge, name="ticket_merge"),
    path("tickets/<str:number>/split/<int:event_id>/", desk.ticket_split, name="ticket_split"),
    path(
        "tickets/<str:number>/links/<int:link_id>/remove/",
        desk.ticket_link_remove,
        name="ticket_link_remove",
    ),
]
