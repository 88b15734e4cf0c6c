"""The Celery application.

Configuration comes from Django settings with the ``CELERY_`` prefix (see the "Background
work" block of settings.py); tasks are found in each installed app's ``tasks.py``. Workers
and the scheduler load this app with ``celery -A atiende.celery:app`` (``atiende worker`` and
``atiende scheduler`` do that for you).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

app = Celery("atiende")
# Lazy: settings are read on first use, so importing this module never configures Django.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
