from __future__ import annotations

import pytest

from atiende.knowledge import actions
from atiende.knowledge.models import Audience, Status

from ..factories import OrganizationFactory, RequesterFactory

WORD = "impresora"


def publish(manager, article):
    return actions.article_transition(actor=manager, article_id=article.pk, to=Status.PUBLISHED)


@pytest.fixture
def stranger(db):
    """A requester of another organisation."""
    return RequesterFactory(username="stranger", organization=OrganizationFactory(name="Other"))


@pytest.fixture
def kb(agent, manager, requester):
    """One published article per audience, plus a draft, all about the same printer."""

    def make(title, audience, *, organization=None, published=True):
        article = actions.article_create(
            actor=agent,
            title=title,
            body=f"La {WORD} del tercer piso no imprime: reinicie la cola de impresión.",
            language="es",
            audience=audience,
            organization_id=organization.pk if organization else None,
            tags=["printing"],
        )
        return publish(manager, article) if published else article

    return {
        "public": make("Impresora pública", Audience.PUBLIC),
        "requesters": make("Impresora para todos", Audience.REQUESTERS),
        "organisation": make(
            "Impresora de su organización",
            Audience.ORGANISATION,
            organization=requester.organization,
        ),
        "internal": make("Impresora: notas internas", Audience.AGENTS),
        "draft": make("Impresora en borrador", Audience.REQUESTERS, published=False),
    }


# Who finds which (published articles only, through the reader's paths).
EXPECTED = {
    "anonymous": {"public"},
    "requester": {"public", "requesters", "organisation"},
    "stranger": {"public", "requesters"},
    "agent": {"public", "requesters", "organisation", "internal"},
}
