"""The notification choices on /account/ (a card notifications registers in accounts'
profile_cards) and the team defaults administrators set in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.audit.models import AuditEntry
from atiende.notifications.models import Channel, Preference
from atiende.notifications.preferences import choices_of, wanted

pytestmark = pytest.mark.django_db


def test_the_card_shows_the_defaults_on_the_profile(client, agent):
    client.force_login(agent)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'id="notification-preferences"' in page
    assert 'value="assigned:email" checked' in page  # on by default
    assert 'value="queue:app">' in page  # off by default


def test_saving_stores_only_what_differs_from_the_inherited(client, agent, team):
    Preference.objects.create(team=team, event="queue", channel=Channel.APP, enabled=True)
    client.force_login(agent)
    chosen = [f"{e}:{c}" for (e, c), on in choices_of(agent.pk).items() if on]
    chosen.remove("assigned:email")  # the one change
    response = client.post(reverse("notifications:preferences"), {"enabled": chosen})
    assert response.status_code == 302 and response.url.endswith("#notification-preferences")
    own = list(Preference.objects.filter(user=agent).values_list("event", "channel", "enabled"))
    assert own == [("assigned", "email", False)]
    assert wanted({agent.pk}, "assigned", Channel.EMAIL) == set()
    # The team default still reaches them: they never chose otherwise.
    assert wanted({agent.pk}, "queue", Channel.APP) == {agent.pk}
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'value="assigned:email">' in page and 'value="queue:app" checked' in page


def test_unknown_choices_are_refused_and_nothing_is_written(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("notifications:preferences"), {"enabled": ["nonsense:app"]}, follow=True
    )
    assert response.status_code == 200
    assert "Unknown notification choice." in response.content.decode()
    assert not Preference.objects.filter(user=agent).exists()


def test_the_form_needs_a_signed_in_post(client, agent):
    assert client.post(reverse("notifications:preferences")).status_code == 302  # to login
    client.force_login(agent)
    assert client.get(reverse("notifications:preferences")).status_code == 405


def test_administrators_set_team_defaults_in_the_admin_audited(client, admin_user, team):
    client.force_login(admin_user)
    url = reverse("admin:notifications_preference_add")
    response = client.post(
        url, {"team": team.pk, "event": "queue", "channel": "app", "enabled": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Preference.objects.filter(team=team, event="queue", enabled=True).exists()
    assert AuditEntry.objects.filter(content_type__model="preference").count() == 1
    # Without a team the row is refused (a person's choices are made on /account/).
    response = client.post(url, {"event": "queue", "channel": "email", "enabled": "on"})
    assert response.status_code == 200 and Preference.objects.count() == 1
    assert client.get(reverse("admin:notifications_preference_changelist")).status_code == 200
