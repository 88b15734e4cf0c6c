"""Atiende: an open-source ITIL service desk."""

import importlib.util
import zoneinfo


def _use_packaged_tzdata() -> None:
    """Time-zone rules from the `tzdata` package (a dependency, updated with each release of
    the IANA database) instead of the system's copy, which lags behind on long-lived servers:
    SLA deadlines in countries that change their DST rules (Chile, Mexico...) need the current
    rules. zoneinfo looks in TZPATH first and falls back to the package only when TZPATH has
    nothing, so TZPATH is emptied, once, when Atiende is first imported (every entry point:
    the command, WSGI/ASGI, Celery, tests), before any zone is loaded. Without the package
    (never in a proper install) the system's database is kept."""
    if importlib.util.find_spec("tzdata") is None:
        return
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()  # a zone read from the system before now is read again


_use_packaged_tzdata()

# The usual Django + Celery arrangement: the app is created when Django starts, so
# `shared_task` decorators bind to it. atiende.celery imports no Django models.
from .celery import app as celery_app  # noqa: E402 - after the time-zone rules are chosen

__all__ = ["celery_app"]
