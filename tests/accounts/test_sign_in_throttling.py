"""Sign-in throttling (atiende.accounts.throttle): per username and address, per username
from any address, per address for any username; the client's address from X-Forwarded-For
only behind configured proxies; lockouts that end; bearer tokens under the same throttle."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from ..api.conftest import ApiClient, assert_error
from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

HOME = "198.51.100.7"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 8
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    settings.AXES_COOLOFF_TIME = 0.25  # 15 minutes
    settings.TRUSTED_PROXY_COUNT = 0


def _login(client, username, password, address=HOME, **headers):
    client.logout()
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


def _signed_in(response) -> bool:
    return response.status_code == 302


def test_one_password_sprayed_over_many_usernames_locks_the_address(client, requester):
    for i in range(12):
        assert _login(client, f"someone{i}", "Winter2025!").status_code in (400, 429)
    response = _login(client, requester.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    # The same person elsewhere is not affected: the lock is on the address.
    assert _signed_in(_login(client, requester.username, PASSWORD, address="192.0.2.1"))


def test_the_address_limit_is_not_reached_by_fewer_failures(client, requester):
    for i in range(11):
        _login(client, f"someone{i}", "Winter2025!")
    assert _signed_in(_login(client, requester.username, PASSWORD))


def test_one_username_guessed_from_many_addresses_gets_locked(client, requester):
    for i in range(8):
        response = _login(client, requester.username, "guess", address=f"203.0.113.{i}")
        assert response.status_code in (400, 429)
    response = _login(client, requester.username, PASSWORD, address="203.0.113.200")
    assert response.status_code == 429


def test_a_username_lock_does_not_keep_the_owner_out_of_a_known_address(client, requester):
    assert _signed_in(_login(client, requester.username, PASSWORD, address=HOME))
    for i in range(8):
        _login(client, requester.username, "guess", address=f"203.0.113.{i}")
    assert _login(client, requester.username, PASSWORD, address="203.0.113.99").status_code == 429
    assert _signed_in(_login(client, requester.username, PASSWORD, address=HOME))


def test_usernames_are_counted_case_insensitively(client, requester):
    for i, name in enumerate(["Requester", "REQUESTER", "requester", "rEquester", "ReQuEsTeR"] * 2):
        if i == 8:
            break
        _login(client, name, "guess", address=f"203.0.113.{i}")
    assert _login(client, requester.username, PASSWORD, address="203.0.113.99").status_code == 429


def test_the_pair_limit_still_applies(client, requester, other_requester):
    for _ in range(5):
        _login(client, requester.username, "guess")
    assert _login(client, requester.username, PASSWORD).status_code == 429
    assert _signed_in(_login(client, other_requester.username, PASSWORD))


def test_a_successful_sign_in_does_not_reset_the_address_counter(client, requester):
    for i in range(11):
        _login(client, f"someone{i}", "Winter2025!")
    assert _signed_in(_login(client, requester.username, PASSWORD))  # the attacker's own account
    _login(client, "someone-else", "Winter2025!")
    assert _login(client, requester.username, PASSWORD).status_code == 429


def test_without_a_proxy_x_forwarded_for_is_ignored(client, requester):
    # Rotating a forged X-Forwarded-For does not spread the failures over addresses.
    for i in range(5):
        _login(client, requester.username, "guess", x_forwarded_for=f"192.0.2.{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HOME}
    response = _login(client, requester.username, PASSWORD, x_forwarded_for="192.0.2.77")
    assert response.status_code == 429


def test_behind_a_proxy_x_forwarded_for_decides_the_address(client, requester, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    balancer = "10.0.0.2"
    for _ in range(5):
        _login(client, requester.username, "guess", balancer, x_forwarded_for="203.0.113.5")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    locked = _login(client, requester.username, PASSWORD, balancer, x_forwarded_for="203.0.113.5")
    assert locked.status_code == 429
    # Everyone else behind the same balancer signs in: the lock is not on the balancer.
    ok = _login(client, requester.username, PASSWORD, balancer, x_forwarded_for="203.0.113.6")
    assert _signed_in(ok)


def test_behind_a_proxy_a_forged_left_part_is_ignored(client, requester, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(5):
        # The client sent "192.0.2.i"; our proxy appended the address it saw.
        _login(
            client,
            requester.username,
            "guess",
            "10.0.0.2",
            x_forwarded_for=f"192.0.2.{i}, 203.0.113.5",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_the_lockout_ends_after_the_cool_off_and_hammering_does_not_extend_it(client, requester):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login(client, requester.username, "guess")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        for _ in range(5):  # failures while locked out are not counted
            assert _login(client, requester.username, "guess").status_code == 429
        assert _login(client, requester.username, PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=5), tick=False):
        assert _signed_in(_login(client, requester.username, PASSWORD))


def test_wrong_bearer_tokens_count_against_the_address(requester):
    for _ in range(11):
        assert_error(ApiClient(token="atd_wrong").get("/me", REMOTE_ADDR=HOME), 401)
    # The failure that reaches the limit is answered with the lockout itself.
    assert_error(ApiClient(token="atd_wrong").get("/me", REMOTE_ADDR=HOME), 429)
    # The address is now locked: more guesses get 429 (not counted), from there only.
    body = assert_error(ApiClient(token="atd_wrong").get("/me", REMOTE_ADDR=HOME), 429)
    assert "Too many failed sign-in attempts" in body["detail"]
    assert_error(ApiClient(token="atd_wrong").get("/me", REMOTE_ADDR="192.0.2.1"), 401)
    # A valid token cannot have been guessed: it still works from the locked address.
    assert ApiClient(requester).get("/me", REMOTE_ADDR=HOME).status_code == 200


def test_the_sign_in_page_locked_by_bad_tokens(client, requester):
    for _ in range(12):
        ApiClient(token="atd_wrong").get("/me", REMOTE_ADDR=HOME)
    assert _login(client, requester.username, PASSWORD).status_code == 429
