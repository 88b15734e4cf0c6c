"""HTML views at the boundary: who may open a page, and what a refused action looks like.

The API maps domain errors in api/api.py; these are the HTML side's single equivalents.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, overload

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from .text import lone_surrogate_path

View = Callable[..., HttpResponseBase]


def is_active_agent(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_agent", False))


@overload
def agents_only(view: View) -> View: ...
@overload
def agents_only(*, others_to: str) -> Callable[[View], View]: ...
def agents_only(
    view: View | None = None, *, others_to: str | None = None
) -> View | Callable[[View], View]:
    """Agents' pages. Anonymous visitors go to the login page; anyone else signed in gets a
    plain 404 (the page does not reveal what exists), or is sent to `others_to` (a URL
    name, e.g. the portal's home) when that is kinder.

    `@agents_only` or `@agents_only(others_to="portal:home")`."""

    def decorator(inner: View) -> View:
        @login_required
        @wraps(inner)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not is_active_agent(request.user):
                if others_to is None:
                    raise Http404
                return redirect(others_to)
            return inner(request, *args, **kwargs)

        return wrapped

    return decorator if view is None else decorator(view)


class DomainErrorMiddleware:
    """A domain error that leaves an HTML view is the HTTP answer it stands for: NotFound the
    404 page (denied looks like missing), Forbidden the 403 page, Conflict a 409 page that
    says to reload, ValidationFailed a 400 page on GET (a bad query parameter) and 422
    otherwise. Views still catch the errors they show on a form; this is for the rest. The
    API's own handlers (api/api.py) answer its errors before this is reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or _is_api(request):
            return None
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.detail) from exception
        status = exception.status_code
        if isinstance(exception, ValidationFailed) and request.method in ("GET", "HEAD"):
            status = 400
        title = _("Someone else changed this") if isinstance(exception, Conflict) else None
        problems = [m for msgs in exception.errors.values() for m in msgs]
        context = {
            "title": title or _("This could not be done"),
            "detail": exception.detail,
            "problems": problems,
            "back": _back_url(request),
        }
        return render(request, "web/refused.html", context, status=status)


class LoneSurrogateMiddleware:
    """Form fields and query parameters with a lone surrogate are a 422 page, before any view
    sees them. UTF-8 input cannot carry one (Django decodes it with replacement), but a
    multipart body may declare a charset that decodes to one (raw_unicode_escape, utf-7), and
    no database can store it. The API's parser (api/api.py) answers its own requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: View, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if _is_api(request):
            return None
        data: list[Any] = [dict(request.GET.lists())]
        if request.method == "POST":  # the CSRF check has already read the form
            files = {name: [f.name for f in fs] for name, fs in request.FILES.lists()}
            data += [dict(request.POST.lists()), files]
        path = lone_surrogate_path(data)
        if path is None:
            return None
        context = {
            "title": _("This could not be done"),
            "detail": _("The form has text with an invalid character, which cannot be stored."),
            "problems": [],
            "back": _back_url(request),
        }
        return render(request, "web/refused.html", context, status=422)


def _is_api(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and "api" in match.namespaces


def _back_url(request: HttpRequest) -> str:
    """The page to go back to: this one without its query for a GET (the query may be what
    was wrong), else the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.path
    referer = request.META.get("HTTP_REFERER", "")
    allowed = {request.get_host()}
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts=allowed, require_https=request.is_secure()
    ):
        return referer
    return "/"
