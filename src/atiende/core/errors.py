"""Domain errors. Actions raise these; the API and views translate them to HTTP answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base class: a request that the domain refuses. Maps to a 4xx, never a 500."""

    status_code = 400
    default_detail = _("The request could not be processed.")

    def __init__(self, detail: str | None = None, errors: dict[str, list[str]] | None = None):
        self.detail = str(detail or self.default_detail)
        self.errors = {field: [str(m) for m in msgs] for field, msgs in (errors or {}).items()}
        super().__init__(self.detail)

    def first_message(self) -> str:
        """The first field message, else the detail: for a one-line notice."""
        for messages in self.errors.values():
            if messages:
                return messages[0]
        return self.detail


class ValidationFailed(DomainError):
    status_code = 422
    default_detail = _("Some fields are not valid.")

    @classmethod
    def field(cls, name: str, message: str) -> ValidationFailed:
        return cls(errors={name: [message]})


class NotFound(DomainError):
    """Also raised for objects the actor may not see: denied looks exactly like missing."""

    status_code = 404
    default_detail = _("Not found.")


class Forbidden(DomainError):
    """For objects the actor can see but may not change."""

    status_code = 403
    default_detail = _("You do not have permission to do this.")


class Conflict(DomainError):
    status_code = 409
    default_detail = _("Someone else changed this record; reload and try again.")

    def __init__(self, detail: str | None = None, *, current_version: int):
        super().__init__(detail)
        self.current_version = current_version


class PayloadTooLarge(DomainError):
    status_code = 413
    default_detail = _("The file is too large.")
