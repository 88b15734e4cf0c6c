"""The demo knowledge base loads through the actions: both languages linked, every article
published, the internal one out of the requesters' reach."""

from __future__ import annotations

import pytest

from atiende import demo
from atiende.accounts.models import User
from atiende.knowledge import selectors
from atiende.knowledge.models import Article, Status

pytestmark = pytest.mark.django_db


def test_demo_articles(monkeypatch):
    monkeypatch.setattr("atiende.changes.demo.load", lambda users: None)
    monkeypatch.setattr("atiende.mail.demo.load", lambda users: None)
    demo.load(tickets_per_template=1)
    assert Article.objects.filter(status=Status.PUBLISHED).count() == 10
    assert Article.objects.values("group").distinct().count() == 5
    requester = User.objects.filter(role="requester").first()
    found = {h.article.title for h in selectors.search(requester, "contrasena")}
    assert found == {"Contraseña caducada o olvidada"}
    assert not selectors.search(requester, "erp-db-01")
    assert selectors.suggest(requester, "the printer jams")
