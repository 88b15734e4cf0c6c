"""Every date and datetime the API takes (found in the OpenAPI document: parameters and body
fields of format date or date-time) answers a 4xx with a message on the field, or follows the
one documented reading (docs/api.md, "Dates"): never a 500. Before core.api.Moment, 30 of 110
such probes answered 500 (naive against aware, years 0001 and 9999 overflowing)."""

from __future__ import annotations

from typing import Any

import pytest

from atiende.api.api import api

from ..changes.factories import make_change
from .conftest import ApiClient

START, END = "2026-11-30T00:00:00Z", "2026-12-02T00:00:00Z"

# A valid request of each operation that takes dates: each probe replaces one date in it.
# {change} is a change the caller may edit (status new).
BASELINES: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/v1/changes/calendar"): {"start": START, "end": END},
    ("get", "/api/v1/blackouts"): {"start": START, "end": END},
    ("get", "/api/v1/change-metrics"): {"start": START, "end": END},
    ("post", "/api/v1/blackouts"): {"name": "Freeze", "starts_at": START, "ends_at": END},
    ("post", "/api/v1/changes"): {"title": "Probe", "planned_start": START, "planned_end": END},
    ("patch", "/api/v1/changes/{change_id}"): {"planned_start": START, "planned_end": END},
    ("post", "/api/v1/articles"): {"title": "Probe", "body": "Text", "language": "en"},
    ("patch", "/api/v1/articles/{article_id}"): {"title": "Probe"},
    ("get", "/api/v1/surveys/summary"): {"start": START, "end": END},
    ("get", "/api/v1/surveys/responses"): {"start": START, "end": END},
    ("get", "/api/v1/reports/report"): {"metric": "created", "start": START, "end": END},
    ("post", "/api/v1/improvement/items"): {
        "title": "Probe", "baseline_start": "2026-11-01", "baseline_end": "2026-12-31",
        "measured_at": START,
    },
    ("patch", "/api/v1/assignment/agents/{user_id}"): {"away_from": START, "away_until": END},
    ("post", "/api/v1/catalogue/requests/{ticket_id}/tasks"): {"title": "Probe", "due_at": START},
    ("patch", "/api/v1/improvement/items/{item_id}"): {
        "baseline_start": "2026-11-01", "baseline_end": "2026-12-31", "measured_at": START,
    },
}  # fmt: skip

ACCEPTED = {
    "date alone": "2026-12-01",
    "naive": "2026-12-01T09:00",
    "naive with seconds": "2026-12-01 09:00:00",
    "aware": "2026-12-01T09:00:00+01:00",
    "utc": "2026-12-01T09:00:00Z",
}
REFUSED = {
    "year 0001": "0001-01-01",
    "year 0001 aware": "0001-01-01T00:00:00Z",
    "year 9999": "9999-12-31",
    "year 9999 aware": "9999-12-31T23:59:59-05:00",
    "impossible month": "2026-13-45",
    "30 February": "2026-02-30",
    "garbage": "garbage",
    "offset of 99 hours": "2026-12-01T09:00:00+99:00",
    "huge": "9" * 20_000,
    "huge date": "2026-12-01T09:00:00." + "1" * 20_000,
    "empty": "",
}
# The far ends of the allowed years, given in the time zones furthest from UTC: they must not
# overflow; the operation may still refuse them for its own reasons (a range too long).
EDGES = {
    "1900 east": "1900-01-01T00:00:00+14:00",
    "2999 west": "2999-12-31T23:59:59-12:00",
    "1900 naive": "1900-01-01T00:00",
    "2999 naive": "2999-12-31T23:59:59",
}
BODY_ONLY = {"number": 20261201, "list": ["2026-12-01"], "null": None}


def _date_fields(schema: dict, components: dict) -> list[str]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if schema.get("format") in ("date", "date-time"):
        return [""]
    found = [f for key in ("anyOf", "oneOf", "allOf") for s in schema.get(key, [])
             for f in _date_fields(s, components)]  # fmt: skip
    for name, sub in schema.get("properties", {}).items():
        found += [name for f in _date_fields(sub, components) if f == ""]
    return found


