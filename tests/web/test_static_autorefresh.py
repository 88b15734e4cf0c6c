"""`atiende run` (development) serves edited static files without a restart (WhiteNoise's
autorefresh); `atiende serve` (production) never does."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest

from atiende import cli


@pytest.fixture
def no_server(monkeypatch):
    """The commands up to the point where they would start gunicorn."""
    monkeypatch.delenv("ATIENDE_STATIC_AUTOREFRESH", raising=False)
    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_migrate", lambda: None)
    monkeypatch.setattr(cli, "_gunicorn", lambda *a, **k: 0)


def test_run_turns_autorefresh_on(no_server, capsys):
    cli.cmd_run(argparse.Namespace(demo=False, host="127.0.0.1", port=8000))
    assert os.environ["ATIENDE_STATIC_AUTOREFRESH"] == "true"


def test_serve_always_turns_it_off(no_server, monkeypatch):
    monkeypatch.setenv("ATIENDE_STATIC_AUTOREFRESH", "true")
    cli.cmd_serve(argparse.Namespace(workers=1, threads=1, host="127.0.0.1", port=8000))
    assert os.environ["ATIENDE_STATIC_AUTOREFRESH"] == "false"


@pytest.mark.parametrize(("value", "expected"), [("true", "True 0"), ("false", "False None")])
def test_settings_follow_the_variable(tmp_path, value, expected):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.WHITENOISE_AUTOREFRESH, getattr(settings, 'WHITENOISE_MAX_AGE', None))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "atiende.settings",
        "ATIENDE_DATA_DIR": str(tmp_path),
        "ATIENDE_STATIC_AUTOREFRESH": value,
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == expected
