"""The portal's knowledge base: home, categories, articles, search, feedback, attachments,
and the suggestions of the new-ticket form (htmx). Public articles need no sign-in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core import ratelimit
from atiende.core.ids import parse_id
from atiende.core.proxy import client_address
from atiende.tickets.attachments import preview_type

from .. import actions, selectors
from ..forms import FeedbackForm
from ..models import Status
from ..rendering import render as render_markdown


def _language() -> str:
    return "es" if (get_language() or "").startswith("es") else "en"


def home(request):
    return render(
        request,
        "knowledge/portal/home.html",
        {
            "nav": "kb",
            "articles": selectors.portal_home(request.user, language=_language()),
            "categories": selectors.portal_categories(request.user),
        },
    )


def category(request, category_id: int):
    articles = selectors.category_articles(request.user, category_id)
    if not articles:
        raise Http404
    return render(
        request,
        "knowledge/portal/category.html",
        {"nav": "kb", "articles": articles, "category": articles[0].category},
    )


def search(request):
    query = (request.GET.get("q") or "").strip()[:200]
    hits = selectors.search(request.user, query, language=_language()) if query else []
    return render(
        request, "knowledge/portal/search.html", {"nav": "kb", "query": query, "hits": hits}
    )


def article(request, article_id: int):
    found = selectors.article_get(request.user, article_id)
    if found.status != Status.PUBLISHED:  # agents read drafts in the desk
        return redirect("knowledge_desk:article", article_id=found.pk)
    return render(
        request,
        "knowledge/portal/article.html",
        {
            "nav": "kb",
            "article": found,
            "html": render_markdown(found.body),
            "translations": selectors.translations_of(request.user, found),
            "attachments": list(found.attachments.order_by("id")),
            "feedback_form": FeedbackForm(),
            # Opened from the new-ticket form's suggestions: "this solved it" here too, so a
            # requester on a phone need not go back to the form's tab to say so.
            "from_new_ticket": request.GET.get("from") == "new-ticket",
        },
    )


@require_POST
def feedback(request, article_id: int):
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        selectors.article_get(request.user, article_id)  # 404 before saying what is wrong
        return HttpResponse(_("Say whether the article helped."), status=422)
    if not request.user.is_authenticated and (
        ratelimit.hit(f"atiende:kb-feedback:{client_address(request) or '-'}", window=3600)
        > settings.KB_FEEDBACK_PER_ADDRESS
    ):
        # Signed-in people have one answer each (it is updated); anyone else is counted by
        # address, so a script cannot fill the figures.
        selectors.article_get(request.user, article_id)
        return HttpResponse(_("Too much feedback from your address. Try again later."), status=429)
    actions.feedback_give(
        actor=request.user,
        article_id=article_id,
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
    )
    if request.headers.get("HX-Request"):
        return render(request, "knowledge/portal/_thanks.html")
    messages.success(request, _("Thank you for your feedback."))
    return redirect("knowledge:article", article_id=article_id)


def _file(request, attachment_id: int, *, inline: bool):
    attachment = selectors.attachment_get(request.user, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = attachment.content_type or "application/octet-stream"
    if inline:
        content_type = preview_type(attachment.content_type, handle.read(16)) or ""
        handle.seek(0)
        if not content_type:
            handle.close()
            raise Http404
    response = FileResponse(
        handle, as_attachment=not inline, filename=attachment.filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attachment(request, attachment_id: int):
    return _file(request, attachment_id, inline=False)


def attachment_preview(request, attachment_id: int):
    return _file(request, attachment_id, inline=True)


def suggest(request):
    """The new-ticket form's suggestions (htmx, as the requester types)."""
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}"
    hits = selectors.suggest(request.user, text, language=_language()) if text.strip() else []
    # Every article shown while this ticket was written goes back with the form (kb_shown).
    shown = [pk for pk in (parse_id(v) for v in request.GET.getlist("kb_shown")[:50]) if pk]
    for hit in hits:
        if hit.article.pk not in shown:
            shown.append(hit.article.pk)
    return render(
        request, "knowledge/portal/_suggestions.html", {"hits": hits, "shown": shown[:50]}
    )


@require_POST
def solved(request, article_id: int):
    """ "This solved it": the ticket is not sent; the deflection is counted."""
    actions.deflection_record(actor=request.user, article_id=article_id)
    messages.success(request, _("Glad it helped! No ticket was sent."))
    return redirect("knowledge:article", article_id=article_id)
