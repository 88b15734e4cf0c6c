"""Changes to canned responses from the desk: an agent's own personal responses. Team and
everyone's responses are configuration, kept by managers in the admin (audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.queries import one_or_none
from atiende.core.sanitize import clean_text

from .models import BODY_MAX, TITLE_MAX, CannedResponse, Language, Scope


def _cleaned(title: str, body: str, language: str) -> tuple[str, str, str]:
    title = clean_text(title).replace("\n", " ").strip()
    body = clean_text(body)
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("A title is required.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("Keep the title under %(max)d characters.") % {"max": TITLE_MAX}]
    if not body:
        errors["body"] = [_("Write something first.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [_("This text is too long.")]
    if language not in Language.values:
        errors["language"] = [_("Choose Spanish, English or any language.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return title, body, language


def _require_agent(actor: User) -> None:
    if not actor.is_active or not actor.is_agent:
        raise Forbidden(_("Only agents can do this."))


def _own(actor: User, response_id: int) -> CannedResponse:
    found = one_or_none(
        CannedResponse.objects.select_for_update().filter(
            pk=response_id, scope=Scope.PERSONAL, owner=actor
        )
    )
    if found is None:
        raise NotFound()
    return found


def personal_create(
    *, actor: User, title: str, body: str, language: str = Language.ANY
) -> CannedResponse:
    _require_agent(actor)
    title, body, language = _cleaned(title, body, language)
    with transaction.atomic():
        return CannedResponse.objects.create(
            title=title, body=body, language=language, scope=Scope.PERSONAL, owner=actor
        )


def personal_update(
    *, actor: User, response_id: int, title: str, body: str, language: str
) -> CannedResponse:
    _require_agent(actor)
    title, body, language = _cleaned(title, body, language)
    with transaction.atomic():
        response = _own(actor, response_id)
        response.title, response.body, response.language = title, body, language
        response.save()
    return response


def personal_delete(*, actor: User, response_id: int) -> None:
    _require_agent(actor)
    with transaction.atomic():
        _own(actor, response_id).delete()
