"""Pieces of answers every router shapes the same way."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def person_ref(user: Any) -> dict[str, Any] | None:
    """A person as the API shows one: id and display name (PersonRef)."""
    return None if user is None else {"id": user.pk, "display_name": user.display_name}


def next_url(request: HttpRequest, cursor: str | None) -> str | None:
    """The URL of the next page: this request's query with the next cursor, or None."""
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
