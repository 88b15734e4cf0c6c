"""Attachments: multipart upload, download as a file, size limit, safe file names."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.tickets.models import Attachment

from ...api.conftest import assert_error


def upload(client, ticket, name="report.txt", content=b"hello", **form):
    return client.upload(
        f"/tickets/{ticket.pk}/attachments", {"file": SimpleUploadedFile(name, content), **form}
    )


def test_upload_then_download(api_as, requester, agent, ticket):
    response = upload(api_as(requester), ticket, "report.txt", b"toner is empty")
    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get()
    assert body["id"] == attachment.pk
    assert body["filename"] == "report.txt"
    assert body["size"] == 14
    assert body["content_type"] == "text/plain"
    assert body["public"] is True
    assert body["url"].endswith(f"/api/v1/attachments/{attachment.pk}")

    for client in (api_as(requester), api_as(agent)):
        download = client.client.get(body["url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"toner is empty"
        assert download["Content-Disposition"].startswith("attachment;")
        assert 'filename="report.txt"' in download["Content-Disposition"]
        assert download["X-Content-Type-Options"] == "nosniff"

    events = api_as(requester).get(f"/tickets/{ticket.pk}/events").json()
    listed = [a for event in events for a in event["attachments"]]
    assert [a["id"] for a in listed] == [attachment.pk]


def raw_multipart(filename: str, content: bytes) -> bytes:
    """A multipart body built by hand, so the file name reaches the server untouched."""
    return (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="file"; filename="' + filename.encode() + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n--BOUNDARY--\r\n"
    )


def test_file_name_with_path_components_is_reduced_to_its_last_part(api_as, requester, ticket):
    client = api_as(requester)
    for name, expected in (
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\informe.pdf", "informe.pdf"),
        ("/tmp/../..", "attachment"),
        ("a\x01b<script>.txt", "ab_script_.txt"),
    ):
        response = client.client.post(
            f"/api/v1/tickets/{ticket.pk}/attachments",
            raw_multipart(name, b"data"),
            content_type="multipart/form-data; boundary=BOUNDARY",
        )
        if expected == "attachment" and response.status_code == 422:
            continue  # Django's parser may drop a file with no usable name at all: also safe
        assert response.status_code == 201, (name, response.content)
        assert response.json()["filename"] == expected, name
    assert Attachment.objects.exists()
    for attachment in Attachment.objects.all():
        assert attachment.file.name.startswith(f"tickets/{ticket.pk}/")
        assert ".." not in attachment.file.name and "/" not in attachment.filename


def test_html_is_served_as_a_download_not_rendered(api_as, requester, ticket):
    body = upload(api_as(requester), ticket, "page.html", b"<script>alert(1)</script>").json()
    download = api_as(requester).client.get(body["url"])
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_oversized_file_is_413(api_as, requester, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    events_before = ticket.events.count()
    response = upload(api_as(requester), ticket, "big.bin", b"x" * 11)
    assert_error(response, 413, "file")
    assert not Attachment.objects.exists()
    assert ticket.events.count() == events_before


def test_missing_or_empty_file_is_422(api_as, requester, ticket):
    assert_error(api_as(requester).upload(f"/tickets/{ticket.pk}/attachments", {}), 422, "file")
    assert_error(upload(api_as(requester), ticket, "empty.txt", b""), 422, "file")
    assert not Attachment.objects.exists()


def test_internal_attachment_by_agent_and_refused_for_requester(api_as, requester, agent, ticket):
    internal = upload(api_as(agent), ticket, "notes.txt", b"internal", public="false")
    assert internal.status_code == 201, internal.content
    assert internal.json()["public"] is False
    assert_error(api_as(requester).client.get(internal.json()["url"]), 404)
    assert_error(upload(api_as(requester), ticket, "x.txt", b"x", public="false"), 403)
    assert Attachment.objects.count() == 1
