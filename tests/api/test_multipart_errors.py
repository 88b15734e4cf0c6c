"""A malformed or oversized multipart body gets the API's JSON error (400/413), not Django's
HTML error page; HTML pages keep answering HTML."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.tickets.models import Ticket

from ..factories import make_ticket
from .conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db

BOUNDARY = "xyz"


def _multipart(client: ApiClient, path: str, body: bytes, content_type: str):
    return client.client.generic("POST", "/api/v1" + path, body, content_type=content_type)


def _fields(**fields: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


@pytest.fixture
def ticket(requester):
    return make_ticket(requester, title="Printer jammed")


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",  # no boundary
        "multipart/form-data; boundary=",  # an empty one
        "multipart/form-data; boundary=" + "é" * 3,  # not ASCII
    ],
)
def test_malformed_multipart_is_a_json_400(requester, ticket, content_type):
    response = _multipart(
        ApiClient(requester), f"/tickets/{ticket.pk}/attachments", b"garbage", content_type
    )
    body = assert_error(response, 400)
    assert response["Content-Type"].startswith("application/json")
    assert "multipart" in body["detail"]
    assert not ticket.attachments.exists()


def test_malformed_multipart_to_the_cmdb_import_is_a_json_400(manager):
    response = _multipart(ApiClient(manager), "/cmdb/import", b"x", "multipart/form-data")
    assert_error(response, 400)


def test_an_oversized_body_is_a_json_413(requester, ticket, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _multipart(
        ApiClient(requester),
        f"/tickets/{ticket.pk}/attachments",
        _fields(public="true", note="a" * 5000),
        f"multipart/form-data; boundary={BOUNDARY}",
    )
    body = assert_error(response, 413)
    assert "too large" in body["detail"]


def test_too_many_fields_is_a_json_400(requester, ticket, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = _multipart(
        ApiClient(requester),
        f"/tickets/{ticket.pk}/attachments",
        _fields(**{f"f{i}": "v" for i in range(10)}),
        f"multipart/form-data; boundary={BOUNDARY}",
    )
    body = assert_error(response, 400)
    assert "too many fields" in body["detail"]


def test_html_pages_keep_their_html_error(client, requester):
    client.force_login(requester)
    response = client.generic(
        "POST", reverse("portal:new"), b"garbage", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not Ticket.objects.exists()
