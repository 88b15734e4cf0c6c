"""The account pages (reset, change password, the account page), the error pages and an
image preview, in the light and the dark theme: no serious axe-core problem (contrast
included), no CSP violation; screenshots go to $ATIENDE_SCREENSHOTS when set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ..factories import RequesterFactory, make_ticket
from .conftest import sign_in
from .test_accessibility import _problems, axe_source  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f2a7"
    "b10000000049454e44ae426082"
)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_account_and_error_pages_in_both_themes(new_page, axe_source, scheme, desk_default_team):  # noqa: F811
    person = RequesterFactory(username="luz", email="luz@example.org", language="es")
    person.set_password("a-Long-pass-77")
    person.save()
    ticket = make_ticket(person, attachments=[SimpleUploadedFile("pantalla.png", PNG_1PX)])
    page = new_page(locale="es-ES", bypass_csp=True)
    page.emulate_media(color_scheme=scheme)
    shots = os.environ.get("ATIENDE_SCREENSHOTS")
    problems: dict[str, list[str]] = {}

    def visit(url: str, name: str) -> None:
        page.goto(url)
        problems[url] = _problems(page, axe_source)
        if shots:
            page.screenshot(path=str(Path(shots) / f"{scheme}-{name}.png"), full_page=True)

    visit("/login/", "login")
    visit("/account/password/reset/", "reset")
    sign_in(page, "luz", "a-Long-pass-77")
    visit("/account/", "account")
    visit("/account/password/", "change-password")
    visit(f"/portal/tickets/{ticket.number}/", "ticket-with-image")
    assert page.locator("img[src*='/preview/']").evaluate("img => img.naturalWidth") == 1
    visit("/portal/tickets/INC-999999/", "not-found")
    assert {url: found for url, found in problems.items() if found} == {}
