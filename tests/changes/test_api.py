"""The changes API: lifecycle, versions, risk, approvals, review, metrics, errors, access."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.changes.models import Approval

from ..api.conftest import ApiClient, assert_error
from .factories import END, START, answer_all, make_change, make_template, to_authorisation


@pytest.fixture
def api():
    return ApiClient


def test_create_get_patch_and_list(api, agent, team):
    client = api(agent)
    response = client.post(
        "/changes",
        {
            "title": "Replace the core switch",
            "reason": "End of life",
            "implementation_plan": "Swap it",
            "backout_plan": "Swap it back",
            "planned_start": START.isoformat(),
            "planned_end": END.isoformat(),
            "implementer": agent.pk,
            "team": team.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("CHG-") and body["status"] == "new"
    assert body["change_type"] == "normal" and body["implementer"]["id"] == agent.pk
    assert body["transitions"] == ["assessment", "cancelled"]
    assert body["risk"] == {"level": "", "score": None, "assessed_at": None, "reasons": []}

    got = client.get(f"/changes/{body['number'].lower()}")
    assert got.status_code == 200 and got.json()["id"] == body["id"]

    stale = client.patch(f"/changes/{body['id']}", {"version": 0, "reason": "x"})
    body409 = assert_error(stale, 409)
    assert body409["current_version"] == body["version"]
    patched = client.patch(
        f"/changes/{body['id']}", {"version": body["version"], "reason": "Vendor support ends"}
    )
    assert patched.status_code == 200 and patched.json()["reason"] == "Vendor support ends"

    listed = client.get("/changes", {"type": "normal", "status": "new"})
    assert [c["id"] for c in listed.json()["items"]] == [body["id"]]
    assert client.get("/changes", {"type": "emergency"}).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "change_type": "weird"}, "change_type"),
        ({"title": "x", "change_type": "standard"}, "template"),
        ({"title": "x", "planned_start": "2026-01-01T10:00:00Z"}, "planned_end"),
        ({"title": "x", "planned_start": "not a date"}, None),
        ({"title": "x", "unknown": 1}, None),
    ],
)
def test_bad_input_is_422(api, agent, body, field):
    assert_error(api(agent).post("/changes", body), 422, field)


def test_bad_filters_and_ids(api, agent):
    client = api(agent)
    assert_error(client.get("/changes", {"status": "sideways"}), 422, "status")
    assert_error(client.get("/changes", {"risk": "huge"}), 422, "risk")
    assert_error(client.get("/changes", {"cursor": "garbage"}), 422, "cursor")
    assert_error(client.get("/changes/INC-000001"), 404)
    assert_error(client.get("/changes/99999999999999999999"), 422, "change_id")
    assert_error(
        client.post("/approvals/abc/decision", {"decision": "approve"}), 422, "approval_id"
    )


def test_requesters_and_strangers_get_404(api, agent, requester, other_agent, team):
    ticket = make_change(agent, team_id=team.pk)
    assert_error(api(requester).get(f"/changes/{ticket.pk}"), 404)
    assert_error(api(requester).get("/changes"), 404)
    assert_error(api(requester).post("/changes", {"title": "x"}), 404)
    assert_error(api(requester).get("/approvals"), 404)
    assert_error(api(other_agent).get(f"/changes/{ticket.pk}"), 404)
    assert_error(
        api(other_agent).post(f"/changes/{ticket.pk}/transition", {"to": "assessment"}), 404
    )


def test_transition_risk_approve_schedule_review_close(
    api, agent, change_manager, desk_default_team, requester
):
    client = api(agent)
    ticket = make_change(agent, planned_start=START, planned_end=END)
    assert client.post(f"/changes/{ticket.pk}/transition", {"to": "assessment"}).status_code == 200
    refused = client.post(f"/changes/{ticket.pk}/transition", {"to": "authorisation"})
    assert assert_error(refused, 422, "to")["errors"]["to"] == ["Assess the risk first."]
    answers = {str(k): v for k, v in answer_all("medium").items()}
    risk = client.post(f"/changes/{ticket.pk}/risk", {"answers": answers})
    assert risk.status_code == 200, risk.content
    assert risk.json()["risk"]["level"] == "medium" and len(risk.json()["risk"]["reasons"]) == 2
    body = client.post(f"/changes/{ticket.pk}/transition", {"to": "authorisation"}).json()
    assert body["approvals"][0]["required"] == 1 and not body["approvals_satisfied"]
    assert_error(client.post(f"/changes/{ticket.pk}/transition", {"to": "scheduled"}), 422, "to")

    approvals = api(change_manager).get("/approvals").json()
    assert approvals["count"] == 1 and approvals["items"][0]["change"]["id"] == ticket.pk
    approval_id = approvals["items"][0]["id"]
    assert_error(client.post(f"/approvals/{approval_id}/decision", {"decision": "approve"}), 403)
    decided = api(change_manager).post(
        f"/approvals/{approval_id}/decision", {"decision": "approve", "comment": "Go"}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert api(change_manager).get("/approvals").json()["items"] == []
    assert api(change_manager).get("/approvals", {"pending": "false"}).json()["count"] == 1

    for status in ("scheduled", "implementing", "review"):
        response = client.post(f"/changes/{ticket.pk}/transition", {"to": status})
        assert response.status_code == 200, response.content
    from atiende.tickets import actions as ticket_actions

    broken = ticket_actions.ticket_create(actor=requester, title="Mail is down")
    review = client.post(
        f"/changes/{ticket.pk}/review",
        {"outcome": "partial", "notes": "Mail down 10 min", "caused_incidents": [broken.number]},
    )
    assert review.status_code == 200, review.content
    assert review.json()["review"]["outcome"] == "partial"
    assert broken.links_out.get().to_ticket_id == ticket.pk
    closed = client.post(f"/changes/{ticket.pk}/transition", {"to": "closed"})
    assert closed.json()["status"] == "closed" and closed.json()["transitions"] == []

    approvals = client.get(f"/changes/{ticket.pk}/approvals").json()
    assert [a["status"] for a in approvals] == ["approved"]

    metrics = client.get("/change-metrics", {"start": (START - timedelta(days=400)).isoformat(),
                                             "end": (END + timedelta(days=400)).isoformat()})  # fmt: skip
    assert metrics.status_code == 200
    assert metrics.json()["reviewed"] == 1 and metrics.json()["success_rate"] == 0.0


def test_rejection_with_comment_rejects_the_change(api, agent, change_manager):
    ticket = make_change(agent)
    to_authorisation(agent, ticket, "medium")
    approval = Approval.objects.get()
    manager = api(change_manager)
    assert_error(
        manager.post(f"/approvals/{approval.pk}/decision", {"decision": "reject"}), 422, "comment"
    )
    assert_error(
        manager.post(f"/approvals/{approval.pk}/decision", {"decision": "maybe"}), 422, "decision"
    )
    response = manager.post(
        f"/approvals/{approval.pk}/decision", {"decision": "reject", "comment": "No backout test"}
    )
    assert response.status_code == 200
    assert api(agent).get(f"/changes/{ticket.pk}").json()["status"] == "rejected"
    again = manager.post(f"/approvals/{approval.pk}/decision", {"decision": "approve"})
    assert_error(again, 422, "decision")


def test_risk_questions_and_bad_answers(api, agent, change):
    questions = api(agent).get("/risk-questions").json()
    assert len(questions) == 6 and questions[0]["choices"][0]["weight"] == 0
    response = api(agent).post(f"/changes/{change.pk}/risk", {"answers": {"1": 1}})
    assert_error(response, 422)
    response = api(agent).post(f"/changes/{change.pk}/risk", {"answers": {"x": 1}})
    assert_error(response, 422, "answers")


def test_standard_change_via_template(api, agent):
    template = make_template()
    response = api(agent).post(
        "/changes",
        {"title": "Restart app01", "change_type": "standard", "template": template.pk,
         "planned_start": START.isoformat(), "planned_end": END.isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["template"]["id"] == template.pk and "scheduled" in body["transitions"]
    scheduled = api(agent).post(f"/changes/{body['id']}/transition", {"to": "scheduled"})
    assert scheduled.json()["status"] == "scheduled"


def test_lists_do_not_query_per_row(api, agent, django_assert_max_num_queries, change_manager):
    for index in range(8):
        ticket = make_change(agent, title=f"Change {index}", implementer_id=agent.pk)
        to_authorisation(agent, ticket, "medium")
    client = api(agent)
    manager = api(change_manager)
    client.get("/changes")  # warm caches (token lookup, translations)
    with django_assert_max_num_queries(8):
        response = client.get("/changes")
    assert len(response.json()["items"]) == 8
    manager.get("/approvals")
    with django_assert_max_num_queries(8):
        response = manager.get("/approvals")
    assert response.json()["count"] == 8


def test_openapi_describes_the_changes_api(api, agent):
    document = api(agent).get("/openapi.json").json()
    for path in ("/api/v1/changes", "/api/v1/changes/{change_id}", "/api/v1/approvals",
                 "/api/v1/changes/{change_id}/transition", "/api/v1/changes/{change_id}/risk",
                 "/api/v1/changes/{change_id}/review", "/api/v1/approvals/{approval_id}/decision",
                 "/api/v1/changes/{change_id}/approvals"):  # fmt: skip
        assert path in document["paths"], path
    assert "ChangeOut" in document["components"]["schemas"]


def test_templates_are_listed_for_agents(api, agent, requester):
    template = make_template(description="Pre-approved restart")
    body = api(agent).get("/change-templates").json()
    assert [t["id"] for t in body] == [template.pk] and body[0]["risk_level"] == "low"
    assert_error(api(requester).get("/change-templates"), 404)