def date_inputs() -> list[tuple[str, str, str, str]]:
    """(method, path, "query" or "body", field) of every date input in the OpenAPI document."""
    doc = api.get_openapi_schema()
    components = doc.get("components", {}).get("schemas", {})
    found = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and _date_fields(parameter["schema"], components):
                    found.append((method, path, "query", parameter["name"]))
                if parameter["in"] == "path" and _date_fields(parameter["schema"], components):
                    found.append((method, path, "path", parameter["name"]))
            body = operation.get("requestBody", {}).get("content", {})
            for content in body.values():
                for name in _date_fields(content.get("schema", {}), components):
                    found.append((method, path, "body", name))
    return sorted(set(found))


INPUTS = date_inputs()


def test_the_probes_know_every_operation_that_takes_a_date():
    # A new date parameter fails here until it is given a baseline above, and so is probed.
    assert {(m, p) for m, p, _w, _f in INPUTS} == set(BASELINES)
    assert len(INPUTS) >= 12


def _send(user, method: str, path: str, where: str, field: str, value: Any):
    client = ApiClient(user)
    data = dict(BASELINES[(method, path)])
    if "{change_id}" in path:
        change = make_change(user)
        path = path.replace("{change_id}", str(change.pk))
        data["version"] = change.version
    if "{article_id}" in path:
        from atiende.knowledge.actions import article_create

        article = article_create(actor=user, title="Probe", body="Text", language="en")
        path = path.replace("{article_id}", str(article.pk))
    if "/improvement/items/{item_id}" in path:
        from atiende.improvement.actions import item_create

        item = item_create(actor=user, title="Probe")
        path = path.replace("{item_id}", str(item.pk))
    if "/catalogue/requests/{ticket_id}" in path:  # an open service request, a task added
        from ..factories import RequesterFactory, make_ticket

        team_id = user.teams.values_list("pk", flat=True).first()
        ticket = make_ticket(RequesterFactory(), actor=user, kind="request", team_id=team_id)
        path = path.replace("{ticket_id}", str(ticket.pk))
        data["team"] = team_id
    if "{user_id}" in path:  # the caller's own availability
        path = path.replace("{user_id}", str(user.pk))
    data[field] = value
    path = path.removeprefix("/api/v1")
    if method == "get":
        return client.get(path, {k: v for k, v in data.items() if v is not None})
    return getattr(client, method)(path, data)


@pytest.fixture
def caller(manager):
    # Far from UTC: a naive date read in it moves the furthest.
    manager.time_zone = "Pacific/Kiritimati"
    manager.save(update_fields=["time_zone"])
    return manager


def _probes(values: dict[str, Any], *, body_only: dict[str, Any] | None = None):
    return [
        pytest.param(m, p, w, f, v, id=f"{m} {p} {f}: {name}")
        for m, p, w, f in INPUTS
        for name, v in {**values, **(body_only or {} if w == "body" else {})}.items()
    ]


@pytest.mark.parametrize(("method", "path", "where", "field", "value"), _probes(ACCEPTED))
def test_dates_in_the_documented_forms_are_read(caller, method, path, where, field, value):
    response = _send(caller, method, path, where, field, value)
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(
    ("method", "path", "where", "field", "value"), _probes(REFUSED, body_only=BODY_ONLY)
)
def test_anything_else_is_a_422_on_the_field(caller, method, path, where, field, value):
    response = _send(caller, method, path, where, field, value)
    if value is None and method == "patch" and "/changes/" in path:
        # null clears a PATCHed window: refused only because the other end remains
        assert response.status_code == 422, response.content
        return
    if value is None:
        assert response.status_code in (200, 201, 422), response.content
        return
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"], body
    assert all(message.strip() for message in body["errors"][field])


@pytest.mark.parametrize(("method", "path", "where", "field", "value"), _probes(EDGES))
def test_the_ends_of_the_allowed_years_never_overflow(caller, method, path, where, field, value):
    response = _send(caller, method, path, where, field, value)
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response.json()["errors"], response.content
