"""The demo estate loads through the actions and links the demo incidents to services."""

from __future__ import annotations

import pytest

from atiende import demo
from atiende.cmdb import selectors
from atiende.cmdb.models import ConfigurationItem, Relation, TicketItem

pytestmark = pytest.mark.django_db


def test_demo_estate(monkeypatch):
    # Only the domains the CMDB builds on (the changes demo has its own tests).
    monkeypatch.setattr("atiende.changes.demo.load", lambda users: None)
    demo.load(tickets_per_template=1)
    assert ConfigurationItem.objects.filter(ci_class="business_service").count() == 5
    assert Relation.objects.count() > 30
    assert TicketItem.objects.filter(ticket__title__startswith="ERP very slow").exists()
    san = ConfigurationItem.objects.get(name="san-01")
    services = {s.name for s in selectors.impacted_services([san.pk])}
    assert services == {
        "ERP", "E-mail", "Remote access (VPN)", "Office Wi-Fi", "File shares",
        "Directory and sign-in",
    }  # fmt: skip
