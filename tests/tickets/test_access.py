"""Who sees what (selectors): the one rule used by lists, detail, timeline and downloads."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.core.errors import NotFound
from atiende.tickets import actions, selectors
from atiende.tickets.models import EventType, Ticket

from ..factories import AgentFactory, RequesterFactory, TeamFactory, add_to_team, make_ticket


def visible(user):
    return set(selectors.tickets_visible_to(user))


@pytest.fixture
def world(requester, other_requester, agent, other_agent, team, other_team):
    """Tickets of two requesters (different organisations), in two teams."""
    colleague = RequesterFactory(organization=requester.organization)
    return {
        "mine": make_ticket(requester, actor=agent, team_id=team.pk),
        "mine_other_team": make_ticket(requester, actor=agent, team_id=other_team.pk),
        "colleague": make_ticket(colleague, actor=agent, team_id=other_team.pk),
        "stranger": make_ticket(other_requester, actor=agent, team_id=other_team.pk),
        "unrouted": make_ticket(other_requester, actor=agent),
        "assigned_to_agent": make_ticket(
            other_requester, actor=agent, team_id=other_team.pk, assignee_id=agent.pk
        ),
        "requested_by_agent": make_ticket(agent, actor=other_agent, team_id=other_team.pk),
    }


def test_requester_sees_own_tickets_only(world, requester):
    assert visible(requester) == {world["mine"], world["mine_other_team"]}


def test_organisation_manager_sees_the_organisations_tickets(world, requester):
    boss = RequesterFactory(organization=requester.organization, is_organization_manager=True)
    assert visible(boss) == {world["mine"], world["mine_other_team"], world["colleague"]}


def test_organisation_manager_without_organisation_sees_own_only(world):
    loner = RequesterFactory(organization=None, is_organization_manager=True)
    own = make_ticket(loner)
    assert visible(loner) == {own}


def test_agent_sees_teams_assigned_and_own_requested(world, agent):
    assert visible(agent) == {
        world["mine"], world["assigned_to_agent"], world["requested_by_agent"]
    }  # fmt: skip


def test_agent_of_several_teams_sees_all_of_them(world, agent, other_team):
    add_to_team(agent, other_team)
    assert visible(agent) == set(Ticket.objects.exclude(pk=world["unrouted"].pk))


def test_agent_who_sees_all_tickets_sees_all(world):
    watcher = AgentFactory(sees_all_tickets=True)
    assert visible(watcher) == set(Ticket.objects.all())


def test_admin_sees_all(world, admin_user):
    assert visible(admin_user) == set(Ticket.objects.all())


def test_requester_flag_sees_all_tickets_is_ignored(world, requester):
    requester.sees_all_tickets = True
    assert visible(requester) == {world["mine"], world["mine_other_team"]}


@pytest.mark.parametrize("who", ["requester", "agent", "admin_user"])
def test_inactive_user_sees_nothing(world, who, request):
    user = request.getfixturevalue(who)
    user.is_active = False
    assert visible(user) == set()
    with pytest.raises(NotFound):
        selectors.ticket_get(user, world["mine"].pk)


def test_anonymous_sees_nothing(world):
    assert visible(AnonymousUser()) == set()


def test_ticket_get_denied_looks_like_missing(world, requester):
    stranger = world["stranger"]
    with pytest.raises(NotFound) as denied:
        selectors.ticket_get(requester, stranger.pk)
    with pytest.raises(NotFound) as missing:
        selectors.ticket_get(requester, 999_999)
    assert str(denied.value) == str(missing.value)
    with pytest.raises(NotFound):
        selectors.ticket_get(requester, stranger.number)


@pytest.mark.parametrize(
    "key", ["", " ", "abc", "99999999999999999999999", "²", "-1", "1.0", "INC-", "٣", "0"]
)
def test_ticket_get_with_odd_keys_is_not_found_never_a_crash(world, admin_user, key):
    with pytest.raises(NotFound):
        selectors.ticket_get(admin_user, key)


def test_timeline_hides_internal_notes_and_field_changes_from_requesters(world, requester, agent):
    ticket = world["mine"]
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="public reply")
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="secret note", public=False)
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None,
        changes={"impact": 1, "title": "Renamed", "assignee": agent.pk},
    )  # fmt: skip
    for_requester = list(selectors.timeline_for(requester, ticket))
    for_agent = list(selectors.timeline_for(agent, ticket))
    assert all(e.public for e in for_requester)
    assert "secret note" not in [e.body for e in for_requester]
    shown_fields = {e.field for e in for_requester if e.type == EventType.FIELD}
    assert shown_fields == {"title"}
    assert {"impact", "priority", "assignee"} <= {e.field for e in for_agent}
    assert "secret note" in [e.body for e in for_agent]


def test_timeline_is_chronological_without_per_event_queries(
    world, requester, agent, django_assert_max_num_queries
):
    ticket = world["mine"]
    for n in range(10):
        actions.comment_add(
            actor=agent, ticket_id=ticket.pk, body=f"reply {n}",
            attachments=[SimpleUploadedFile(f"f{n}.txt", b"data")],
        )  # fmt: skip
    with django_assert_max_num_queries(2):
        events = list(selectors.timeline_for(requester, ticket))
        names = [a.filename for e in events for a in e.attachments.all()]
        actors = [e.actor.display_name for e in events]
    assert len(names) == 10 and len(actors) == 11
    assert [e.id for e in events] == sorted(e.id for e in events)


def test_attachment_get_hides_internal_attachments_and_denied_tickets(
    world, requester, other_requester, agent
):
    ticket = world["mine"]
    public = actions.attachment_add(
        actor=agent, ticket_id=ticket.pk, file=SimpleUploadedFile("pub.txt", b"x")
    )
    internal = actions.attachment_add(
        actor=agent, ticket_id=ticket.pk, file=SimpleUploadedFile("int.txt", b"y"), public=False
    )
    note = actions.comment_add(
        actor=agent, ticket_id=ticket.pk, body="see log", public=False,
        attachments=[SimpleUploadedFile("log.txt", b"z")],
    )  # fmt: skip
    note_file = note.attachments.get()
    assert note_file.public is False
    assert selectors.attachment_get(requester, public.pk) == public
    assert selectors.attachment_get(agent, internal.pk) == internal
    for hidden in (internal, note_file):
        with pytest.raises(NotFound):
            selectors.attachment_get(requester, hidden.pk)
    with pytest.raises(NotFound):
        selectors.attachment_get(other_requester, public.pk)
    with pytest.raises(NotFound):
        selectors.attachment_get(requester, 99_999_999_999_999_999_999)


def test_requester_timeline_never_lists_internal_attachments(world, requester, agent):
    ticket = world["mine"]
    actions.attachment_add(
        actor=agent, ticket_id=ticket.pk, file=SimpleUploadedFile("int.txt", b"y"), public=False
    )
    files = [a for e in selectors.timeline_for(requester, ticket) for a in e.attachments.all()]
    assert files == []


def test_actions_use_the_same_rule(world, requester):
    with pytest.raises(NotFound):
        actions.comment_add(actor=requester, ticket_id=world["stranger"].pk, body="hello")
    assert not world["stranger"].events.filter(type=EventType.COMMENT).exists()


def test_requester_cannot_write_internal_notes(world, requester):
    from atiende.core.errors import Forbidden

    with pytest.raises(Forbidden):
        actions.comment_add(actor=requester, ticket_id=world["mine"].pk, body="x", public=False)


def test_list_page_has_no_per_row_queries(world, agent, django_assert_max_num_queries):
    add_to_team(agent, TeamFactory(name="Extra"))
    for _ in range(15):
        make_ticket(agent, actor=agent)
    filters = selectors.TicketFilters()
    with django_assert_max_num_queries(4):  # team ids, the page ids, the rows, the count
        page = selectors.ticket_page(agent, filters, cursor=None, limit=50)
        shown = [
            (t.requester.display_name, t.assignee and t.assignee.display_name, t.team and t.team.name,
             t.category and t.category.name, t.organization and t.organization.name)
            for t in page.items
        ]  # fmt: skip
    assert len(shown) == page.count
