"""The tickets' API tests speak to /api/v1 with the API kernel's test client; `ticket`
comes from tests/tickets/conftest.py."""

from __future__ import annotations

from ...api.conftest import api_as  # noqa: F401  (fixture: an ApiClient per user)
