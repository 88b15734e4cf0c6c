"""The catalogue's demo data loads through the actions: "New laptop" with its condition, the
access items tied to the CMDB's services, and one request answered in Spanish."""

from __future__ import annotations

import pytest

from atiende import demo
from atiende.catalogue import forms_engine
from atiende.catalogue.models import CatalogueItem, RequestAnswers
from atiende.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_demo_catalogue(monkeypatch):
    monkeypatch.setattr("atiende.changes.demo.load", lambda users: None)
    demo.load(tickets_per_template=1)
    laptop = CatalogueItem.objects.get(name="New laptop")
    fields = list(laptop.fields.all())
    distro = next(f for f in fields if f.key == "distro")
    assert distro.condition_field.key == "os" and distro.condition_values == ["linux"]
    assert CatalogueItem.objects.get(name="VPN access").service.name == "Remote access (VPN)"
    answers = RequestAnswers.objects.get(item=laptop)
    assert answers.ticket.number.startswith("REQ-")
    assert "¿Qué distribución de Linux?: Debian 13" in answers.summary
    assert answers.ticket.category.name == "Laptops"
    # It waits for the requester's manager's approval; its three tasks wait for it.
    assert (answers.ticket.status, answers.ticket.pending_reason) == ("pending", "approval")
    assert answers.ticket.approvals.get().status == "pending"
    assert list(answers.ticket.fulfilment_tasks.values_list("status", flat=True)) == ["waiting"] * 3
    requester = answers.ticket.requester
    with pytest.raises(ValidationFailed):
        forms_engine.clean(
            fields, {"os": "mac", "distro": "Debian", "travels": "no", "reason": "x"},
            actor=requester,
        )  # fmt: skip
