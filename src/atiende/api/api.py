"""The NinjaAPI object: authentication, the error format, and each domain's router.

Errors always have the shape {"detail": "...", "errors": {field: [messages]}}.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from atiende.core.errors import Conflict, DomainError

from .auth import AUTH

api = NinjaAPI(
    title="Atiende API",
    version="1.0.0",
    description="REST API of the Atiende service desk.",
    urls_namespace="api",
    auth=AUTH,
)


def error_body(detail: str, errors: dict[str, list[str]] | None = None, **extra) -> dict:
    return {"detail": detail, "errors": errors or {}, **extra}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    extra = {"current_version": exc.current_version} if isinstance(exc, Conflict) else {}
    return api.create_response(
        request, error_body(exc.detail, exc.errors, **extra), status=exc.status_code
    )


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form", "payload")]
        field = ".".join(location) or "__all__"
        errors.setdefault(field, []).append(str(error.get("msg", _("Invalid value."))))
    return api.create_response(
        request, error_body(_("Some fields are not valid."), errors), status=422
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, error_body(_("Authentication required.")), status=401
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, error_body(str(exc)), status=exc.status_code)


def _mount_routers() -> None:
    from atiende.accounts.api import router as accounts_router
    from atiende.tickets.api import router as tickets_router

    api.add_router("", accounts_router)
    api.add_router("", tickets_router)


_mount_routers()
