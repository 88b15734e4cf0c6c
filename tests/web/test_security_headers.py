"""The Content-Security-Policy: strict on every page, and no page carries inline script (an
inline <script> or an on*= handler would be blocked by it, silently breaking the page)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from ..factories import make_ticket

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, on* handlers, javascript:
    URLs, style attributes and <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            self.scripts += 1
            kind = (names.get("type") or "").lower()
            if not names.get("src") and kind not in ("application/json", "application/ld+json"):
                self.problems.append(f"inline <script> {attrs}")
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")


def inline_code(html: str) -> tuple[list[str], int]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems, finder.scripts


@pytest.fixture
def ticket(requester):
    return make_ticket(requester, title="Printer jammed")


def _pages(ticket):
    number = ticket.number
    return {
        "agent": [
            reverse("desk:queue"),
            reverse("desk:new"),
            reverse("desk:ticket", args=[number]),
            reverse("changes:list"),
            reverse("changes:new"),
            reverse("changes:calendar"),
            reverse("changes:calendar_subscribe"),
            reverse("changes:cab"),
            reverse("cmdb:list"),
            reverse("notifications:list"),
            reverse("accounts:profile"),
        ],
        "requester": [
            reverse("portal:home"),
            reverse("portal:new"),
            reverse("portal:ticket", args=[number]),
            reverse("accounts:profile"),
        ],
        "admin": [reverse("admin:index"), reverse("mail:failed"), "/api/v1/docs"],
    }


def test_login_page_has_the_strict_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert directives(response) | STRICT == directives(response)  # every strict directive
    for name, value in STRICT.items():
        assert directives(response)[name] == value
    assert "unsafe" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("role", ["agent", "requester", "admin"])
def test_main_pages_are_strict_and_have_no_inline_code(
    client, role, agent, requester, admin_user, ticket, manager
):
    user = {"agent": agent, "requester": requester, "admin": admin_user}[role]
    if role == "agent":
        # The agent sees the requester's ticket: its team is the ticket's team.
        ticket.team = agent.teams.first()
        ticket.save(update_fields=["team"])
    client.force_login(user)
    for url in _pages(ticket)[role]:
        response = client.get(url)
        assert response.status_code == 200, url
        header = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header, url
        for name, value in STRICT.items():
            assert directives(response)[name] == value, (url, name)
        problems, scripts = inline_code(response.content.decode())
        assert problems == [], (url, problems)
        assert scripts >= 1, url  # the page's behaviour does come from static files


def test_htmx_is_configured_not_to_need_eval_or_inline_styles(client):
    html = client.get(reverse("login")).content.decode()
    assert '<meta name="htmx-config"' in html
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


def test_api_answers_carry_the_policy_too(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert directives(response)["default-src"] == "'self'"


def test_the_inline_finder_finds_what_the_policy_would_block():
    html = (
        '<script src="/s.js"></script><script>alert(1)</script>'
        '<a href="javascript:x()">x</a><button onclick="x()">b</button>'
        '<p style="color:red">p</p><style>p{}</style>'
        '<script type="application/json" id="c">{}</script>'
    )
    problems, scripts = inline_code(html)
    assert len(problems) == 5 and scripts == 3


def test_no_template_carries_inline_code():
    """Every page template, rendered or not in the tests above (e-mail templates aside: mail
    clients need style attributes and no browser applies the policy to a message)."""
    from pathlib import Path

    import atiende

    root = Path(atiende.__file__).parent
    found = {}
    for path in root.glob("*/templates/**/*.html"):
        if "mail/outbound" in path.as_posix():
            continue
        problems, _scripts = inline_code(path.read_text())
        if problems:
            found[str(path.relative_to(root))] = problems
    assert found == {}
