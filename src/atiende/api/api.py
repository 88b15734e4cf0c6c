"""The NinjaAPI object: authentication, the error format, and each domain's router.

Errors always have the shape {"detail": "...", "errors": {field: [messages]}}, whatever
raised them: a domain rule, request validation, authentication, or a body that is not JSON.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from atiende.core.errors import Conflict, DomainError, ValidationFailed
from atiende.core.text import lone_surrogate_path

from .auth import AUTH


def _refuse_lone_surrogates(data):
    path = lone_surrogate_path(data)
    if path is not None:
        message = _(
            "This text has an invalid character (an unpaired surrogate) and cannot be stored."
        )
        raise ValidationFailed.field(path or "__all__", message)
    return data


class TextParser(Parser):
    """JSON bodies, query strings and form fields, refusing lone surrogates (a 422 naming
    the field): json.loads accepts "\\ud800", which no database can store as UTF-8. Path
    parameters and headers cannot carry one (Django decodes them as UTF-8 or latin-1)."""

    def parse_body(self, request):
        return _refuse_lone_surrogates(super().parse_body(request))

    def parse_querydict(self, data, list_fields, request):
        return _refuse_lone_surrogates(super().parse_querydict(data, list_fields, request))


# Answers any operation can give whatever its handler does, documented here once (an
# operation's own answers, such as 404, 409 or a business rule's 422, are declared on it with
# core.api.errors()): each is (status, when, applies to an operation with these traits).
COMMON_ANSWERS = (
    (401, "Authentication required (no, expired or revoked credentials).", "secured"),
    (403, "The CSRF check failed (browser session without the X-CSRFToken header).", "unsafe"),
    (400, "The request body is not valid JSON.", "body"),
    (413, "The request body is too large.", "body"),
    (422, "A parameter or a field of the body is not valid.", "input"),
)
UNSAFE = {"post", "put", "patch", "delete"}


def _traits(method: str, operation: dict) -> set[str]:
    traits = {"secured"} if operation.get("security") else set()
    if method in UNSAFE:
        traits.add("unsafe")
    if "requestBody" in operation:
        traits |= {"body", "input"}
    if operation.get("parameters"):
        traits.add("input")
    return traits


class AtiendeAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):  # type: ignore[no-untyped-def]
        schema = super().get_openapi_schema(**kwargs)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                traits = _traits(method, operation)
                responses = operation.setdefault("responses", {})
                for status, when, trait in COMMON_ANSWERS:
                    if trait in traits and status not in responses:
                        responses[status] = {"description": when, "content": error}
        return schema


api = AtiendeAPI(
    title="Atiende API",
    version="1.0.0",
    description="REST API of the Atiende service desk.",
    urls_namespace="api",
    auth=AUTH,
    parser=TextParser(),
)

# Where ninja says a value came from; not part of the field name a client sees.
SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
UNPARSEABLE_BODY = "Cannot parse request body"


def error_body(detail: str, errors: dict[str, list[str]] | None = None, **extra) -> dict:
    return {"detail": detail, "errors": errors or {}, **extra}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    extra = {"current_version": exc.current_version} if isinstance(exc, Conflict) else {}
    return api.create_response(
        request, error_body(exc.detail, exc.errors, **extra), status=exc.status_code
    )


def _field_name(location: tuple) -> str:
    """("body", "payload", "title") -> "title"; ("query", "limit") -> "limit"."""
    parts = [str(part) for part in location]
    source = parts.pop(0) if parts and parts[0] in SOURCES else None
    if source == "body" and parts:
        parts.pop(0)  # the handler's argument name, e.g. "payload"
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field = _field_name(tuple(error.get("loc", ())))
        errors.setdefault(field, []).append(str(error.get("msg") or _("Invalid value.")))
    return api.create_response(
        request, error_body(_("Some fields are not valid."), errors), status=422
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, error_body(_("Authentication required.")), status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):  # the parser refused the body (ninja wraps it)
        return domain_error(request, exc.__cause__)
    message = str(exc)
    if exc.status_code == 400 and message.startswith(UNPARSEABLE_BODY):
        detail = _("The request body is not valid JSON.")
        return api.create_response(request, error_body(detail, {"__all__": [detail]}), status=400)
    if exc.status_code == 403 and "CSRF" in message:
        message = _("CSRF check failed: send the X-CSRFToken header, or use a bearer token.")
    return api.create_response(request, error_body(message), status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, error_body(_("Not found.")), status=404)


@api.exception_handler(RequestDataTooBig)
def request_too_big(request: HttpRequest, exc: RequestDataTooBig):
    detail = _("The request body is too large.")
    return api.create_response(request, error_body(detail), status=413)


@api.exception_handler(SuspiciousOperation)
def bad_request(request: HttpRequest, exc: SuspiciousOperation):
    if isinstance(exc, TooManyFieldsSent):
        detail = _("The request has too many fields.")
        return api.create_response(request, error_body(detail), status=400)
    return api.create_response(request, error_body(_("Bad request.")), status=400)


@api.exception_handler(MultiPartParserError)
def malformed_multipart(request: HttpRequest, exc: MultiPartParserError):
    # Django would answer its HTML 400 page: a client of the API gets the API's shape.
    detail = _("The multipart request body is malformed (boundary, headers or encoding).")
    return api.create_response(request, error_body(detail, {"__all__": [detail]}), status=400)


def _mount_routers() -> None:
    from atiende.accounts.api import router as accounts_router
    from atiende.assignment.api import router as assignment_router
    from atiende.automation.api import router as automation_router
    from atiende.canned.api import router as canned_router
    from atiende.catalogue.api import router as catalogue_router
    from atiende.changes.api import router as changes_router
    from atiende.changes.calendar.api import router as change_calendar_router
    from atiende.cmdb.api import router as cmdb_router
    from atiende.improvement.api import router as improvement_router
    from atiende.knowledge.api import router as knowledge_router
    from atiende.mail.api import router as mail_router
    from atiende.notifications.api import router as notifications_router
    from atiende.reports.api import router as reports_router
    from atiende.sla.api import router as sla_router
    from atiende.surveys.api import router as surveys_router
    from atiende.tickets.api import router as tickets_router
    from atiende.webhooks.api import router as webhooks_router

    api.add_router("", accounts_router)
    api.add_router("", tickets_router)
    api.add_router("", notifications_router)
    api.add_router("", canned_router)
    api.add_router("", mail_router)
    api.add_router("", cmdb_router)
    api.add_router("", knowledge_router)
    api.add_router("", sla_router)
    api.add_router("", surveys_router)
    api.add_router("", catalogue_router)
    # Before the changes router: "/changes/calendar" is not a change id.
    api.add_router("", change_calendar_router)
    api.add_router("", changes_router)
    api.add_router("", improvement_router)
    api.add_router("", reports_router)
    api.add_router("", webhooks_router)
    api.add_router("", assignment_router)
    api.add_router("", automation_router)


_mount_routers()
