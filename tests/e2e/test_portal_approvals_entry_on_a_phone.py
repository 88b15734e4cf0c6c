"""A requester's manager on a phone, in Spanish, finds the approvals waiting for them from
the portal's bar ("Mis aprobaciones", with how many), and the bar still fits 390 px."""

from __future__ import annotations

import os

import pytest

from atiende.catalogue import actions
from atiende.catalogue.models import ApproverSource

from ..catalogue.conftest import laptop  # noqa: F401  (the "New laptop" item and its form)
from ..factories import PASSWORD, RequesterFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844, "locale": "es-ES"}


def test_a_manager_finds_their_approvals_on_a_phone(new_page, laptop, manager, requester):  # noqa: F811
    boss = RequesterFactory(organization=requester.organization, language="es")
    requester.manager = boss
    requester.save(update_fields=["manager"])
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers={"os": "mac"})

    page = new_page(**PHONE)
    sign_in(page, boss.username, PASSWORD)
    page.goto("/portal/")
    entry = page.get_by_role("link", name="Mis aprobaciones")
    assert entry.is_visible()
    assert entry.inner_text().split()[-1] == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("ATIENDE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["ATIENDE_SCREENSHOTS"], "portal-es-390.png"))
    entry.click()
    page.wait_for_load_state()
    assert page.url.endswith("/portal/catalogue/approvals/")
    assert ticket.number in page.locator(".approval-item").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("ATIENDE_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["ATIENDE_SCREENSHOTS"], "approvals-es-390.png"),
            full_page=True,
        )
