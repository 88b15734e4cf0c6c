"""The Automation pages: managers build a rule with pickers, dry-run it, save, reorder,
disable and delete it; bad rows come back on their row with nothing written; agents get 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.automation.models import Rule
from atiende.tickets.models import Ticket

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(team, **extra):
    data = {
        "name": "Printers",
        "trigger": "created",
        "enabled": "on",
        "wait_unit": "days",
        "conditions-TOTAL_FORMS": "2",
        "conditions-INITIAL_FORMS": "0",
        "conditions-0-field": "title",
        "conditions-0-op": "contains",
        "conditions-0-words": "printer, toner",
        "conditions-1-field": "",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-0-type": "set_field",
        "actions-0-target": f"team:{team.pk}",
        "actions-1-type": "",
    }
    data.update(extra)
    return data


def test_menu_and_pages_for_managers_only(manager, agent):
    page = signed_in(manager).get(reverse("automation:list"))
    assert page.status_code == 200
    assert reverse("automation:list") in page.content.decode()
    assert signed_in(manager).get(reverse("automation:new")).status_code == 200
    assert signed_in(agent).get(reverse("automation:list")).status_code == 404


def test_create_with_pickers_then_it_acts(manager, other_team, requester):
    client = signed_in(manager)
    answer = client.post(reverse("automation:new"), form_data(other_team))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    rule = Rule.objects.get()
    assert rule.conditions == [{"field": "title", "op": "contains", "values": ["printer", "toner"]}]
    assert make_ticket(requester, title="Toner empty").team_id == other_team.pk
    edit = client.get(reverse("automation:edit", args=[rule.pk]))
    assert edit.status_code == 200
    assert "printer, toner" in edit.content.decode()


def test_dry_run_on_the_page_writes_nothing(manager, other_team, requester):
    make_ticket(requester, title="Printer jam")
    answer = signed_in(manager).post(reverse("automation:new"), form_data(other_team, dry_run="1"))
    assert answer.status_code == 200
    assert "Printer jam" in answer.content.decode()
    assert not Rule.objects.exists()
    assert not Ticket.objects.filter(team=other_team).exists()


def test_a_bad_row_is_shown_on_it_and_nothing_is_written(manager, other_team):
    data = form_data(other_team, **{"conditions-0-words": ""})
    answer = signed_in(manager).post(reverse("automation:new"), data)
    assert answer.status_code == 422
    assert "Choose at least one value." in answer.content.decode()
    assert not Rule.objects.exists()


def test_toggle_move_delete(manager, other_team, make_rule):
    first = make_rule(name="First", rule_actions=[{"type": "add_tag", "value": "a"}])
    second = make_rule(name="Second", rule_actions=[{"type": "add_tag", "value": "b"}])
    client = signed_in(manager)
    client.post(reverse("automation:toggle", args=[first.pk]))
    assert Rule.objects.get(pk=first.pk).enabled is False
    client.post(reverse("automation:move", args=[second.pk]), {"up": "1"})
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == [
        "Second",
        "First",
    ]
    client.post(reverse("automation:delete", args=[first.pk]))
    assert list(Rule.objects.values_list("name", flat=True)) == ["Second"]
