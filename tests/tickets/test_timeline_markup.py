"""The timeline's entries are written in Python (tickets/timeline_html.py). They must be the
markup the per-event template wrote (kept in reference/timeline_template.html): the same
text, links, classes and escaping, for agents and requesters, on the desk and the portal;
and what a person typed never becomes markup."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone, translation

from atiende.tickets import actions, selectors, timeline
from atiende.tickets.models import Attachment, EventType, Kind

from ..factories import make_ticket

REFERENCE = (Path(__file__).parent / "reference" / "timeline_template.html").read_text()
EVIL = '<script>alert("x")</script> & <b>bold</b> "quoted" \'single\''


def _normalise(html: str) -> str:
    """Whitespace between and inside tags' text collapses the same in a browser."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r">\s+<", "><", html).strip()


def _render(source: str, viewer, ticket, events, **extra) -> str:
    request = RequestFactory().get("/")
    request.user = viewer
    template = engines["django"].from_string(source)
    context = {"ticket": ticket, "events": events, "csrf_token": "TOKEN", **extra}
    return template.render(context, request)


def _current(viewer, ticket, events, **extra) -> str:
    source = '{% include "tickets/_timeline.html" %}'
    return _render(source, viewer, ticket, events, **extra)


def _file(ticket, event, agent, name, content_type, *, public=True, n=[0]):
    n[0] += 1
    return Attachment.objects.create(
        ticket=ticket, event=event, public=public, storage_key=f"key-{n[0]}", file="x",
        filename=name, content_type=content_type, size=123456, uploaded_by=agent,
        created_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def rich(requester, agent, desk_default_team):
    """A ticket whose timeline has every kind of entry, with hostile text everywhere."""
    agent.first_name, agent.last_name = "Ana <i>", "Ruiz & Co"
    agent.save()
    ticket = make_ticket(requester, title=EVIL, description=f"Help **now** {EVIL}")
    now = timezone.now()
    at = iter(now + timedelta(seconds=i) for i in range(1, 100))
    reply = timeline.record(
        ticket, actor=agent, type=EventType.COMMENT, at=next(at), body=f"Hi {EVIL}"
    )
    _file(ticket, reply, agent, f"shot{EVIL}.png", "image/png")
    _file(ticket, reply, agent, "log.txt", "text/plain")
    note = timeline.record(
        ticket, actor=agent, type=EventType.NOTE, at=next(at), public=False, body=f"Inner {EVIL}"
    )
    _file(ticket, note, agent, "secret.pdf", "application/pdf", public=False)
    attached = timeline.record(ticket, actor=agent, type="attachment", at=next(at))
    _file(ticket, attached, agent, f"a{EVIL}.jpg", "image/jpeg")
    hidden = timeline.record(ticket, actor=agent, type="attachment", at=next(at), public=False)
    _file(ticket, hidden, agent, "hidden.txt", "text/plain", public=False)
    timeline.record(ticket, actor=agent, type=EventType.FIELD, at=next(at), field="title",
                    old=EVIL, new="Plain", body=f"because {EVIL}")  # fmt: skip
    timeline.record(ticket, actor=agent, type=EventType.FIELD, at=next(at), field="status",
                    old="new", new="in_progress", public=False)  # fmt: skip
    timeline.record(ticket, actor=None, type=EventType.FIELD, at=next(at), field="priority",
                    old="3", new="1")  # fmt: skip
    timeline.record(ticket, actor=agent, type="link", at=next(at), public=False,
                    field="link", new="caused_by INC-000009")  # fmt: skip
    timeline.record(ticket, actor=agent, type="link", at=next(at), public=False,
                    field="link_inverse", old=f"duplicates {EVIL}")  # fmt: skip
    timeline.record(ticket, actor=agent, type=EventType.COMMENT, at=next(at),
                    field="merged_from", new=f"INC-{EVIL}", body="merged body")  # fmt: skip
    timeline.record(ticket, actor=None, type="sla", at=next(at), public=False,
                    field="resolution", new="breach")  # fmt: skip
    timeline.record(ticket, actor=requester, type=EventType.COMMENT, at=next(at), body="")
    return ticket


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("who", ["agent", "requester"])
@pytest.mark.parametrize("split_allowed", [True, False])
def test_the_entries_are_the_templates_markup(rich, agent, requester, who, split_allowed, language):
    viewer = agent if who == "agent" else requester
    events = list(selectors.timeline_for(viewer, rich))
    with translation.override(language):
        before = _render(REFERENCE, viewer, rich, events, split_allowed=split_allowed)
        after = _current(viewer, rich, events, split_allowed=split_allowed)
    assert _normalise(after) == _normalise(before)
    assert after.count('id="event-') == len(events) >= (14 if who == "agent" else 7)
    # Both sides read the catalogue: the verbs must be in it (they once fell out of it).
    assert ("abrió el ticket" if language == "es" else "opened the ticket") in after
    assert ("respondió" if language == "es" else "replied") in after


def test_what_people_typed_is_escaped(rich, agent):
    html = _current(agent, rich, list(selectors.timeline_for(agent, rich)), split_allowed=True)
    assert "<script>" not in html and "<i>" not in html  # bodies: the sanitiser's subset
    assert "<del>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # field values, names
    assert "Ana &lt;i&gt; Ruiz &amp; Co" in html
    assert 'alt="Preview of shot&lt;script&gt;' in html  # a file name inside an attribute
    assert 'value="TOKEN"' in html  # the split forms carry the CSRF token


def test_internal_entries_are_marked_and_never_reach_a_requester(rich, agent, requester):
    desk = _current(agent, rich, list(selectors.timeline_for(agent, rich)))
    assert desk.count('class="entry note"') == 1 and "Inner" in desk and "secret.pdf" in desk
    assert "hidden.txt" in desk and "Service level" in desk
    portal = _current(requester, rich, list(selectors.timeline_for(requester, rich)))
    for internal in ("Inner", "secret.pdf", "hidden.txt", "Service level", "in_progress",
                     "Internal note", "caused_by", "INC-000009", "tag-internal", "entry note"):  # fmt: skip
        assert internal not in portal


def test_the_desk_and_portal_pages_show_the_timeline(rich, agent, requester, client):
    client.force_login(agent)
    desk = client.get(f"/desk/tickets/{rich.number}/").content.decode()
    assert 'class="entry note"' in desk and "Split into a new ticket" in desk
    assert "&lt;script&gt;alert" in desk and '<script>alert("x")' not in desk
    client.force_login(requester)
    portal = client.get(f"/portal/tickets/{rich.number}/").content.decode()
    assert 'id="event-' in portal and "merged body" in portal
    assert "Inner" not in portal and "Split into a new ticket" not in portal
    assert '<script>alert("x")' not in portal


def test_another_kind_renders_the_same(agent, requester, desk_default_team):
    """A ticket of another kind (the change page shares the template)."""
    ticket = make_ticket(requester, actor=agent, kind=Kind.PROBLEM, title="P")
    actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=1, changes={"title": "Q"})
    events = list(selectors.timeline_for(agent, ticket))
    assert _normalise(_current(agent, ticket, events)) == _normalise(
        _render(REFERENCE, agent, ticket, events)
    )
