"""Attachment downloads: the same access rule as the ticket (selectors.attachment_get)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from atiende.core.errors import NotFound

from ..selectors import attachment_get


@login_required
def download(request, attachment_id: int):
    try:
        attachment = attachment_get(request.user, attachment_id)
    except NotFound as exc:
        raise Http404 from exc
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
