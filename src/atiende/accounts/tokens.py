"""Single-use links for setting a password.

Django's PasswordResetTokenGenerator signs the user's password hash and last sign-in: once the
password is set (or the person signs in) the link stops working, and it expires after
PASSWORD_RESET_TIMEOUT. Invitations use their own salt (a reset link is not an invitation
link) and their own, longer timeout (INVITATION_TIMEOUT), since people read them days later."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "atiende.accounts.tokens.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:  # type: ignore[no-untyped-def]
        # The parent compares the age with PASSWORD_RESET_TIMEOUT, which is not ours.
        if not (user and token) or token.count("-") != 1:
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > settings.INVITATION_TIMEOUT:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


reset_tokens = default_token_generator
invitation_tokens = InvitationTokenGenerator()
