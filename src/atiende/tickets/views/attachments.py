"""Attachment downloads: the same access rule as the ticket (selectors.attachment_get)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from ..selectors import attachment_get


@login_required
def download(request, attachment_id: int):
    attachment = attachment_get(request.user, attachment_id)  # NotFound: the middleware's 404
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
