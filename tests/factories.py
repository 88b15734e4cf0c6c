"""factory_boy factories. Tickets are created through the real action, so tests exercise
numbering, search documents and the timeline exactly as production does."""

from __future__ import annotations

import factory

from atiende.accounts.models import Organization, Role, Team, TeamMembership, User
from atiende.tickets import actions
from atiende.tickets.models import Category

PASSWORD = "correct-horse-battery"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Org {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.REQUESTER
    password = factory.django.Password(PASSWORD)


class RequesterFactory(UserFactory):
    organization = factory.SubFactory(OrganizationFactory)


class AgentFactory(UserFactory):
    role = Role.AGENT


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


def add_to_team(user: User, team: Team) -> User:
    TeamMembership.objects.get_or_create(user=user, team=team)
    if hasattr(user, "_team_ids"):
        del user._team_ids
    return user


def make_ticket(requester: User, *, actor: User | None = None, **fields):
    fields.setdefault("title", "The printer on floor 2 does not print")
    fields.setdefault("description", "Since this morning nothing comes out.")
    if actor is not None and actor.is_agent:
        fields.setdefault("requester_id", requester.pk)
    return actions.ticket_create(actor=actor or requester, **fields)
