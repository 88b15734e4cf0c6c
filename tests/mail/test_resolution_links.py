"""The one-click links of the resolution e-mail: signed, bound to ticket, requester, action and
resolution; GET never changes anything (mail scanners prefetch links); the button POSTs with
CSRF through the tickets' actions; altered, expired and used links answer a clear 4xx."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from atiende.mail.outbound import links
from atiende.mail.outbound.delivery import deliver_due
from atiende.tickets import actions
from atiende.tickets.models import DeskSettings, Status, Ticket

from ..factories import RequesterFactory, make_ticket
from .smtp_server import smtp_server_fixture  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester(db):
    return RequesterFactory(email="ana@example.org", first_name="Ana", language="es")


@pytest.fixture
def resolved(requester, agent):
    ticket = make_ticket(requester, actor=agent, team_id=agent.teams.first().pk)
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="solved",
        resolution_notes="Cambiamos el tóner.",
    )  # fmt: skip
    return Ticket.objects.get(pk=ticket.pk)


def _url(ticket: Ticket, action: str) -> str:
    return f"/mail/resolution/{links.make_token(ticket, action)}/"


def _csrf_post(url: str, data: dict | None = None):
    """A fresh browser without a session: open the page (sets the CSRF cookie), press."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    return client.post(url, {"csrfmiddlewaretoken": token[1], **(data or {})})


def test_the_mailed_links_confirm_in_one_click_without_signing_in(smtp_server, resolved, settings):
    settings.SITE_URL = "https://desk.example.com"
    deliver_due()
    text = smtp_server.messages[-1].get_body(preferencelist=("plain",)).get_content()
    confirm, _reopen = re.findall(r"https://desk\.example\.com(/mail/resolution/[^\s]+/)", text)
    # Opening it (a person, or a mail scanner prefetching) changes nothing.
    for _ in range(3):
        page = Client().get(confirm)
        assert page.status_code == 200
    html = page.content.decode()
    assert resolved.number in html and resolved.title in html
    assert "cerrar el ticket" in html  # in the requester's language
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED
    done = _csrf_post(confirm)
    assert done.status_code == 200 and "Gracias por confirmar" in done.content.decode()
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert ticket.status == Status.CLOSED
    assert ticket.events.filter(field="status", new_value="closed", actor=ticket.requester).exists()
    # Used: the same link again answers 410 and a clear page.
    again = Client().get(confirm)
    assert again.status_code == 410 and "ya se ha usado" in again.content.decode()


def test_reopen_link_reopens_with_the_comment(resolved):
    response = _csrf_post(_url(resolved, "reopen"), {"comment": "Sigue sin imprimir."})
    assert response.status_code == 200
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert ticket.is_open and ticket.resolved_at is None
    assert ticket.events.filter(body="Sigue sin imprimir.", public=True).exists()
    # `resolved` still carries the old resolution: its confirm link is spent.
    assert Client().get(_url(resolved, "confirm")).status_code == 410


def test_post_without_csrf_is_refused(resolved):
    client = Client(enforce_csrf_checks=True)
    response = client.post(_url(resolved, "confirm"))
    assert response.status_code == 403
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-3] + ("aaa" if not t.endswith("aaa") else "bbb"),  # signature
        lambda t: t.replace(t.split(":")[0], t.split(":")[0][:-2] + "xy"),  # payload
        lambda t: "not-a-token",
    ],
)
def test_altered_links_answer_400_and_change_nothing(resolved, mangle):
    url = f"/mail/resolution/{mangle(links.make_token(resolved, 'confirm'))}/"
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED


def test_a_link_signed_for_another_purpose_or_person_is_refused(resolved, requester):
    other = RequesterFactory()
    data = {"t": resolved.pk, "u": other.pk, "a": "confirm", "r": 1}
    forged = signing.dumps(data, salt=links.SALT)
    assert Client().get(f"/mail/resolution/{forged}/").status_code == 400
    wrong_salt = signing.dumps({**data, "u": requester.pk}, salt="something-else")
    assert Client().get(f"/mail/resolution/{wrong_salt}/").status_code == 400
    unknown_action = signing.dumps({**data, "u": requester.pk, "a": "delete"}, salt=links.SALT)
    assert Client().get(f"/mail/resolution/{unknown_action}/").status_code == 400


def test_links_expire_with_the_reopen_period(resolved):
    days = DeskSettings.load().reopen_days
    reopen, confirm = _url(resolved, "reopen"), _url(resolved, "confirm")
    with time_machine.travel(timezone.now() + timedelta(days=days, hours=1)):
        response = Client().get(reopen)
        assert response.status_code == 410
        # A genuine link: answered in the requester's language.
        assert "El plazo de reapertura ha terminado; abra un nuevo ticket." in (
            response.content.decode()
        )
        assert Client().post(reopen).status_code == 410
        response = Client().get(confirm)
        assert (
            response.status_code == 410 and "Este enlace ha caducado" in response.content.decode()
        )
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED


def test_reopen_refused_by_the_action_shows_its_message(resolved, monkeypatch):
    """The page is still open when the period ends: the action's refusal is shown, clearly."""
    url = _url(resolved, "reopen")
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    from atiende.tickets import workflow

    monkeypatch.setattr(workflow, "within_reopen_period", lambda *a, **k: False)
    response = client.post(url, {"csrfmiddlewaretoken": token[1]})
    assert response.status_code == 422
    assert "El plazo de reapertura ha terminado" in response.content.decode()
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED


def test_a_deactivated_requester_cannot_use_the_link(resolved):
    url = _url(resolved, "confirm")
    resolved.requester.is_active = False
    resolved.requester.save()
    assert Client().get(url).status_code == 400


def test_no_link_without_a_resolution(requester, agent):
    ticket = make_ticket(requester, actor=agent)
    with pytest.raises(ValueError):
        links.make_token(ticket, "confirm")
