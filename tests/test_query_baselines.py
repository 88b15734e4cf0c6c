"""The queries of each main page and API list, against counts recorded per database
(tests/query_baselines.py): a change in the number fails and prints the statements.

Each page is asked once to warm the per-process caches (desk settings, SLA policies, content
types), then counted. The data is small but has every kind of row the page shows, so a query
added per row shows up as a changed count here and as a growing one in the tests that add
rows (tests/web, tests/changes, ...)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from atiende.cmdb.models import TicketItem
from atiende.mail.models import InboundMessage, InboundStatus, Mailbox
from atiende.tickets import actions

from .api.conftest import ApiClient
from .changes.calendar_support import T0, make_change, small_estate
from .changes.factories import make_change as raise_change
from .factories import CategoryFactory, make_ticket
from .query_baselines import VENDORS, load, query_baseline


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _counted(name: str, client, path: str, params=None) -> None:
    assert client.get(path, params or {}).status_code == 200  # warm the caches
    with query_baseline(name):
        response = client.get(path, params or {})
    assert response.status_code == 200


@pytest.fixture
def tickets(requester, other_requester, agent, other_agent, desk_default_team):
    """Tickets of two requesters, assigned or not, with a category, a reply, a note and a link."""
    category = CategoryFactory(name="Laptops")
    made = [
        make_ticket(requester, title="Printer jam", category_id=category.pk),
        make_ticket(other_requester, actor=agent, title="VPN drops", assignee_id=agent.pk),
        make_ticket(requester, title="New laptop", kind="request"),
    ]
    first = made[0]
    actions.comment_add(actor=agent, ticket_id=first.pk, body="Looking into it.")
    actions.comment_add(actor=agent, ticket_id=first.pk, body="Toner?", public=False)
    actions.comment_add(actor=requester, ticket_id=first.pk, body="Still jammed.")
    actions.ticket_link_add(actor=agent, ticket_id=first.pk, other=made[1].pk)
    return made


def test_desk_queue(agent, tickets):
    _counted("desk queue", _client(agent), reverse("desk:queue"), {"view": "open"})


def test_desk_ticket_page(agent, tickets):
    _counted("desk ticket page", _client(agent), reverse("desk:ticket", args=[tickets[0].number]))


def test_portal_list(requester, tickets):
    _counted("portal list", _client(requester), reverse("portal:home"))


def test_portal_ticket_page(requester, tickets):
    path = reverse("portal:ticket", args=[tickets[0].number])
    _counted("portal ticket page", _client(requester), path)


def test_api_ticket_list(agent, tickets):
    client = ApiClient(agent)
    client.get("/me")  # the token's first use records last_used_at
    _counted("api ticket list", client, "/tickets", {"limit": 25})


def test_api_ticket_detail(agent, tickets):
    client = ApiClient(agent)
    client.get("/me")
    _counted("api ticket detail", client, f"/tickets/{tickets[0].pk}")


@pytest.fixture
def estate(db):
    return small_estate()


@pytest.fixture
def changes(agent, estate):
    with time_machine.travel(T0, tick=False):
        made = [
            raise_change(agent, title="Upgrade the mail servers"),
            raise_change(agent, title="Hotfix the firewall", change_type="emergency"),
        ]
        TicketItem.objects.create(ticket=made[0], item=estate["erp_db"], created_at=T0)
    return made


def test_change_list(agent, changes):
    with time_machine.travel(T0, tick=False):
        _counted("change list", _client(agent), reverse("changes:list"))


def test_change_page(agent, changes):
    path = reverse("changes:change", args=[changes[0].number])
    with time_machine.travel(T0, tick=False):
        _counted("change page", _client(agent), path)


def test_change_calendar_month(agent, estate):
    with time_machine.travel(T0, tick=False):
        for n in range(4):
            make_change(agent, title=f"Patch {n}", items=[estate["erp_db"], estate["host1"]])
        _counted("change calendar month", _client(agent), "/changes/calendar/",
                 {"date": T0.date().isoformat()})  # fmt: skip


def test_cmdb_item_page(agent, requester, desk_default_team, estate):
    for n in range(3):
        ticket = make_ticket(requester, title=f"Host down {n}")
        TicketItem.objects.create(ticket=ticket, item=estate["host1"], created_at=ticket.created_at)
    _counted("cmdb item page", _client(agent), reverse("cmdb:item", args=[estate["host1"].pk]))


def test_mail_failed_list(manager, team):
    mailbox = Mailbox.objects.create(
        name="soporte", address="soporte@example.com", is_default=True, default_team=team
    )
    for i in range(3):
        InboundMessage.objects.create(
            mailbox=mailbox, message_id=f"m{i}@x", raw=b"x", received_at=timezone.now(),
            status=InboundStatus.FAILED, error="boom",
        )  # fmt: skip
    _counted("mail failed list", _client(manager), "/mail/")


@pytest.fixture
def articles(agent, manager, requester):
    from atiende.knowledge import actions as kb

    category = CategoryFactory(name="Printers")
    made = []
    for i, audience in enumerate(["public", "requesters", "agents", "requesters"]):
        article = kb.article_create(
            actor=agent,
            title=f"Printer tip {i}",
            body="Restart the printer queue.",
            language="en",
            audience=audience,
            category_id=category.pk,
            tags=["printing", f"tip{i}"],
        )
        made.append(kb.article_transition(actor=manager, article_id=article.pk, to="published"))
    return made


def test_knowledge_desk_list(agent, articles):
    _counted("knowledge desk list", _client(agent), reverse("knowledge_desk:list"))


def test_knowledge_portal_home(requester, articles):
    _counted("knowledge portal home", _client(requester), reverse("knowledge:home"))


def test_knowledge_portal_search(requester, articles):
    _counted(
        "knowledge portal search", _client(requester), reverse("knowledge:search"), {"q": "printer"}
    )


def test_knowledge_suggestions(requester, articles):
    _counted(
        "knowledge suggestions",
        _client(requester),
        reverse("knowledge:suggest"),
        {"title": "printer queue", "description": "stuck"},
    )


def test_api_article_list(agent, articles):
    client = ApiClient(agent)
    assert client.get("/articles").status_code == 200
    with query_baseline("api article list"):
        assert client.get("/articles").status_code == 200


def test_every_baseline_is_recorded_on_both_databases():
    for name, counts in load().items():
        assert sorted(counts) == sorted(VENDORS), f"{name}: recorded on {sorted(counts)} only"


def test_reports_page(agent, tickets):
    params = {"metric": "resolution_wall", "dimension": "team"}
    _counted("reports page", _client(agent), reverse("reports:page"), params)


def test_api_report(agent, tickets):
    client = ApiClient(agent)
    client.get("/me")
    _counted("api report", client, "/reports/report", {"metric": "created", "dimension": "agent"})


def test_reports_drill_page(agent, tickets):
    params = {"metric": "created", "dimension": "team", "key": "all"}
    _counted("reports drill page", _client(agent), reverse("reports:drill"), params)


@pytest.fixture
def webhook_log(manager, desk_default_team, requester, settings):
    """A manager's two webhooks and a log of five deliveries of several outcomes."""
    from atiende.core import clock
    from atiende.webhooks import actions as webhook_actions
    from atiende.webhooks.models import WebhookDelivery

    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    hook, _ = webhook_actions.webhook_create(
        actor=manager, name="Chat", url="http://127.0.0.1:9/hook", events=["ticket.created"]
    )
    webhook_actions.webhook_create(
        actor=manager, name="ERP", url="http://127.0.0.1:9/erp", events=["ticket.updated"]
    )
    ticket = make_ticket(requester)
    now = clock.now()
    for n, status in enumerate(["delivered", "failed", "gave_up", "pending", "delivered"]):
        WebhookDelivery.objects.create(
            webhook=hook, event_id=f"00000000-0000-0000-0000-00000000000{n}",
            event_type="ticket.created", ticket_id=ticket.pk, payload={"n": n}, status=status,
            response_code=200 if status == "delivered" else 500, next_attempt_at=now,
            created_at=now,
        )  # fmt: skip
    return hook


