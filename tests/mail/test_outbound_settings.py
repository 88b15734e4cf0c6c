"""ATIENDE_SMTP_* select Django's SMTP backend; without them outgoing mail waits (settings are
read once per process, so each case runs in a fresh interpreter)."""

from __future__ import annotations

import pytest

from ..settings_probe import settings_in_fresh_process

VALUES = (
    "[s.EMAIL_BACKEND, getattr(s, 'EMAIL_HOST', None), "
    "getattr(s, 'EMAIL_PORT', None), getattr(s, 'EMAIL_HOST_USER', None), "
    "getattr(s, 'EMAIL_USE_TLS', None), getattr(s, 'EMAIL_USE_SSL', None), "
    "s.EMAIL_TIMEOUT, s.OUTBOX_DELIVERY, s.MAIL_DOMAIN]"
)


def _settings(tmp_path, **env: str) -> list:
    return settings_in_fresh_process(tmp_path, VALUES, **env)


def test_without_smtp_nothing_is_delivered(tmp_path):
    backend, *_rest, delivery, domain = _settings(tmp_path)
    assert backend.endswith("console.EmailBackend") and delivery is False
    assert domain == "localhost"  # from atiende@localhost


@pytest.mark.parametrize(
    ("tls", "use_tls", "use_ssl"),
    [("starttls", True, False), ("ssl", False, True), ("none", False, False)],
)
def test_smtp_settings_come_from_the_environment(tmp_path, tls, use_tls, use_ssl):
    values = _settings(
        tmp_path,
        ATIENDE_SMTP_HOST="smtp.example.com",
        ATIENDE_SMTP_PORT="2525",
        ATIENDE_SMTP_USER="desk",
        ATIENDE_SMTP_PASSWORD="secret",
        ATIENDE_SMTP_TLS=tls,
        ATIENDE_SMTP_TIMEOUT="12",
        ATIENDE_DEFAULT_FROM_EMAIL="soporte@example.com",
    )
    assert values == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.example.com", 2525, "desk",
        use_tls, use_ssl, 12, True, "example.com",
    ]  # fmt: skip
