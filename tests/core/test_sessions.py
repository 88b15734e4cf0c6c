"""core.sessions: Django's database sessions with the row read by a hand-written statement;
the same rows and the same expiry rule, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from atiende.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_it_is_the_session_engine():
    assert settings.SESSION_ENGINE == "atiende.core.sessions"


def test_a_saved_session_loads_what_was_stored():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    again = SessionStore(store.session_key)
    assert again.load() == {"answer": 42} and again.session_key == store.session_key


def test_an_expired_or_unknown_session_is_empty_and_forgotten():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_a_session_expiring_in_a_moment_still_counts():
    store = SessionStore()
    store["answer"] = 42
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=30)
    )
    assert SessionStore(store.session_key).load() == {"answer": 42}


def test_signed_in_until_the_session_expires(client, agent):
    client.force_login(agent)
    assert client.get(reverse("desk:queue")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302 and not response.wsgi_request.user.is_authenticated
