"""The change pages: list with filters and metrics, new change, the change page with its
panels, transitions, risk questionnaire, approvals (page and "My approvals"), review, and
requesters getting 404."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from atiende.changes import actions
from atiende.changes.models import Approval, ChangeDetails
from atiende.core import clock
from atiende.tickets.models import Ticket, TicketEvent

from .factories import END, START, answer_all, make_change, make_template


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, *args):
    return reverse(f"changes:{name}", args=args)


def test_requesters_get_404_everywhere(requester, agent):
    ticket = make_change(agent)
    client = client_for(requester)
    for path in (url("list"), url("new"), url("approvals"), url("change", ticket.number),
                 url("risk", ticket.number)):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert client.post(url("transition", ticket.number), {"to": "assessment"}).status_code == 404


def test_anonymous_is_sent_to_login(db):
    response = Client().get(url("list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_list_filters_and_metrics(agent, django_assert_max_num_queries):
    start = clock.now() - timedelta(days=1)
    window = {"planned_start": start, "planned_end": start + timedelta(hours=1)}
    for index in range(6):
        make_change(agent, title=f"Normal {index}", implementer_id=agent.pk, **window)
    make_change(agent, title="Hotfix the firewall", change_type="emergency", **window)
    client = client_for(agent)
    client.get(url("list"))
    with django_assert_max_num_queries(14):
        response = client.get(url("list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hotfix the firewall" in body and "Normal 5" in body
    assert "Emergency changes" in body and "14 %" in body  # 1 of 7
    response = client.get(url("list"), {"type": "emergency"})
    body = response.content.decode()
    assert "Hotfix the firewall" in body and "Normal 5" not in body
    assert client.get(url("list"), {"status": "nonsense"}).status_code == 422


def test_new_change_form(agent, team):
    client = client_for(agent)
    page = client.get(url("new")).content.decode()
    for name in ("change_type", "title", "implementation_plan", "backout_plan", "planned_start"):
        assert f'<label for="id_{name}">' in page
    response = client.post(
        url("new"),
        {"change_type": "normal", "title": "Move the DNS", "impact": 2, "urgency": 2,
         "implementation_plan": "Move", "backout_plan": "Move back", "team": team.pk,
         "planned_start": "2026-12-08T22:00", "planned_end": "2026-12-08T23:00"},
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == url("change", ticket.number)
    assert ticket.change.planned_end > ticket.change.planned_start


def test_new_change_errors_are_shown_on_fields(agent):
    client = client_for(agent)
    response = client.post(
        url("new"),
        {"change_type": "standard", "title": "x", "impact": 3, "urgency": 3,
         "planned_start": "2026-12-08T22:00"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "A standard change is made from a template" in response.content.decode()
    assert not Ticket.objects.exists()


def test_change_page_walkthrough(agent, change_manager):
    ticket = make_change(agent, planned_start=START, planned_end=END)
    client = client_for(agent)
    page = client.get(url("change", ticket.number))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Restore the VM snapshots." in body and "Not assessed yet." in body
    assert "Move to “Assessment”" in body

    assert (
        client.post(
            url("transition", ticket.number), {"to": "assessment", "version": ticket.version}
        ).status_code
        == 302
    )
    refused = client.post(url("transition", ticket.number), {"to": "authorisation"})
    assert refused.status_code == 422 and "Assess the risk first." in refused.content.decode()

    risk_page = client.get(url("risk", ticket.number)).content.decode()
    assert "How critical is the affected service" in risk_page
    bad = client.post(url("risk", ticket.number), {})
    assert bad.status_code == 422 and "Choose an answer." in bad.content.decode()
    answers = {f"q{q}": c for q, c in answer_all("medium").items()}
    assert client.post(url("risk", ticket.number), answers).status_code == 302
    body = client.get(url("change", ticket.number)).content.decode()
    assert "score 6" in body and "+3" in body

    client.post(url("transition", ticket.number), {"to": "authorisation"})
    approval = Approval.objects.get()
    manager = client_for(change_manager)
    mine = manager.get(url("approvals")).content.decode()
    assert ticket.number in mine and "Approve" in mine
    page = manager.get(url("change", ticket.number)).content.decode()
    assert "Your decision" in page
    refused = manager.post(url("approval_decide", approval.pk), {"decision": "reject"})
    assert (
        refused.status_code == 422 and "Say why the change is rejected." in refused.content.decode()
    )
    approved = manager.post(
        url("approval_decide", approval.pk),
        {"decision": "approve", "comment": "OK", "next": url("approvals")},
    )
    assert approved.status_code == 302 and approved["Location"] == url("approvals")
    # The requester of the change sees no decision form, and cannot use someone else's.
    assert (
        client.post(url("approval_decide", approval.pk), {"decision": "approve"}).status_code == 404
    )

    for status in ("scheduled", "implementing", "review"):
        response = client.post(url("transition", ticket.number), {"to": status})
        assert response.status_code == 302, response.content.decode()[:500]
    body = client.get(url("change", ticket.number)).content.decode()
    assert "Post-implementation review" in body
    assert client.post(url("review", ticket.number), {"outcome": "failure"}).status_code == 422
    assert client.post(url("review", ticket.number), {"outcome": "success"}).status_code == 302
    assert client.post(url("transition", ticket.number), {"to": "closed"}).status_code == 302
    body = client.get(url("change", ticket.number)).content.decode()
    assert "This change is finished." in body
    # The timeline reads in words.
    assert "Approvals complete" in body


def test_edit_panel_saves_and_detects_stale_versions(agent):
    ticket = make_change(agent)
    client = client_for(agent)
    data = {"version": ticket.version, "title": ticket.title, "change_type": "normal",
            "reason": "New reason", "implementation_plan": ticket.change.implementation_plan,
            "backout_plan": ticket.change.backout_plan, "test_plan": ticket.change.test_plan,
            "description": "", "planned_start": "2026-12-08T22:00",
            "planned_end": "2026-12-09T01:00", "implementer": agent.pk, "team": "", "assignee": ""}  # fmt: skip
    response = client.post(url("edit", ticket.number), data)
    assert response.status_code == 302
    details = ChangeDetails.objects.get(pk=ticket.pk)
    assert details.reason == "New reason" and details.implementer == agent
    stale = client.post(url("edit", ticket.number), {**data, "reason": "Other"})
    assert stale.status_code == 409 and "Someone else changed this change" in stale.content.decode()
    bad = client.post(url("edit", ticket.number), {**data, "version": ticket.version + 1 + 1,
                                                    "planned_end": "2026-12-08T21:00"})  # fmt: skip
    assert bad.status_code in (409, 422)


def test_standard_template_prefills_the_form(agent):
    template = make_template()
    page = client_for(agent).get(url("new"), {"template": template.pk}).content.decode()
    assert f'<option value="{template.pk}" selected>' in page


def test_failed_change_asks_for_a_comment(agent):
    template = make_template()
    ticket = make_change(agent, change_type="standard", template_id=template.pk,
                         planned_start=START, planned_end=END)  # fmt: skip
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="scheduled")
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="implementing")
    client = client_for(agent)
    response = client.post(url("transition", ticket.number), {"to": "failed"})
    assert response.status_code == 422
    assert "Describe what failed" in response.content.decode()
    ok = client.post(url("transition", ticket.number), {"to": "failed", "comment": "Rolled back"})
    assert ok.status_code == 302
    assert TicketEvent.objects.filter(ticket=ticket, new_value="failed").exists()


def test_pages_speak_the_agents_language(agent, change_manager):
    agent.language = "es"
    agent.save()
    ticket = make_change(agent)
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="assessment")
    actions.risk_assess(actor=agent, ticket_id=ticket.pk, answers=answer_all("medium"))
    client = client_for(agent)
    body = client.get(url("change", ticket.number)).content.decode()
    assert "Plan de implementación" in body and "Plan de marcha atrás" in body
    assert "¿A cuántas personas afectaría si el cambio saliera mal?" in body  # risk reasons
    assert "Pasar a «" in body
    listing = client.get(url("list")).content.decode()
    assert "Tasa de éxito" in listing and "Mis aprobaciones" in listing


def test_a_change_opened_as_a_plain_ticket_has_a_page(agent, desk_default_team):
    from atiende.tickets import actions as ticket_actions

    ticket = ticket_actions.ticket_create(
        actor=agent, title="Swap the UPS batteries", kind="change"
    )
    client = client_for(agent)
    page = client.get(url("change", ticket.number))
    assert page.status_code == 200 and "Not assessed yet." in page.content.decode()
    api = client.get(f"/api/v1/changes/{ticket.number}")
    assert api.status_code == 200 and api.json()["change_type"] == "normal"
    assert not ChangeDetails.objects.filter(ticket=ticket).exists()  # reads never write


def test_links_are_managed_from_the_change_page(agent, requester, desk_default_team):
    from atiende.tickets import actions as ticket_actions
    from atiende.tickets.models import TicketLink

    change = make_change(agent)
    incident = ticket_actions.ticket_create(actor=requester, title="Mail is slow")
    client = client_for(agent)
    missing = client.post(
        url("link_add", change.number), {"link_type": "related", "other": "INC-999"}
    )
    assert missing.status_code == 422 and "No such ticket." in missing.content.decode()
    added = client.post(
        url("link_add", change.number), {"link_type": "related", "other": incident.number}
    )
    assert added.status_code == 302
    link = TicketLink.objects.get()
    body = client.get(url("change", change.number)).content.decode()
    assert incident.number in body and "Mail is slow" in body
    removed = client.post(url("link_remove", change.number, link.pk))
    assert removed.status_code == 302 and not TicketLink.objects.exists()


def test_affected_items_and_impacted_services(agent):
    from atiende.cmdb.models import TicketItem

    from ..cmdb.factories import ItemFactory, ServiceFactory, relate

    server = ItemFactory(name="db-01")
    service = ServiceFactory(name="Payroll")
    relate(service, "depends_on", server)
    change = make_change(agent)
    client = client_for(agent)
    unknown = client.post(url("item_add", change.number), {"item": "nope-99"})
    assert (
        unknown.status_code == 422
        and "No service or item has this name" in unknown.content.decode()
    )
    assert client.post(url("item_add", change.number), {"item": "DB-01"}).status_code == 302
    body = client.get(url("change", change.number)).content.decode()
    assert "db-01" in body and "Impacted services" in body and "Payroll" in body
    removed = client.post(url("item_remove", change.number, server.pk))
    assert removed.status_code == 302 and not TicketItem.objects.exists()


def test_the_desk_ticket_page_of_a_change_offers_the_change_page_not_incident_moves(
    agent, desk_default_team
):
    change = make_change(agent)
    page = client_for(agent).get(f"/desk/tickets/{change.number}/").content.decode()
    assert "Open the change page" in page
    assert f'href="/changes/{change.number}/"' in page
    assert "Resolve…" not in page and 'name="to"' not in page
