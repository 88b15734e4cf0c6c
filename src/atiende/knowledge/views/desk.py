"""The desk's knowledge base: the article list, the editor (Markdown with a preview), review
and publishing, version history with a diff, attachments, and an article started from a
resolved ticket."""

from __future__ import annotations

import re

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core import clock
from atiende.core.errors import DomainError, NotFound, ValidationFailed
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.core.ids import parse_id
from atiende.tickets import selectors as ticket_selectors
from atiende.tickets.models import Kind as TicketKind
from atiende.tickets.models import Status as TicketStatus
from atiende.tickets.models import Ticket

from .. import actions, selectors, workflow
from ..forms import ArticleForm
from ..models import Status
from ..rendering import render as render_markdown


@agents_only(others_to="knowledge:home")
def article_list(request):
    status = request.GET.get("status") or ""
    due = request.GET.get("due") == "1"
    filters = selectors.ArticleFilters(
        status=status if status in Status.values else "",
        due_for_review=clock.now().date() if due else None,
    )
    page = selectors.article_page(
        request.user, filters, cursor=request.GET.get("cursor") or None, limit=50
    )
    query = (request.GET.get("q") or "").strip()[:200]
    hits = selectors.search(request.user, query, published_only=False) if query else None
    return render(
        request,
        "knowledge/desk/list.html",
        {
            "nav": "kb",
            "page": page,
            "status": filters.status,
            "due": due,
            "statuses": Status.choices,
            "query": query,
            "hits": hits,
        },
    )


def _editor(request, form, *, article=None, status=200, extra=None):
    context = {"nav": "kb", "form": form, "article": article, **(extra or {})}
    return render(request, "knowledge/desk/edit.html", context, status=status)


def _from_ticket(request) -> tuple[dict, Ticket | None]:
    """Initial values from a resolved ticket the agent sees: its title, its description as
    the problem and its resolution notes as the answer."""
    number = (request.GET.get("from_ticket") or request.POST.get("from_ticket") or "")[:40]
    if not number:
        return {}, None
    ticket = ticket_selectors.ticket_get(request.user, number)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise ValidationFailed(_("Only a resolved ticket can become an article."))
    body = "## " + _("Problem") + "\n\n" + (ticket.description or "").strip() + "\n\n"
    body += "## " + _("Solution") + "\n\n" + (ticket.resolution_notes or "").strip() + "\n"
    language = getattr(ticket.requester, "language", "") or "en"
    return {
        "title": ticket.title,
        "body": body,
        "category": ticket.category_id,
        "language": language if language in ("es", "en") else "en",
        "audience": "requesters",
    }, ticket


def _for_problem(request) -> tuple[dict, Ticket | None]:
    """A known-error article for a problem the agent sees: its title, its description as the
    problem and an empty workaround, internal until someone widens it."""
    number = (request.GET.get("known_error_for") or request.POST.get("known_error_for") or "")[:40]
    if not number:
        return {}, None
    problem = ticket_selectors.ticket_get(request.user, number)
    if problem.kind != TicketKind.PROBLEM:
        raise ValidationFailed(_("Only a problem has a known-error article."))
    body = "## " + _("Problem") + "\n\n" + (problem.description or "").strip() + "\n\n"
    body += "## " + _("Workaround") + "\n\n"
    language = getattr(request.user, "language", "") or "en"
    return {
        "title": problem.title,
        "body": body,
        "category": problem.category_id,
        "language": language if language in ("es", "en") else "en",
        "audience": "agents",
    }, problem


@agents_only
def article_new(request):
    initial, ticket = _from_ticket(request)
    if ticket is None:
        initial, problem = _for_problem(request)
    else:
        problem = None
    translation_of = parse_id(
        request.GET.get("translation_of") or request.POST.get("translation_of")
    )
    original = None
    if translation_of is not None:
        original = selectors.article_get(request.user, translation_of)
        initial.update(
            {
                "language": "en" if original.language == "es" else "es",
                "title": original.title,
                "body": original.body,
                "category": original.category_id,
                "audience": original.audience,
                "organization": original.organization_id,
            }
        )
    extra = {"ticket": ticket, "original": original, "problem": problem}
    if request.method != "POST":
        return _editor(request, ArticleForm(initial=initial), extra=extra)
    form = ArticleForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():  # the article and its link to the problem, or neither
                article = actions.article_create(
                    actor=request.user,
                    translation_of=original.pk if original else None,
                    source_ticket=ticket,
                    **form.action_arguments(creating=True),
                )
                if problem is not None:
                    actions.known_error_link(
                        actor=request.user, ticket_id=problem.pk, article_id=article.pk
                    )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Article saved as a draft."))
            return redirect("knowledge_desk:article", article_id=article.pk)
    return _editor(request, form, status=422, extra=extra)


@agents_only
def article_detail(request, article_id: int):
    article = selectors.article_get(request.user, article_id)
    versions = selectors.versions_of(request.user, article)
    return render(
        request,
        "knowledge/desk/article.html",
        {
            "nav": "kb",
            "article": article,
            "html": render_markdown(article.body),
            "versions": versions,
            "events": selectors.events_of(request.user, article),
            "translations": selectors.translations_of(request.user, article),
            "attachments": list(article.attachments.order_by("id")),
            "feedback": selectors.feedback_of(request.user, article),
            "known_errors": selectors.known_error_of(request.user, article),
            "summary": selectors.feedback_summary([article]).get(article.pk, (0, 0)),
            "next_statuses": [
                (value, label)
                for value, label in Status.choices
                if workflow.allowed(article.status, value)
                and (value not in workflow.REVIEWER_ONLY or request.user.is_manager)
            ],
        },
    )


