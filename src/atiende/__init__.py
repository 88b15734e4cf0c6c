"""Atiende: an open-source ITIL service desk."""

# The usual Django + Celery arrangement: the app is created when Django starts, so
# `shared_task` decorators bind to it. atiende.celery imports no Django models.
from .celery import app as celery_app

__all__ = ["celery_app"]
