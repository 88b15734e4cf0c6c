"""The contract every router keeps, checked per router over every operation of the OpenAPI
document (a router added later is covered without a new test):
- no credentials: 401 with the error body;
- a well-formed id that names nothing the caller may see: 404 (denied looks like missing);
- a malformed or oversized id in the path: 422 on that parameter, never a 404 or a 500;
- each of those answers is documented in the operation's responses."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from atiende.api.api import api
from atiende.core.ids import MAX_ID

from .conftest import BASE

SCHEMA = api.get_openapi_schema()
OPERATIONS = [
    (op["tags"][0], method.upper(), path, op)
    for path, methods in SCHEMA["paths"].items()
    for method, op in methods.items()
]
ROUTERS = sorted({tag for tag, *_ in OPERATIONS})
PARAM = re.compile(r"\{(\w+)\}")
MALFORMED = ("abc", "0", "-1", "1.5", "١٢", str(MAX_ID + 1), "9" * 30)


def _operations(router: str) -> list[tuple[str, str, dict]]:
    return [(method, path, op) for tag, method, path, op in OPERATIONS if tag == router]


def _call(client: Client, method: str, url: str):
    if method in ("POST", "PATCH", "PUT"):
        return getattr(client, method.lower())(url, "{}", content_type="application/json")
    return getattr(client, method.lower())(url)


def _url(path: str, value: str, only: str | None = None) -> str:
    """`path` with every id parameter set to a well-formed id of nothing (999999999), except
    `only`, which gets `value`."""
    return PARAM.sub(lambda m: value if m.group(1) == only else "999999999", path)


def test_every_router_is_checked():
    assert {"accounts", "tickets", "notifications", "mail", "cmdb", "changes"} <= set(ROUTERS)


@pytest.mark.django_db
@pytest.mark.parametrize("router", ROUTERS)
def test_without_credentials_every_operation_is_401(router):
    client = Client()
    for method, path, op in _operations(router):
        response = _call(client, method, BASE + _url(path.removeprefix(BASE), "1"))
        assert response.status_code == 401, (method, path, response.content)
        assert response.json()["detail"], (method, path)
        assert 401 in op["responses"], f"{method} {path} does not document 401"


@pytest.mark.parametrize("router", ROUTERS)
def test_id_answers_are_documented(router):
    for method, path, op in _operations(router):
        if PARAM.search(path):
            for status in (404, 422):
                assert status in op["responses"], f"{method} {path} does not document {status}"


@pytest.mark.parametrize("router", ROUTERS)
def test_invisible_and_malformed_ids(router, api_as, requester, agent):
    """As a requester (who sees few things) and as an agent: a well-formed id of nothing
    visible is a 404; a malformed or oversized one a 422 naming the parameter."""
    checked = 0
    for user in (requester, agent):
        client = api_as(user)
        for method, path, _op in _operations(router):
            names = PARAM.findall(path)
            relative = path.removeprefix(BASE)
            for name in names:
                response = _call(client.client, method, BASE + _url(relative, "999999999"))
                assert response.status_code in (404, 422), (method, path, response.content)
                if response.status_code == 422:  # the empty body was refused, not the id
                    assert name not in response.json()["errors"], (method, path)
                for bad in MALFORMED:
                    response = _call(client.client, method, BASE + _url(relative, bad, name))
                    assert response.status_code == 422, (method, path, bad, response.content)
                    assert name in response.json()["errors"], (method, path, bad)
                checked += 1
    if any(PARAM.search(path) for _m, path, _o in _operations(router)):
        assert checked
