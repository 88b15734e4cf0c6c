from __future__ import annotations

import json

import pytest
from django.test import Client

from atiende.accounts import actions as account_actions

BASE = "/api/v1"


class ApiClient:
    """A test client speaking JSON to /api/v1 as one user (bearer token), or anonymously."""

    def __init__(self, user=None, token: str | None = None):
        if user is not None and token is None:
            token = account_actions.api_token_create(actor=user, user=user).secret
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.user = user
        self.client = Client(headers=headers)

    def _json(self, method: str, path: str, body, **kwargs):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(
            BASE + path, data, content_type="application/json", **kwargs
        )

    def get(self, path: str, params=None, **kwargs):
        return self.client.get(BASE + path, params or {}, **kwargs)

    def post(self, path: str, body=None, **kwargs):
        return self._json("post", path, {} if body is None else body, **kwargs)

    def patch(self, path: str, body, **kwargs):
        return self._json("patch", path, body, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(BASE + path, **kwargs)

    def upload(self, path: str, data: dict, **kwargs):
        return self.client.post(BASE + path, data, **kwargs)


@pytest.fixture
def api_as():
    return ApiClient


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The answer has the API error format, the status and (optionally) an error for field."""
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], dict)
    for messages in body["errors"].values():
        assert messages and all(isinstance(m, str) and m for m in messages)
    if field is not None:
        assert field in body["errors"], body
    return body
