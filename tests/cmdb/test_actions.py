"""Writing services, CIs, relations and a ticket's affected items: access, validation,
audit trail, nothing half-written."""

from __future__ import annotations

import pytest

from atiende.cmdb import actions
from atiende.cmdb.models import ConfigurationItem, ItemEvent, Relation, TicketItem
from atiende.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atiende.tickets.models import TicketEvent
from tests.factories import make_ticket

from .factories import ItemFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def create(actor, **fields):
    fields.setdefault("name", "erp-db-01")
    fields.setdefault("ci_class", "database")
    return actions.item_create(actor=actor, **fields)


def test_manager_creates_an_item_with_attributes_and_an_audit_event(manager, team):
    item = create(manager, owner_team_id=team.pk, attributes={"ip": "10.0.0.5", "cpus": 8})
    assert item.owner_team == team and item.attributes == {"ip": "10.0.0.5", "cpus": 8}
    event = ItemEvent.objects.get(item=item)
    assert event.action == "created" and event.actor == manager


def test_agents_read_but_do_not_edit_and_requesters_are_told_not_found(agent, requester):
    with pytest.raises(Forbidden):
        create(agent)
    with pytest.raises(NotFound):
        create(requester)
    assert not ConfigurationItem.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"ci_class": "spaceship"}, "ci_class"),
        ({"status": "dead"}, "status"),
        ({"environment": "prod"}, "environment"),
        ({"owner_team_id": 999999}, "owner_team"),
        ({"owner_team_id": "abc"}, "owner_team"),
        ({"attributes": "[1, 2]"}, "attributes"),
        ({"attributes": "{not json"}, "attributes"),
        # A form's JSON text may hold the escape of a lone surrogate, which no database stores.
        ({"attributes": '{"ip": "\\ud800"}'}, "attributes"),
        ({"attributes": '{"\\udc80": 1}'}, "attributes"),
        ({"attributes": {"nested": {"a": 1}}}, "attributes"),
        ({"attributes": {f"k{i}": i for i in range(51)}}, "attributes"),
    ],
)
def test_bad_input_gets_a_field_message_and_writes_nothing(manager, fields, field):
    with pytest.raises(ValidationFailed) as caught:
        create(manager, **fields)
    assert field in caught.value.errors
    assert not ConfigurationItem.objects.exists() and not ItemEvent.objects.exists()


def test_names_are_unique_per_class_whatever_the_case(manager):
    create(manager, name="ERP-DB-01")
    with pytest.raises(ValidationFailed) as caught:
        create(manager, name="erp-db-01")
    assert "name" in caught.value.errors
    create(manager, name="erp-db-01", ci_class="server")  # another class: fine


def test_update_records_the_diff_bumps_the_version_and_refuses_stale_writes(manager, team):
    item = create(manager)
    updated = actions.item_update(
        actor=manager,
        item_id=item.pk,
        version=1,
        changes={"status": "maintenance", "owner_team": team.pk},
    )
    assert updated.version == 2 and updated.status == "maintenance"
    event = ItemEvent.objects.filter(item=item, action="updated").get()
    assert event.changes == {"status": ["active", "maintenance"], "owner_team": [None, team.name]}
    with pytest.raises(Conflict):
        actions.item_update(actor=manager, item_id=item.pk, version=1, changes={"name": "x"})
    with pytest.raises(ValidationFailed) as caught:
        actions.item_update(actor=manager, item_id=item.pk, changes={"created_at": "x"})
    assert "created_at" in caught.value.errors


def test_update_to_a_taken_name_is_refused(manager):
    create(manager, name="a")
    item = create(manager, name="b")
    with pytest.raises(ValidationFailed):
        actions.item_update(actor=manager, item_id=item.pk, changes={"name": "A"})
    item.refresh_from_db()
    assert item.name == "b" and item.version == 1


def test_delete_keeps_the_audit_trail(manager):
    item = create(manager)
    other = ItemFactory()
    actions.relation_add(actor=manager, source_id=item.pk, type="runs_on", target_id=other.pk)
    actions.item_delete(actor=manager, item_id=item.pk)
    assert not Relation.objects.exists()
    assert ItemEvent.objects.filter(item=None, item_name="erp-db-01", action="deleted").exists()


def test_relations_are_validated_and_audited_on_both_ends(manager):
    a, b = ItemFactory(name="a"), ItemFactory(name="b")
    relation = actions.relation_add(
        actor=manager, source_id=a.pk, type="depends_on", target_id=b.pk
    )
    assert ItemEvent.objects.filter(action="relation_added").count() == 2
    for kwargs, field in [
        ({"source_id": a.pk, "type": "depends_on", "target_id": b.pk}, "target"),
        ({"source_id": a.pk, "type": "depends_on", "target_id": a.pk}, "target"),
        ({"source_id": a.pk, "type": "likes", "target_id": b.pk}, "type"),
        ({"source_id": 999999, "type": "runs_on", "target_id": b.pk}, "source"),
        ({"source_id": a.pk, "type": "runs_on", "target_id": "x"}, "target"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            actions.relation_add(actor=manager, **kwargs)
        assert field in caught.value.errors
    actions.relation_remove(actor=manager, relation_id=relation.pk)
    assert not Relation.objects.exists()
    with pytest.raises(NotFound):
        actions.relation_remove(actor=manager, relation_id=relation.pk)


def test_agents_link_items_to_tickets_in_the_internal_timeline(agent, requester, desk_default_team):
    ticket = make_ticket(requester, actor=agent)
    service = ServiceFactory(name="ERP")
    items = actions.ticket_item_add(actor=agent, ticket_id=ticket.pk, item_id=service.pk)
    assert [link.item for link in items] == [service]
    # Adding twice changes nothing.
    actions.ticket_item_add(actor=agent, ticket_id=ticket.pk, item_id=service.pk)
    assert TicketItem.objects.count() == 1
    actions.ticket_item_remove(actor=agent, ticket_id=ticket.pk, item_id=service.pk)
    assert not TicketItem.objects.exists()
    entries = list(
        TicketEvent.objects.filter(ticket=ticket, field=actions.TICKET_FIELD)
        .order_by("id")
        .values_list("old_value", "new_value", "public")
    )
    assert entries == [("", "ERP", False), ("ERP", "", False)]


def test_requesters_and_strangers_cannot_link(requester, other_agent, agent, desk_default_team):
    ticket = make_ticket(requester, actor=agent)
    service = ServiceFactory()
    for actor in (requester, other_agent):
        with pytest.raises(NotFound):
            actions.ticket_item_add(actor=actor, ticket_id=ticket.pk, item_id=service.pk)
    with pytest.raises(ValidationFailed):
        actions.ticket_items_set(actor=agent, ticket_id=ticket.pk, add=[service.pk, 999999])
    assert not TicketItem.objects.exists()


def test_renaming_is_audited(manager):
    item = create(manager, name="old")
    actions.item_update(actor=manager, item_id=item.pk, changes={"name": "new"})
    event = ItemEvent.objects.get(item=item, action="updated")
    assert event.changes == {"name": ["old", "new"]}


def test_linking_an_item_reads_in_words_in_the_ticket_timeline(agent, requester, desk_default_team):
    from django.test import Client
    from django.urls import reverse

    from atiende.cmdb.actions import ticket_item_add

    from ..factories import make_ticket
    from .factories import ServiceFactory

    ticket = make_ticket(requester)
    erp = ServiceFactory(name="ERP")
    ticket_item_add(actor=agent, ticket_id=ticket.pk, item_id=erp.pk)
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert "changed affected service or CI" in page
    assert "affected_item" not in page
