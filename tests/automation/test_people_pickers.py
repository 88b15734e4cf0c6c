"""People in the rule and macro editors: typed with the desk's people picker (a text input
with a labelled <datalist> that pickers.js fills from GET /api/v1/people), never listed up
front; without script an e-mail address or an id typed by hand is checked on the server."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from atiende.automation.models import Macro, Rule

from ..factories import AgentFactory, RequesterFactory
from .test_macros_views import form_data as macro_form
from .test_views import form_data, signed_in

pytestmark = pytest.mark.django_db


def _rows(**actions):
    data = {"actions-TOTAL_FORMS": "3", "actions-1-type": "", "actions-2-type": ""}
    data.update({f"actions-{k.replace('_', '-')}": v for k, v in actions.items()})
    return data


def test_the_pages_list_nobody_and_offer_the_picker(manager, other_team, agent):
    for url in (reverse("automation:new"), reverse("automation:macro_new")):
        html = signed_in(manager).get(url).content.decode()
        assert agent.display_name not in html  # nobody listed up front
        person = re.search(r'<input[^>]*name="actions-0-person"[^>]*>', html).group(0)
        assert 'list="actions-0-person-options"' in person
        assert "/api/v1/people?agents=true" in person
        assert '<datalist id="actions-0-person-options"></datalist>' in html
        assert re.search(r'<label[^>]*for="id_actions-0-person"', html)
    rule_page = signed_in(manager).get(reverse("automation:new")).content.decode()
    people = re.search(r'<input[^>]*name="conditions-0-people"[^>]*>', rule_page).group(0)
    assert 'data-multiple="1"' in people and 'list="conditions-0-people-options"' in people


def test_notify_follow_and_assignee_typed_without_script(manager, other_team, agent):
    other = AgentFactory()
    data = form_data(
        other_team,
        **_rows(
            **{"0_type": "notify", "0_target": "", "0_person": agent.email, "0_text": "Look",
               "1_type": "follow", "1_person": str(other.pk),
               "2_type": "set_field", "2_target": "", "2_person": agent.email.upper()},
        ),
    )  # fmt: skip
    client = signed_in(manager)
    answer = client.post(reverse("automation:new"), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    rule = Rule.objects.get()
    assert [(a["type"], a["field"], a["value"]) for a in rule.actions] == [
        ("notify", "", str(agent.pk)),
        ("follow", "", str(other.pk)),
        ("set_field", "assignee", str(agent.pk)),
    ]
    edit = client.get(reverse("automation:edit", args=[rule.pk])).content.decode()
    assert f'value="{agent.email}"' in edit and f'value="{other.email}"' in edit


def test_unknown_people_and_misplaced_ones_are_refused_on_their_row(manager, other_team, agent):
    client = signed_in(manager)
    unknown = form_data(other_team, **_rows(**{"0_type": "notify", "0_person": "nobody@x.org",
                                                "0_text": "Hi"}))  # fmt: skip
    page = client.post(reverse("automation:new"), unknown)
    assert page.status_code == 422
    assert "No such person" in page.content.decode()
    misplaced = form_data(other_team, **_rows(**{"0_type": "add_tag", "0_tag": "x",
                                                  "0_person": agent.email}))  # fmt: skip
    page = client.post(reverse("automation:new"), misplaced)
    assert "A person goes with the assignee" in page.content.decode()
    requester = RequesterFactory()
    not_agent = form_data(other_team, **_rows(**{"0_type": "follow",
                                                  "0_person": requester.email}))  # fmt: skip
    assert client.post(reverse("automation:new"), not_agent).status_code == 422
    assert not Rule.objects.exists()


def test_requester_condition_takes_several_people(manager, other_team):
    a, b = RequesterFactory(), RequesterFactory()
    data = form_data(
        other_team,
        **{"conditions-0-field": "requester", "conditions-0-op": "in",
           "conditions-0-people": f"{a.email}, {b.pk}", "conditions-0-words": ""},
    )  # fmt: skip
    client = signed_in(manager)
    answer = client.post(reverse("automation:new"), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    rule = Rule.objects.get()
    assert rule.conditions[0] == {
        "field": "requester",
        "op": "in",
        "values": [str(a.pk), str(b.pk)],
    }
    edit = client.get(reverse("automation:edit", args=[rule.pk])).content.decode()
    assert f'value="{a.email}, {b.email}"' in edit


def test_a_macro_follower_typed_in_the_picker(agent):
    other = AgentFactory()
    data = macro_form(**{"actions-1-target": "", "actions-1-person": other.email})
    answer = signed_in(agent).post(reverse("automation:macro_new"), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Macro.objects.get().actions[1]["value"] == str(other.pk)