def test_webhooks_page(manager, webhook_log):
    _counted("webhooks page", _client(manager), reverse("webhooks:list"))


def test_webhook_page(manager, webhook_log):
    path = reverse("webhooks:detail", args=[webhook_log.pk])
    _counted("webhook page", _client(manager), path)


def test_api_webhook_deliveries(manager, webhook_log):
    client = ApiClient(manager)
    client.get("/me")
    _counted("api webhook deliveries", client, f"/webhooks/{webhook_log.pk}/deliveries")


@pytest.fixture
def rules(manager, team):
    from atiende.automation import actions as automation_actions

    for n in range(6):
        automation_actions.rule_create(
            actor=manager,
            data={
                "name": f"Rule {n}",
                "trigger": ["created", "updated", "scheduled"][n % 3],
                "conditions": [{"field": "team", "op": "in", "values": [str(team.pk)]}],
                "actions": [{"type": "add_tag", "value": f"t{n}"}],
                "wait": 2,
            },
        )


def test_automation_page(manager, rules):
    _counted("automation page", _client(manager), reverse("automation:list"))


def test_api_automation_rules(manager, rules):
    client = ApiClient(manager)
    client.get("/me")
    _counted("api automation rules", client, "/automation/rules")


@pytest.fixture
def macros(agent, manager, team, tickets):
    from atiende.accounts.models import TeamMembership
    from atiende.automation import actions as automation_actions

    TeamMembership.objects.filter(user=agent, team=team).update(is_lead=True)
    for n, (owner, scope) in enumerate(
        [(agent, "personal"), (agent, "personal"), (manager, "team"), (manager, "global")] * 2
    ):
        automation_actions.macro_create(
            actor=owner,
            data={
                "name": f"Macro {n}",
                "scope": scope,
                "team": team.pk,
                "actions": [{"type": "add_tag", "value": f"m{n}"}],
            },
        )
    for ticket in tickets:
        automation_actions.tag_add(actor=agent, ticket_id=ticket.pk, name="vip")


def test_macro_page(agent, macros):
    _counted("macro page", _client(agent), reverse("automation:macros"))


def test_api_macros(agent, macros):
    client = ApiClient(agent)
    client.get("/me")
    _counted("api macros", client, "/automation/macros")


def test_desk_ticket_page_with_macros_and_tags(agent, tickets, macros):
    path = reverse("desk:ticket", args=[tickets[0].number])
    _counted("desk ticket page with macros and tags", _client(agent), path)


def test_desk_queue_by_tag(agent, tickets, macros):
    _counted(
        "desk queue by tag", _client(agent), reverse("desk:queue"), {"view": "open", "tag": "vip"}
    )


def test_dashboard_page(manager, tickets):
    _counted("dashboard page", _client(manager), reverse("reports:dashboard"), {"days": 90})


def test_dashboard_page_of_an_agent(agent, tickets):
    _counted("dashboard page (agent)", _client(agent), reverse("reports:dashboard"))


def test_agent_home(agent, tickets):
    _counted("agent home", _client(agent), reverse("agent_home"))
