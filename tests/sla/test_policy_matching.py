"""The first active policy (by position) whose conditions all hold applies; an empty
condition holds for anything; a match without a target for the priority starts no clocks."""

from __future__ import annotations

from atiende.sla import clocks
from atiende.sla.clocks import PolicyFacts, match_policy

from ..factories import CategoryFactory, OrganizationFactory, TeamFactory
from .conftest import make_policy

TARGETS = {p: (60, 480, None) for p in range(1, 6)}


def facts(**overrides) -> PolicyFacts:
    values = {
        "kind": "incident",
        "priority": 3,
        "organization_id": None,
        "category_id": None,
        "team_id": None,
    }
    values.update(overrides)
    return PolicyFacts(**values)


def matched_name(f: PolicyFacts) -> str | None:
    found = match_policy(f)
    return found[0].name if found else None


def test_position_orders_policies_not_creation(office):
    make_policy(office, name="Later", position=20, targets=TARGETS)
    make_policy(office, name="First", position=10, targets=TARGETS)
    assert matched_name(facts()) == "First"


def test_inactive_policies_are_skipped(office):
    make_policy(office, name="Off", position=1, targets=TARGETS, is_active=False)
    make_policy(office, name="On", position=2, targets=TARGETS)
    assert matched_name(facts()) == "On"


def test_kind_and_priority_conditions(office):
    make_policy(
        office, name="P1 incidents", position=1, targets=TARGETS, kinds=["incident"], priorities=[1]
    )
    make_policy(office, name="Requests", position=2, targets=TARGETS, kinds=["request"])
    make_policy(office, name="Catch-all", position=3, targets=TARGETS)
    assert matched_name(facts(priority=1)) == "P1 incidents"
    assert matched_name(facts(priority=2)) == "Catch-all"  # an incident, but not P1
    assert matched_name(facts(kind="request", priority=1)) == "Requests"
    assert matched_name(facts(kind="question")) == "Catch-all"


def test_organisation_category_and_team_conditions(office):
    acme, other_org = OrganizationFactory(name="Acme"), OrganizationFactory(name="Other")
    printers = CategoryFactory(name="Printers")
    network = TeamFactory(name="Network")
    make_policy(office, name="Acme printers", position=1, targets=TARGETS,
                organizations=[acme], categories=[printers])  # fmt: skip
    make_policy(office, name="Network team", position=2, targets=TARGETS, teams=[network])
    make_policy(office, name="Catch-all", position=3, targets=TARGETS)
    assert matched_name(facts(organization_id=acme.pk, category_id=printers.pk)) == "Acme printers"
    # Both conditions must hold:
    assert matched_name(facts(organization_id=acme.pk)) == "Catch-all"
    assert matched_name(facts(organization_id=other_org.pk, category_id=printers.pk)) == "Catch-all"
    assert matched_name(facts(team_id=network.pk)) == "Network team"


def test_first_match_without_a_target_for_the_priority_applies_no_clocks(office):
    make_policy(office, name="Only P1", position=1, targets={1: (15, 240, None)})
    make_policy(office, name="Catch-all", position=2, targets=TARGETS)
    assert match_policy(facts(priority=3)) is None
    policy, target = match_policy(facts(priority=1))
    assert (policy.name, target.first_response_minutes) == ("Only P1", 15)


def test_no_policy_means_no_match(db):
    assert match_policy(facts()) is None
    assert clocks.active_policies() == []
