"""core.queries.from_row reads a hand-written join into the same instances the ORM would
build, on both databases (SQLite hands datetimes back as text and booleans as integers)."""

from __future__ import annotations

from django.db import connection

from atiende.accounts.models import Organization, User
from atiende.core.queries import column_list, from_row

from ..factories import RequesterFactory


def _joined(user_id: int):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column_list(User, 'u')}, {column_list(Organization, 'o')} "
            f"FROM {quote(User._meta.db_table)} u LEFT JOIN {quote(Organization._meta.db_table)} o "
            f"ON o.{quote('id')} = u.{quote('organization_id')} WHERE u.{quote('id')} = %s",
            [user_id],
        )
        row = cursor.fetchone()
    user, end = from_row(User, row)
    organization, _end = from_row(Organization, row, end)
    return user, organization


def test_instances_equal_what_the_orm_reads(db):
    organization = Organization.objects.create(name="Acme")
    created = RequesterFactory(organization=organization)
    user, org = _joined(created.pk)
    expected = User.objects.get(pk=created.pk)
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(expected, field.attname), field.name
    assert user.is_active is True and user.date_joined.tzinfo is not None
    assert (org.pk, org.name) == (organization.pk, "Acme")
    assert not user._state.adding


def test_missing_side_of_an_outer_join_is_none(db):
    created = RequesterFactory(organization=None)
    user, org = _joined(created.pk)
    assert user.pk == created.pk and org is None


def test_one_with_related_reads_what_select_related_reads(db, requester, agent, team):
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from atiende.core.queries import one_or_none, one_with_related
    from atiende.tickets.models import Ticket

    from ..factories import make_ticket

    ticket = make_ticket(requester, actor=agent, team_id=team.pk)  # no assignee, no category
    related = ("requester", "assignee", "team", "category", "organization")
    tickets = Ticket.objects.filter(Q(team_id__in=[team.pk]) | Q(assignee_id=agent.pk))
    expected = one_or_none(tickets.filter(number=ticket.number).select_related(*related))
    with CaptureQueriesContext(connection) as captured:
        found = one_with_related(tickets.filter(number=ticket.number), related)
        assert found is not None
        shown = [found.requester.email, found.assignee, found.team.name, found.category]
    assert len(captured) == 1  # the related rows came with it
    assert shown == [requester.email, None, team.name, None]
    for field in Ticket._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.organization == expected.organization
    # The caller's condition is the one applied: another team's view finds nothing.
    assert (
        one_with_related(Ticket.objects.filter(team_id=-1, number=ticket.number), related) is None
    )
    assert one_with_related(Ticket.objects.filter(pk__in=[]), related) is None  # nothing to match
    # A condition on another table (a join of its own) is read the ORM's way, same answer.
    joined = Ticket.objects.filter(requester__email=requester.email, number=ticket.number)
    assert one_with_related(joined, related) == ticket
