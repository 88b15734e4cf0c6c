"""Deflection: the portal's new-ticket form suggests articles as the requester types (htmx);
"this solved it" ends there and is counted; a ticket sent anyway records what was shown."""

from __future__ import annotations

from datetime import timedelta

from atiende.core import clock
from atiende.knowledge import selectors
from atiende.knowledge.models import DeflectionEvent, TicketSuggestion
from atiende.tickets.models import Ticket

from .conftest import WORD


def test_the_form_carries_the_suggestions_widget(requester, client):
    client.force_login(requester)
    html = client.get("/portal/new/").content.decode()
    assert 'id="kb-suggestions"' in html and 'hx-get="/kb/suggest/"' in html
    assert "delay:500ms" in html


def test_solved_counts_and_sends_no_ticket(kb, requester, client):
    client.force_login(requester)
    suggestions = client.get(
        "/kb/suggest/", {"title": f"{WORD} atascada", "description": "", "kb_shown": ["x"]}
    )
    assert b"This solved it" in suggestions.content
    response = client.post(
        f"/kb/{kb['public'].pk}/solved/",
        {"title": f"{WORD} atascada", "description": "No imprime", "kind": "incident"},
    )
    assert response.status_code == 302
    assert not Ticket.objects.exists()
    assert DeflectionEvent.objects.get().article == kb["public"]
    now = clock.now()
    figure = selectors.deflection_rate(now - timedelta(days=1), now + timedelta(days=1))
    assert (figure.solved, figure.sent_anyway, figure.rate) == (1, 0, 1.0)


def test_solved_on_an_internal_article_is_refused(kb, requester, client):
    client.force_login(requester)
    assert client.post(f"/kb/{kb['internal'].pk}/solved/").status_code == 404
    assert not DeflectionEvent.objects.exists()


def test_a_ticket_sent_anyway_records_what_was_shown(kb, requester, client):
    client.force_login(requester)
    shown = client.get("/kb/suggest/", {"title": f"{WORD} atascada"}).content.decode()
    assert f'name="kb_shown" value="{kb["public"].pk}"' in shown
    response = client.post(
        "/portal/new/",
        {
            "kind": "incident",
            "title": f"La {WORD} sigue atascada",
            "description": "Ya reinicié la cola.",
            "impact": "3",
            "urgency": "3",
            # what the form carried back, plus an internal article's id slipped in
            "kb_shown": [str(kb["public"].pk), str(kb["internal"].pk)],
        },
    )
    assert response.status_code == 302, response.content
    ticket = Ticket.objects.get()
    recorded = set(
        TicketSuggestion.objects.filter(ticket=ticket).values_list("article_id", flat=True)
    )
    assert recorded == {kb["public"].pk}
    assert [a.pk for a in selectors.suggestions_of_tickets(requester, [ticket.pk])[ticket.pk]] == [
        kb["public"].pk
    ]
    now = clock.now()
    figure = selectors.deflection_rate(now - timedelta(days=1), now + timedelta(days=1))
    assert (figure.solved, figure.sent_anyway, figure.rate) == (0, 1, 0.0)


def test_no_figure_without_data(db):
    now = clock.now()
    assert selectors.deflection_rate(now - timedelta(days=1), now).rate is None
