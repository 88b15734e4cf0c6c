"""The OpenAPI document describes the whole contract of DESIGN.md, answers included."""

from __future__ import annotations

from django.test import Client

CONTRACT = {
    "/api/v1/me": {"get"},
    "/api/v1/me/tokens": {"get", "post"},
    "/api/v1/me/tokens/{token_id}": {"delete"},
    "/api/v1/tickets": {"get", "post"},
    "/api/v1/tickets/{ticket_id}": {"get", "patch"},
    "/api/v1/tickets/{ticket_id}/transition": {"post"},
    "/api/v1/tickets/{ticket_id}/comments": {"get", "post"},
    "/api/v1/tickets/{ticket_id}/events": {"get"},
    "/api/v1/tickets/{ticket_id}/attachments": {"post"},
    "/api/v1/attachments/{attachment_id}": {"get"},
    "/api/v1/categories": {"get"},
    "/api/v1/teams": {"get"},
    "/api/v1/resolution-codes": {"get"},
}


def test_openapi_document_lists_every_contract_path_with_responses(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    for path, methods in CONTRACT.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        for method in methods:
            responses = paths[path][method]["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, (path, method)
            assert "401" in responses, (path, method)
            for code, answer in responses.items():
                if code != "204":
                    assert answer.get("content"), (path, method, code)
    schemes = document["components"]["securitySchemes"]
    assert {"TokenAuth", "ActiveSessionAuth"} <= set(schemes)


def test_ticket_schema_has_the_contract_fields(db):
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    ticket = set(schemas["TicketOut"]["properties"])
    assert {
        "id", "number", "kind", "title", "description", "status", "impact", "urgency",
        "priority", "requester", "assignee", "team", "category", "created_at", "updated_at",
        "version",
    } <= ticket  # fmt: skip
    assert schemas["TicketPatchIn"]["additionalProperties"] is False
    assert "version" in schemas["TicketPatchIn"]["required"]
    assert set(schemas["ErrorOut"]["properties"]) == {"detail", "errors"}


def test_interactive_docs_are_served_from_our_own_static_files(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200
