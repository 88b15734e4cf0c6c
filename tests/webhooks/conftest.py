from __future__ import annotations

import pytest

from atiende.webhooks import delivery

from .receiver import Receiver


@pytest.fixture
def receiver(settings):
    # The test's own server on loopback, reachable only through the allow-list.
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    with Receiver() as server:
        yield server
    delivery.close_pools()
