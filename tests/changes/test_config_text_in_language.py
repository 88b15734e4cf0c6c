"""Approval boards, policies and the risk questionnaire are configuration data stored in both
languages: a Spanish reader gets the Spanish names on the change page, "My approvals", the CAB
agenda, the timeline and the API; an English reader the English ones."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.changes import actions
from atiende.changes.models import ApprovalPolicy, Board

from ..api.conftest import ApiClient
from .factories import END, START, make_change, to_authorisation


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _spanish(user):
    user.language = "es"
    user.save()
    return user


def test_the_default_boards_and_policies_have_spanish_names(db):
    managers = Board.objects.get(name="Change managers")
    assert managers.label("es") == "Gestores de cambios"
    assert managers.label("en") == "Change managers"
    assert Board.objects.get(name="Change advisory board (CAB)").label("es") == (
        "Comité asesor de cambios (CAB)"
    )
    assert Board.objects.get(name="Emergency board (ECAB)").label("es") == (
        "Comité de emergencia (ECAB)"
    )
    policy = ApprovalPolicy.objects.get(name="High risk: two CAB members")
    assert policy.label("es") == "Riesgo alto: dos miembros del CAB"


def test_a_board_without_a_spanish_name_shows_its_name(db):
    board = Board.objects.create(name="Network architects")
    assert board.label("es") == "Network architects"


@pytest.fixture
def asked(agent, change_manager, cab_members):
    """A high-risk change awaiting the change managers and the CAB; one CAB member approved."""
    ticket = make_change(agent, planned_start=START, planned_end=END)
    to_authorisation(agent, ticket, "high")
    approval = ticket.change.approvals.filter(approver=cab_members[0]).get()
    actions.approval_decide(
        actor=cab_members[0], approval_id=approval.pk, decision="approve", comment="Fine by me"
    )
    return ticket


def test_change_page_in_spanish_names_boards_and_answers(agent, change_manager, asked):
    body = (
        _client(_spanish(change_manager))
        .get(reverse("changes:change", args=[asked.number]))
        .content.decode()
    )
    # Requirements, "who was asked" and the decision form of a board member.
    assert "<strong>Gestores de cambios</strong>" in body
    assert "<strong>Comité asesor de cambios (CAB)</strong>" in body
    assert 'data-label="Comité">Comité asesor de cambios (CAB)</td>' in body
    assert "Su decisión (Gestores de cambios)" in body
    assert "Change managers" not in body and "Change advisory board" not in body
    # The timeline quotes the questionnaire and the board in Spanish too.
    assert "¿A cuántas personas afectaría si el cambio saliera mal? A toda la organización" in body
    assert "How many people would be affected" not in body
    assert "Comité asesor de cambios (CAB): Fine by me" in body


def test_change_page_in_english_keeps_the_english_names(agent, change_manager, asked):
    body = (
        _client(change_manager).get(reverse("changes:change", args=[asked.number])).content.decode()
    )
    assert "<strong>Change managers</strong>" in body
    assert "How many people would be affected if the change went wrong? The whole" in body
    assert "Change advisory board (CAB): Fine by me" in body
    assert "Gestores de cambios" not in body


def test_my_approvals_and_cab_agenda_in_spanish(agent, change_manager, asked):
    client = _client(_spanish(change_manager))
    approvals = client.get(reverse("changes:approvals")).content.decode()
    assert "Gestores de cambios" in approvals and "Change managers" not in approvals
    assert "Riesgo alto" in approvals  # the risk said as a phrase, not a bare "Alto"
    agenda = client.get(reverse("changes:cab")).content.decode()
    assert "(Comité asesor de cambios (CAB))" in agenda and "(Gestores de cambios)" in agenda
    assert "Change advisory board" not in agenda


def test_api_names_boards_and_policies_in_the_readers_language(agent, change_manager, asked):
    spanish = ApiClient(_spanish(change_manager))
    detail = spanish.get(f"/changes/{asked.pk}", HTTP_ACCEPT_LANGUAGE="es").json()
    boards = {r["board"] for r in detail["approvals"]}
    assert boards == {"Gestores de cambios", "Comité asesor de cambios (CAB)"}
    assert "Riesgo alto: dos miembros del CAB" in {r["policy"] for r in detail["approvals"]}
    questions = {r["question"] for r in detail["risk"]["reasons"]}
    assert "¿Se ha probado el cambio fuera de producción?" in questions
    mine = spanish.get("/approvals", HTTP_ACCEPT_LANGUAGE="es").json()["items"]
    assert [a["board"] for a in mine] == ["Gestores de cambios"]
    english = ApiClient(agent).get(f"/changes/{asked.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {r["board"] for r in english["approvals"]} == {
        "Change managers",
        "Change advisory board (CAB)",
    }