@agents_only
def article_edit(request, article_id: int):
    article = selectors.article_get(request.user, article_id)
    if request.method != "POST":
        form = ArticleForm(
            initial={
                "title": article.title,
                "language": article.language,
                "body": article.body,
                "category": article.category_id,
                "tags": ", ".join(article.tags.values_list("name", flat=True)),
                "services": list(article.items.values_list("id", flat=True)),
                "audience": article.audience,
                "organization": article.organization_id,
                "review_on": article.review_on,
            }
        )
        return _editor(request, form, article=article)
    form = ArticleForm(request.POST)
    if form.is_valid():
        try:
            actions.article_update(
                actor=request.user,
                article_id=article.pk,
                version=request.POST.get("version"),
                **form.action_arguments(creating=False),
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("knowledge_desk:article", article_id=article.pk)
    return _editor(request, form, article=article, status=422)


@require_POST
@agents_only
def article_transition(request, article_id: int):
    actions.article_transition(
        actor=request.user,
        article_id=article_id,
        to=request.POST.get("to") or "",
        note=request.POST.get("note") or "",
        version=request.POST.get("version"),
    )
    messages.success(request, _("Status changed."))
    return redirect("knowledge_desk:article", article_id=article_id)


@agents_only
def article_diff(request, article_id: int):
    article = selectors.article_get(request.user, article_id)
    new = parse_id(request.GET.get("new")) or article.version
    old = parse_id(request.GET.get("old"))
    lines = selectors.version_diff(request.user, article, old, new)
    return render(
        request,
        "knowledge/desk/diff.html",
        {"nav": "kb", "article": article, "lines": lines, "old": old or "", "new": new},
    )


@require_POST
@agents_only
def attachment_add(request, article_id: int):
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed.field("file", _("Choose a file."))
    attachment = actions.attachment_add(actor=request.user, article_id=article_id, upload=upload)
    messages.success(
        request,
        _("File attached. Show an image with ![text](%(url)s).")
        % {"url": f"/kb/attachments/{attachment.pk}/preview/"},
    )
    return redirect("knowledge_desk:article", article_id=article_id)


@require_POST
@agents_only
def preview(request):
    """The editor's preview (htmx): the Markdown as readers will see it."""
    return HttpResponse(render_markdown((request.POST.get("body") or "")[:100_000]))


@agents_only
def link(request, article_id: int):
    """An article's link for a reply (htmx from the ticket page's panel): only when the
    ticket's requester may read it, else 404."""
    ticket = ticket_selectors.ticket_get(request.user, (request.GET.get("ticket") or "")[:40])
    article = selectors.linkable(request.user, ticket.requester, article_id)
    url = request.build_absolute_uri(f"/kb/{article.pk}/")
    return HttpResponse(f"[{article.title}]({url})", content_type="text/plain; charset=utf-8")


@agents_only
def ticket_suggestions(request, number: str):
    """The ticket page's "Suggested articles" card content, fetched after the page is drawn
    (htmx); the ticket's access rule first (404 for a ticket the agent may not see)."""
    from ..panels import load_suggested

    ticket = ticket_selectors.ticket_get(request.user, number[:40])
    context = {"ticket": ticket, "panel": load_suggested(request.user, [ticket])[ticket.pk]}
    if request.htmx:
        return render(request, "knowledge/_ticket_suggestions.html", context)
    return render(request, "knowledge/desk/ticket_suggestions.html", context)


_ARTICLE_REF = re.compile(r"(\d{1,18})/?(?:preview/)?\s*$")


@agents_only
def known_error(request, number: str):
    """Link (`article`: its number or its /kb/ link) or unlink (`remove`) a problem's
    known-error article from its desk page; on a refusal, the card again with the message."""
    from ..panels import load_known_errors

    ticket = ticket_selectors.ticket_get(request.user, number[:40])
    message, status = "", 200
    typed = (request.POST.get("article") or "")[:300]
    if request.method == "POST":
        try:
            if request.POST.get("remove"):
                actions.known_error_unlink(actor=request.user, ticket_id=ticket.pk)
                messages.success(request, _("Known-error article unlinked."))
            else:
                found = _ARTICLE_REF.search(typed.strip())
                actions.known_error_link(
                    actor=request.user,
                    ticket_id=ticket.pk,
                    article_id=found.group(1) if found else "",
                )
                messages.success(request, _("Known-error article linked."))
            return redirect(reverse("desk:ticket", args=[ticket.number]) + "#known-error")
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            message, status = exc.first_message(), exc.status_code
    return render(
        request,
        "knowledge/desk/known_error.html",
        {
            "nav": "queue",
            "ticket": ticket,
            "panel": load_known_errors(request.user, [ticket])[ticket.pk],
            "known_error_message": message,
            "known_error_article": typed,
        },
        status=status,
    )
