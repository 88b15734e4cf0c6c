"""Behind a TLS-terminating proxy: the settings come from the environment, and are off by
default (settings are read once per process, so each case runs in a fresh interpreter)."""

from __future__ import annotations

from ..settings_probe import settings_in_fresh_process

VALUES = (
    "[getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.USE_X_FORWARDED_HOST, "
    "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.TRUSTED_PROXY_COUNT, "
    "s.AXES_FAILURE_LIMIT, s.LOGIN_USERNAME_FAILURE_LIMIT, s.LOGIN_ADDRESS_FAILURE_LIMIT]"
)


def _settings(tmp_path, **env: str) -> list:
    return settings_in_fresh_process(tmp_path, VALUES, **env)


def test_by_default_nothing_is_trusted_and_no_hsts(tmp_path):
    assert _settings(tmp_path) == [None, False, False, 0, False, False, False, 0, 5, 20, 50]


def test_behind_a_tls_proxy_with_secure_cookies(tmp_path):
    values = _settings(
        tmp_path,
        ATIENDE_BEHIND_TLS_PROXY="true",
        ATIENDE_SECURE_COOKIES="true",
        ATIENDE_SSL_REDIRECT="true",
        ATIENDE_HSTS_SECONDS="600",
        ATIENDE_HSTS_INCLUDE_SUBDOMAINS="true",
        ATIENDE_TRUSTED_PROXY_COUNT="2",
        ATIENDE_LOGIN_FAILURE_LIMIT="4",
        ATIENDE_LOGIN_USERNAME_FAILURE_LIMIT="10",
        ATIENDE_LOGIN_ADDRESS_FAILURE_LIMIT="100",
    )
    assert values == [
        ["HTTP_X_FORWARDED_PROTO", "https"], False, True, 600, True, False, True, 2, 4, 10, 100,
    ]  # fmt: skip


def test_secure_cookies_alone_turn_on_a_year_of_hsts(tmp_path):
    values = _settings(tmp_path, ATIENDE_SECURE_COOKIES="true")
    assert values[3] == 31536000 and values[0] is None


def test_forwarded_host_only_when_asked(tmp_path):
    assert _settings(tmp_path, ATIENDE_USE_X_FORWARDED_HOST="true")[1] is True
