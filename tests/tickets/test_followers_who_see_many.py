"""`followers_who_see_many` (a batch's followers, one query) answers what `followers_who_see`
answers ticket by ticket: the access rule is written once (`_sees_rule`), asked with one
ticket's values or with each row's ticket columns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.accounts.models import Role
from atiende.core import clock
from atiende.tickets.models import TicketFollower
from atiende.tickets.selectors import followers_who_see, followers_who_see_many

from ..factories import (
    AgentFactory,
    OrganizationFactory,
    RequesterFactory,
    add_to_team,
    make_ticket,
)


@pytest.mark.django_db
def test_the_batch_answers_what_each_ticket_answers(agent, team, other_team, manager, admin_user):
    organization = OrganizationFactory()
    member = add_to_team(AgentFactory(), team)
    outsider = add_to_team(AgentFactory(), other_team)  # sees none of team's tickets
    sees_all = AgentFactory(sees_all_tickets=True)
    gone = add_to_team(AgentFactory(is_active=False), team)
    org_manager = RequesterFactory(organization=organization, is_organization_manager=True)
    plain_requester = RequesterFactory()
    agent_requester = AgentFactory()  # an agent who asked for something: sees their own
    tickets = [
        make_ticket(RequesterFactory(organization=organization), actor=agent, team_id=team.pk),
        make_ticket(agent_requester, actor=agent, team_id=other_team.pk),
        make_ticket(RequesterFactory(), actor=agent, team_id=other_team.pk, assignee_id=None),
        make_ticket(RequesterFactory(), actor=agent, team_id=team.pk),  # nobody follows it
    ]
    people = [member, outsider, sees_all, gone, org_manager, plain_requester, agent_requester,
              admin_user, manager, agent]  # fmt: skip
    for ticket in tickets[:3]:
        for person in people:
            TicketFollower.objects.create(ticket=ticket, user=person, created_at=clock.now())
    ids = [t.pk for t in tickets]

    with CaptureQueriesContext(connection) as queries:
        batch = followers_who_see_many(ids)
    assert len(queries) == 1

    one_by_one = {t.pk: followers_who_see(t) for t in tickets}
    assert batch == {pk: found for pk, found in one_by_one.items() if found}
    # The rule did sort people out (so the comparison compares something).
    assert member.pk in batch[tickets[0].pk] and outsider.pk not in batch[tickets[0].pk]
    assert outsider.pk in batch[tickets[1].pk] and agent_requester.pk in batch[tickets[1].pk]
    assert not {gone.pk, org_manager.pk, plain_requester.pk} & set().union(*batch.values())
    assert tickets[3].pk not in batch
    assert sees_all.role == Role.AGENT and sees_all.pk in batch[tickets[2].pk]
