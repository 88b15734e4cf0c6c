"""Requesting a laptop on a phone, in Spanish: the catalogue, a form whose "Which Linux?"
appears only for Linux (the browser's script), and a hidden answer that is not sent (the
server would refuse it). The request's answers then show on its page."""

from __future__ import annotations

import pytest

from atiende.catalogue.models import RequestAnswers

from ..catalogue.conftest import laptop  # noqa: F401  (the "New laptop" item and its form)
from ..factories import PASSWORD
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_a_laptop_on_a_phone_in_spanish(new_page, laptop, requester):  # noqa: F811
    requester.language = "es"
    requester.save()
    page = new_page(width=390, height=844, locale="es-ES")
    sign_in(page, requester.username, PASSWORD)
    page.goto("/portal/")
    page.click("a.entry-point[href='/portal/catalogue/']")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Solicitar un servicio"
    page.click("text=Portátil nuevo")
    page.wait_for_load_state()
    distro = page.locator("[data-field='f_distro']")
    assert distro.is_hidden()
    page.select_option("#id_f_os", "linux")
    assert distro.is_visible()
    page.fill("#id_f_distro", "Debian")
    # Changing the answer hides the question again; what was typed there is not sent.
    page.select_option("#id_f_os", "mac")
    assert distro.is_hidden()
    page.check("input[name='f_travels'][value='yes']")
    page.check("input[name='f_software'][value='vpn']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("form.catalogue-form button[type=submit]")
    page.wait_for_load_state()
    assert "/portal/tickets/REQ-" in page.url, page.content()
    card = page.locator("#request-answers")
    assert "Detalles de la solicitud" in card.inner_text()
    assert "Sistema operativo" in card.inner_text() and "macOS" in card.inner_text()
    answers = RequestAnswers.objects.get()
    assert answers.values == {"os": "mac", "travels": True, "software": ["vpn"]}


def test_required_conditional_answer_missing_is_shown_on_the_field(new_page, laptop, requester):  # noqa: F811
    page = new_page(width=390, height=844)
    sign_in(page, requester.username, PASSWORD)
    page.goto(f"/portal/catalogue/items/{laptop.pk}/")
    page.select_option("#id_f_os", "linux")
    page.click("form.catalogue-form button[type=submit]")
    page.wait_for_load_state()
    distro = page.locator("[data-field='f_distro']")
    assert distro.is_visible()  # shown again after the refused answer, with its message
    assert "This field is required." in distro.inner_text()
    assert RequestAnswers.objects.count() == 0
