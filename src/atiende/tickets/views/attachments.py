"""Attachment downloads: the same access rule as the ticket (selectors.attachment_get)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from ..attachments import preview_type
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


@login_required
def preview(request, attachment_id: int):
    """An image shown inline, after the same access rule; 404 for anything that is not a safe
    raster image (tickets.attachments.preview_type), which stays a download."""
    attachment = attachment_get(request.user, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = preview_type(attachment.content_type, handle.read(16))
    if content_type is None:
        handle.close()
        raise Http404
    handle.seek(0)
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
