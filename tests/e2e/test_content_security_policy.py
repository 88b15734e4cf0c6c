"""Under the strict Content-Security-Policy, the main pages run in Chromium without a single
violation, and the behaviour that used to be inline (language switch, copy and confirm on the
token list, htmx) still works from the static files."""

from __future__ import annotations

import pytest

from atiende.accounts.models import ApiToken

from ..factories import PASSWORD, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects violations as the page reports them (init scripts are not subject to the policy).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watched(new_page):
    page = new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(LISTEN)
    return page, console


def _visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__csp")


def test_main_pages_have_no_csp_violations(new_page, requester, agent, admin_user, team):
    ticket = make_ticket(requester, title="Printer jammed")
    ticket.team = team
    ticket.save(update_fields=["team"])
    pages = {
        requester: ["/portal/", "/portal/new/", f"/portal/tickets/{ticket.number}/", "/account/"],
        agent: [
            "/desk/",
            "/desk/new/",
            f"/desk/tickets/{ticket.number}/",
            "/changes/",
            "/changes/calendar/",
            "/changes/cab/",
            "/cmdb/",
            "/notifications/",
        ],
        admin_user: ["/admin/", "/admin/accounts/team/add/", "/api/v1/docs"],
    }
    login, console = _watched(new_page)
    assert _visit(login, "/login/") == []
    for user, urls in pages.items():
        page, console = _watched(new_page)
        sign_in(page, user.username, PASSWORD)
        for url in urls:
            assert _visit(page, url) == [], url
        assert console == [], console


def test_language_switch_works_without_inline_handlers(new_page):
    page, console = _watched(new_page)
    page.goto("/login/")
    with page.expect_navigation():
        page.select_option("#language", "es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert console == [] and page.evaluate("window.__csp") == []


def test_token_copy_and_revoke_confirmation_work(new_page, requester, settings):
    settings.REQUESTER_API_TOKENS = True  # the token card, for a requester
    page, console = _watched(new_page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, requester.username, PASSWORD)
    page.goto("/account/")
    page.fill("#id_name", "Monitor")
    page.click("text=Create a token")
    page.wait_for_load_state()
    page.click("button[data-copy]")
    page.wait_for_function("document.querySelector('button[data-copy]').textContent === 'Copied'")
    # Dismissing the confirmation keeps the token; accepting it revokes it.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("text=Revoke")
    assert ApiToken.objects.get(name="Monitor").revoked_at is None
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("text=Revoke")
    assert ApiToken.objects.get(name="Monitor").revoked_at is not None
    assert console == [] and page.evaluate("window.__csp") == []


def test_the_watch_does_see_a_violation(new_page):
    """The checks above would pass vacuously if violations went unnoticed: an inline script
    added to a page is blocked and reported, in the console and to the listener."""
    page, console = _watched(new_page)
    page.goto("/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.ran") is None
    assert any("script-src" in line for line in page.evaluate("window.__csp"))
    assert console
