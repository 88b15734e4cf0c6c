"""Full-text search: accent-insensitive, Spanish and English stemming, all words must match,
requesters never match internal notes, and no query ever crashes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.tickets import actions, search, selectors
from atiende.tickets.models import Ticket
from atiende.tickets.selectors import TicketFilters

from ..factories import make_ticket


def found(actor, query):
    return set(selectors.tickets_filtered(actor, TicketFilters(q=query)))


@pytest.fixture
def printer(requester, desk_default_team):
    return make_ticket(requester, title="La impresión sale borrosa", description="La impresora")


@pytest.fixture
def password(requester, desk_default_team):
    return make_ticket(requester, title="Olvidé mi contraseña", description="No puedo entrar")


@pytest.fixture
def printers_en(requester, desk_default_team):
    return make_ticket(requester, title="The printer is offline", description="Nothing prints")


@pytest.mark.parametrize(
    ("query", "fixture"),
    [
        ("impresion", "printer"),
        ("IMPRESIÓN", "printer"),
        ("impresoras", "printer"),
        ("impresora", "printer"),
        ("contrasena", "password"),
        ("contraseña", "password"),
        ("CONTRASEÑAS", "password"),
        ("printers", "printers_en"),
        ("printer", "printers_en"),
        ("printing", "printers_en"),
        ("borrosa impresion", "printer"),
    ],
)
def test_accents_and_stemming(
    query, fixture, request, agent, requester, printer, password, printers_en
):
    expected = request.getfixturevalue(fixture)
    assert found(agent, query) == {expected}
    assert found(requester, query) == {expected}


def test_all_words_must_match(agent, printer, password):
    assert found(agent, "impresora contraseña") == set()
    assert found(agent, "impresora borrosa") == {printer}


def test_search_finds_the_number_and_replies(agent, requester, printer):
    assert found(agent, printer.number) == {printer}
    actions.comment_add(actor=agent, ticket_id=printer.pk, body="Cambiamos el cartucho")
    assert found(requester, "cartuchos") == {printer}


def test_requesters_never_match_internal_notes(agent, requester, printer):
    actions.comment_add(actor=agent, ticket_id=printer.pk, body="proveedor moroso", public=False)
    assert found(agent, "proveedor") == {printer}
    assert found(requester, "proveedor") == set()
    assert found(requester, "impresora proveedor") == set()


def test_search_respects_visibility(other_requester, printer):
    assert found(other_requester, "impresora") == set()


def test_renamed_title_is_searchable(agent, printer):
    actions.ticket_update(
        actor=agent, ticket_id=printer.pk, version=None, changes={"title": "Escáner atascado"}
    )
    assert found(agent, "escaner") == {printer}


def test_empty_or_symbol_only_query_does_not_filter(agent, printer, password):
    assert found(agent, "   ") == {printer, password}
    assert found(agent, "*** --- :: ()") == {printer, password}


@pytest.mark.parametrize(
    "query",
    [
        '"impresora',
        'impresora"',
        "impres*",
        "-impresora",
        "impresora:",
        "public_terms:impresora",
        "internal_terms : x",
        "(impresora",
        "impresora)",
        "impresora NEAR borrosa",
        "NEAR(impresora borrosa, 2)",
        "impresora AND OR NOT",
        "^impresora",
        "{public_terms}: x",
        "a & b | !c <-> d",
        "'; DROP TABLE tickets_ticket; --",
        "🖨️ impresora 日本語 ñ",
        "\x00impresora",
        "x" * 10_000,
        "impresora " * 2_000,
    ],
)
def test_special_characters_never_crash(agent, requester, printer, query):
    for actor in (agent, requester):
        list(selectors.tickets_filtered(actor, TicketFilters(q=query)))
    assert Ticket.objects.filter(pk=printer.pk).exists()


def test_operators_are_plain_words(agent, printer):
    assert found(agent, "impresora NEAR borrosa") == set()  # "near" is just another word
    assert found(agent, '"impresora" (borrosa)') == {printer}


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.text(max_size=300))
def test_any_text_query_is_safe(query):
    """Hypothesis over arbitrary unicode: search_tickets never raises, on either database."""
    for include_internal in (False, True):
        list(
            search.search_tickets(Ticket.objects.all(), query, include_internal=include_internal)[0]
        )


@given(text=st.text(max_size=200))
def test_terms_are_plain_ascii_words(text):
    for term in search.terms(text).split():
        assert search.WORD.fullmatch(term)


def test_query_words_are_capped(agent, printer):
    many = " ".join(["impresora"] + [f"w{n}" for n in range(50)])
    assert len(search.query_groups(many)) == search.MAX_QUERY_WORDS
