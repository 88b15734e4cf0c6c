from django.urls import path

from . import passwords, views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("preferences/", views.preferences, name="preferences"),
    path("time-zone/", views.browser_time_zone, name="browser_time_zone"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("password/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        passwords.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/invitation/<uidb64>/<token>/",
        passwords.InvitationConfirmView.as_view(),
        name="invitation_confirm",
    ),
    path(
        "password/done/",
        passwords.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
