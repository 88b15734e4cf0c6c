"""An item's history tells a relation from the item's own side: one it holds ("This item runs
on host-1") and one another item holds to it ("ERP depends on this item"), in the reader's
language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from atiende.cmdb import actions

pytestmark = pytest.mark.django_db


def _history(client, user, item) -> list[str]:
    client.force_login(user)
    body = client.get(reverse("cmdb:item", args=[item.pk])).content.decode()
    section = body[body.index('aria-labelledby="history-title"') :]
    section = section[: section.index("</section>")]
    return re.findall(r'<span class="muted small">([^<]*)</span>', section)


@pytest.fixture
def related(manager):
    erp = actions.item_create(actor=manager, name="ERP", ci_class="business_service")
    app = actions.item_create(actor=manager, name="erp-app", ci_class="application")
    host = actions.item_create(actor=manager, name="host-1", ci_class="server")
    actions.relation_add(actor=manager, source_id=erp.pk, type="depends_on", target_id=app.pk)
    relation = actions.relation_add(
        actor=manager, source_id=app.pk, type="runs_on", target_id=host.pk
    )
    actions.relation_remove(actor=manager, relation_id=relation.pk)
    return app


def test_history_says_relations_from_this_items_side(client, manager, related):
    texts = _history(client, manager, related)
    assert texts[:3] == [
        "This item runs on host-1",  # removed (newest first)
        "This item runs on host-1",  # added
        "ERP depends on this item",  # added by ERP's relation, read on erp-app
    ]


def test_history_in_spanish(client, manager, related):
    manager.language = "es"
    manager.save()
    texts = _history(client, manager, related)
    assert texts[:3] == [
        "Este elemento se ejecuta en host-1",
        "Este elemento se ejecuta en host-1",
        "ERP depende de este elemento",
    ]


def test_other_history_entries_keep_their_text(client, manager, related):
    actions.item_update(actor=manager, item_id=related.pk, changes={"status": "maintenance"})
    texts = _history(client, manager, related)
    assert texts[0] == "status: Active → In maintenance"
