"""The interactive API documentation works in a browser with no Internet access: Swagger UI
comes from Atiende's own static files and lists the ticket operations."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_offline(new_page):
    page = new_page(width=1280, height=900)
    outside: list[str] = []

    def local_only(route) -> None:  # as on a machine without Internet access
        if route.request.url.startswith(("http://localhost", "http://127.0.0.1")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any(p.strip() == "/api/v1/tickets" for p in paths), paths[:10]
    assert outside == []
