"""Rules on catalogue requests: the "request submitted" trigger runs once the answers are
stored, and conditions read the item requested and the answers (equals / contains, also a
multiple choice and a yes/no), from the page, the API and the dry run."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.automation import actions
from atiende.automation.models import Rule
from atiende.catalogue import actions as catalogue_actions
from atiende.core.errors import ValidationFailed
from atiende.tickets.models import Ticket

from ..api.conftest import ApiClient
from ..catalogue.conftest import laptop  # noqa: F401 - the fixture
from .test_views import form_data, signed_in

pytestmark = pytest.mark.django_db

LINUX = {"os": "linux", "distro": "Ubuntu 24.04", "travels": "yes", "software": ["vpn"]}
WINDOWS = {"os": "windows", "travels": "no", "software": ["office"]}


def _submit(requester, item, answers) -> Ticket:
    ticket = catalogue_actions.request_submit(actor=requester, item_id=item.pk, answers=answers)
    return Ticket.objects.get(pk=ticket.pk)


def _tags(ticket) -> set[str]:
    return set(ticket.tags.values_list("name", flat=True))


def _rule(make_rule, laptop, *conditions, tag="hit"):  # noqa: F811
    return make_rule(
        name=f"On {tag}", trigger="submitted",
        conditions=[
            {"field": "catalogue_item", "op": "in", "values": [str(laptop.pk)]}, *conditions
        ],
        rule_actions=[{"type": "add_tag", "value": tag}],
    )  # fmt: skip


def test_item_and_answer_equals(make_rule, laptop, requester, other_team):  # noqa: F811
    make_rule(
        name="Linux laptops to the other team", trigger="submitted",
        conditions=[
            {"field": "catalogue_item", "op": "in", "values": [str(laptop.pk)]},
            {"field": "answer", "key": "os", "op": "equals", "values": ["Linux"]},
        ],
        rule_actions=[{"type": "set_field", "field": "team", "value": str(other_team.pk)}],
    )  # fmt: skip
    linux = _submit(requester, laptop, LINUX)
    windows = _submit(requester, laptop, WINDOWS)
    assert linux.team_id == other_team.pk
    assert windows.team_id != other_team.pk
    trace = linux.events.get(field="automation")
    assert trace.new_value == "Linux laptops to the other team"


@pytest.mark.parametrize(
    ("condition", "linux", "windows"),
    [
        ({"key": "distro", "op": "contains", "values": ["ubuntu"]}, True, False),
        ({"key": "distro", "op": "not_contains", "values": ["ubuntu"]}, False, True),
        ({"key": "software", "op": "equals", "values": ["vpn"]}, True, False),
        ({"key": "travels", "op": "equals", "values": ["yes"]}, True, False),
        ({"key": "os", "op": "not_equals", "values": ["linux", "mac"]}, False, True),
    ],
)
def test_answer_conditions(make_rule, laptop, requester, condition, linux, windows):  # noqa: F811
    _rule(make_rule, laptop, {"field": "answer", **condition})
    assert ("hit" in _tags(_submit(requester, laptop, LINUX))) is linux
    assert ("hit" in _tags(_submit(requester, laptop, WINDOWS))) is windows


def test_other_items_and_plain_tickets_are_left_alone(make_rule, laptop, manager, requester):  # noqa: F811
    from ..factories import make_ticket

    other = catalogue_actions.item_save(
        actor=manager, category_id=laptop.category_id, name="Phone", name_es="Teléfono"
    )
    _rule(make_rule, laptop)
    assert _tags(_submit(requester, other, {})) == set()
    make_rule(
        name="Created", trigger="created",
        conditions=[{"field": "catalogue_item", "op": "not_empty"}],
        rule_actions=[{"type": "add_tag", "value": "never"}],
    )  # fmt: skip
    assert _tags(Ticket.objects.get(pk=make_ticket(requester).pk)) == set()


def test_unknown_or_bad_keys_are_refused(make_rule, laptop):  # noqa: F811
    with pytest.raises(ValidationFailed) as unknown:
        _rule(make_rule, laptop, {"field": "answer", "key": "colour", "op": "equals",
                                  "values": ["red"]})  # fmt: skip
    assert "conditions.1.key" in unknown.value.errors
    with pytest.raises(ValidationFailed) as bad:
        _rule(make_rule, laptop, {"field": "answer", "key": "a b", "op": "equals",
                                  "values": ["x"]})  # fmt: skip
    assert "conditions.1.key" in bad.value.errors
    assert not Rule.objects.exists()


def test_dry_run_looks_at_requests(manager, laptop, requester):  # noqa: F811
    from ..factories import make_ticket

    linux, _windows = _submit(requester, laptop, LINUX), _submit(requester, laptop, WINDOWS)
    make_ticket(requester, title="Not a request")
    dry = actions.dry_run(
        actor=manager,
        data={
            "name": "Dry", "trigger": "submitted",
            "conditions": [{"field": "answer", "key": "os", "op": "equals", "values": ["linux"]}],
            "actions": [{"type": "add_tag", "value": "x"}],
        },
    )  # fmt: skip
    assert dry.looked_at == 2
    assert [h.ticket.pk for h in dry.hits] == [linux.pk]


def test_api_takes_and_gives_the_key(manager, laptop, requester):  # noqa: F811
    api = ApiClient(manager)
    made = api.post(
        "/automation/rules",
        {
            "name": "VPN", "trigger": "submitted",
            "conditions": [
                {"field": "catalogue_item", "op": "in", "values": [str(laptop.pk)]},
                {"field": "answer", "key": "software", "op": "equals", "values": ["vpn"]},
            ],
            "actions": [{"type": "add_tag", "value": "vpn"}],
        },
    )  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["conditions"][1]["key"] == "software"
    assert _tags(_submit(requester, laptop, LINUX)) == {"vpn"}
    refused = api.post(
        "/automation/rules",
        {"name": "Bad", "trigger": "submitted",
         "conditions": [{"field": "answer", "key": "nope", "op": "equals", "values": ["x"]}],
         "actions": [{"type": "add_tag", "value": "x"}]},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "conditions.0.key" in refused.json()["errors"]


def test_the_page_builds_an_answer_condition(manager, laptop, requester, other_team):  # noqa: F811
    client = signed_in(manager)
    page = client.get(reverse("automation:new")).content.decode()
    assert "os — Operating system" in page
    data = form_data(
        other_team,
        trigger="submitted",
        **{
            "conditions-0-field": "answer", "conditions-0-op": "equals",
            "conditions-0-key": "os", "conditions-0-words": "linux",
            "conditions-1-field": "catalogue_item", "conditions-1-op": "in",
            "conditions-1-picks": [f"catalogue_item:{laptop.pk}"],
        },
    )  # fmt: skip
    answer = client.post(reverse("automation:new"), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    rule = Rule.objects.get()
    assert rule.conditions == [
        {"field": "answer", "op": "equals", "values": ["linux"], "key": "os"},
        {"field": "catalogue_item", "op": "in", "values": [str(laptop.pk)]},
    ]
    assert _submit(requester, laptop, LINUX).team_id == other_team.pk
    edit = client.get(reverse("automation:edit", args=[rule.pk])).content.decode()
    assert 'value="os" selected' in edit
