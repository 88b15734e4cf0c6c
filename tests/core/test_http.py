"""The HTML boundary: the agents-only decorator and the domain-error middleware."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from atiende.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from atiende.core.http import DomainErrorMiddleware, agents_only


@agents_only
def _hidden(request):
    return HttpResponse("ok")


@agents_only(others_to="portal:home")
def _redirecting(request):
    return HttpResponse("ok")


def _request(user, method="get", path="/desk/INC-000001/", **extra):
    request = getattr(RequestFactory(), method)(path, **extra)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_agents_pass(agent):
    assert _hidden(_request(agent)).content == b"ok"
    assert _redirecting(_request(agent)).content == b"ok"


def test_others_get_a_404_or_the_page_they_were_sent_to(requester):
    with pytest.raises(Http404):
        _hidden(_request(requester))
    response = _redirecting(_request(requester))
    assert response.status_code == 302 and response.url == "/portal/"


def test_anonymous_visitors_go_to_the_login_page(db):
    response = _hidden(_request(AnonymousUser()))
    assert response.status_code == 302 and "login" in response.url


def _answer(request, exc):
    return DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(request, exc)


def test_not_found_is_the_404_page_and_forbidden_the_403_page(agent):
    with pytest.raises(Http404):
        _answer(_request(agent), NotFound())
    with pytest.raises(PermissionDenied):
        _answer(_request(agent), Forbidden("Only managers."))


def test_a_conflict_is_a_409_page_that_says_what_happened(agent):
    request = _request(agent, "post", HTTP_REFERER="http://testserver/desk/INC-000001/")
    response = _answer(request, Conflict("Someone changed it.", current_version=3))
    assert response.status_code == 409
    assert b"Someone changed it." in response.content
    assert b'href="http://testserver/desk/INC-000001/"' in response.content


def test_a_bad_query_is_400_and_a_bad_post_422_with_the_messages(agent):
    exc = ValidationFailed.field("start", "Give a year between 1900 and 2999.")
    response = _answer(_request(agent, path="/changes/?start=0001-01-01"), exc)
    assert response.status_code == 400 and b"Give a year between" in response.content
    assert b'href="/changes/"' in response.content
    assert _answer(_request(agent, "post"), exc).status_code == 422
    assert _answer(_request(agent, "post"), PayloadTooLarge()).status_code == 413


def test_a_foreign_referer_is_not_offered_as_the_way_back(agent):
    request = _request(agent, "post", HTTP_REFERER="https://evil.example/")
    response = _answer(request, Conflict(current_version=1))
    assert b"evil.example" not in response.content


def test_other_exceptions_are_left_alone(agent):
    assert (
        DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(
            _request(agent), ValueError("boom")
        )
        is None
    )
