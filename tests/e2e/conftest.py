"""Headless Chromium (Debian's package) driven by Playwright against the live test server."""

from __future__ import annotations

import os

import pytest

from ..servers import program

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    chromium = program("chromium", package="chromium", needed_by="The browser tests")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def open_page(
        *, width: int = 1280, height: int = 900, locale: str = "en-GB", bypass_csp: bool = False
    ):
        # bypass_csp: only for tests that inject their own tooling (axe-core) into the page.
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            base_url=live_server.url,
            bypass_csp=bypass_csp,
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
