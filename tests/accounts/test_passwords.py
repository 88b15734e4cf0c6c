"""Password reset by e-mail, the invitation to set a password, and change password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from atiende.accounts import actions
from atiende.accounts.models import User
from atiende.accounts.tokens import invitation_tokens, reset_tokens
from atiende.mail.models import OutboundKind, OutboundMessage, OutboundStatus
from atiende.mail.outbound.delivery import Suppress, prepare

from ..factories import RequesterFactory

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")


@pytest.fixture
def ana():
    user = RequesterFactory(username="ana", email="ana@example.org", language="es")
    user.set_password("old-secret-1234")
    user.save()
    return user


def _rows(kind: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(kind=kind).order_by("id"))


def _link(row: OutboundMessage) -> str:
    message, _to = prepare(row)
    return re.search(r"https?://\S+/account/password/\S+/\S+/", message.body).group(0)


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _set_password(client: Client, link: str, password: str):
    response = client.get(_path(link))
    assert response.status_code == 302  # to the same page without the token in the URL
    form_url = response["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_reset_answers_known_and_unknown_addresses_alike(client, ana):
    known = client.post(RESET, {"email": "ANA@example.org"})
    unknown = client.post(RESET, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_done")
    # The same work: one queued row each, the owner decided at delivery only.
    rows = _rows(OutboundKind.PASSWORD_RESET)
    assert [(r.to_address, r.recipient_id) for r in rows] == [
        ("ANA@example.org", None),
        ("nobody@example.org", None),
    ]
    message, to = prepare(rows[0])
    assert to == "ana@example.org" and "Restablezca" in message.subject  # her language
    with pytest.raises(Suppress):
        prepare(rows[1])


def test_reset_link_sets_the_password_once(client, ana):
    client.post(RESET, {"email": "ana@example.org"})
    link = _link(_rows(OutboundKind.PASSWORD_RESET)[0])
    response = _set_password(client, link, "new-secret-5678")
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.check_password("new-secret-5678")
    again = Client().get(_path(link), follow=True)
    assert again.status_code == 400
    assert "does not work any more" in again.content.decode()
    ana.refresh_from_db()
    assert ana.check_password("new-secret-5678")


def test_an_expired_reset_link_is_refused(client, ana, settings, monkeypatch):
    client.post(RESET, {"email": "ana@example.org"})
    link = _link(_rows(OutboundKind.PASSWORD_RESET)[0])
    later = reset_tokens._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)
    monkeypatch.setattr(reset_tokens, "_now", lambda: later)
    response = client.get(_path(link))
    assert response.status_code == 400
    ana.refresh_from_db()
    assert ana.check_password("old-secret-1234")


def test_reset_is_throttled_per_email_whoever_asks(settings, ana):
    settings.PASSWORD_RESET_PER_EMAIL = 2
    statuses = [
        Client(REMOTE_ADDR=f"10.0.0.{i}").post(RESET, {"email": address}).status_code
        for address in ("ana@example.org", "nobody@example.org")
        for i in range(3)
    ]
    assert statuses == [302, 302, 429, 302, 302, 429]
    assert len(_rows(OutboundKind.PASSWORD_RESET)) == 4


def test_reset_is_throttled_per_client_address(client, settings):
    settings.PASSWORD_RESET_PER_ADDRESS = 3
    statuses = [client.post(RESET, {"email": f"p{i}@example.org"}).status_code for i in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(_rows(OutboundKind.PASSWORD_RESET)) == 3


def test_reset_form_refuses_a_malformed_address(client):
    response = client.post(RESET, {"email": "not an address"})
    assert response.status_code == 400
    assert not _rows(OutboundKind.PASSWORD_RESET)


def test_a_reset_reaches_a_person_who_never_had_a_password(client):
    user = actions.user_create(username="bo", email="bo@example.org")
    client.post(RESET, {"email": "bo@example.org"})
    _message, to = prepare(_rows(OutboundKind.PASSWORD_RESET)[0])
    assert to == "bo@example.org" and not user.has_usable_password()


def test_an_inactive_account_gets_no_reset(client, ana):
    User.objects.filter(pk=ana.pk).update(is_active=False)
    client.post(RESET, {"email": "ana@example.org"})
    with pytest.raises(Suppress):
        prepare(_rows(OutboundKind.PASSWORD_RESET)[0])


# --- invitation ---------------------------------------------------------------------------------


def test_user_created_by_intake_is_invited_and_the_link_works_once(client):
    user = actions.user_create(username="cy@example.org", email="cy@example.org", invite=True)
    rows = _rows(OutboundKind.INVITATION)
    assert [r.recipient_id for r in rows] == [user.pk]
    link = _link(rows[0])
    assert "/account/password/invitation/" in link
    assert _set_password(client, link, "chosen-pass-4321").status_code == 302
    user.refresh_from_db()
    assert user.check_password("chosen-pass-4321")
    assert Client().get(_path(link), follow=True).status_code == 400
    with pytest.raises(Suppress):  # a queued copy is not sent once a password is set
        prepare(OutboundMessage.objects.select_related("recipient").get(pk=rows[0].pk))


def test_a_reset_link_is_not_an_invitation_link(client):
    user = actions.user_create(username="di", email="di@example.org")
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = reverse("accounts:invitation_confirm", args=[uid, reset_tokens.make_token(user)])
    assert client.get(url, follow=True).status_code == 400
    url = reverse("accounts:password_reset_confirm", args=[uid, invitation_tokens.make_token(user)])
    assert client.get(url, follow=True).status_code == 400


def test_no_invitation_without_invite_or_address_or_with_a_password():
    actions.user_create(username="cli", email="cli@example.org")
    actions.user_create(username="noaddress", invite=True)
    actions.user_create(
        username="haspw", email="h@example.org", password="x-Secret-99", invite=True
    )
    assert not _rows(OutboundKind.INVITATION)


def test_admin_creation_invites_a_person_without_a_password(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "eve", "email": "eve@example.org", "usable_password": "false"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    eve = User.objects.get(username="eve")
    assert [r.recipient_id for r in _rows(OutboundKind.INVITATION)] == [eve.pk]
    message, to = prepare(_rows(OutboundKind.INVITATION)[0])
    assert to == "eve@example.org" and "eve" in message.body


def test_invitation_is_sent_even_with_notifications_off():
    user = actions.user_create(username="fi", email="fi@example.org", invite=True)
    User.objects.filter(pk=user.pk).update(email_notifications=False)
    row = _rows(OutboundKind.INVITATION)[0]
    row.refresh_from_db()
    _message, to = prepare(OutboundMessage.objects.select_related("recipient").get(pk=row.pk))
    assert to == "fi@example.org"
    assert row.status == OutboundStatus.QUEUED


# --- change password ----------------------------------------------------------------------------

CHANGE = reverse("accounts:password_change")


def test_change_password_needs_the_current_one(client, ana):
    client.force_login(ana)
    response = client.post(
        CHANGE,
        {"old_password": "wrong", "new_password1": "n3w-secret!", "new_password2": "n3w-secret!"},
    )
    assert response.status_code == 400
    ana.refresh_from_db()
    assert ana.check_password("old-secret-1234")


def test_change_password_keeps_this_session_and_ends_the_others(ana):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        signed_in = browser.post(
            reverse("login"), {"username": "ana", "password": "old-secret-1234"}
        )
        assert signed_in.status_code == 302
    response = here.post(
        CHANGE,
        {
            "old_password": "old-secret-1234",
            "new_password1": "n3w-secret!x",
            "new_password2": "n3w-secret!x",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("accounts:profile")).status_code == 200
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302  # to sign in
    assert SESSION_KEY not in elsewhere.session


def test_the_sign_in_page_offers_a_reset(client):
    assert reverse("accounts:password_reset") in client.get(reverse("login")).content.decode()
