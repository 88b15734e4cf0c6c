"""Blackout windows in the configuration screens: managers add them, covered changes get the
conflict at once, deleting one clears it."""

from __future__ import annotations

from atiende.changes.models import BlackoutWindow, ChangeConflict

from .calendar_support import at, make_change

ADD = "/admin/changes/blackoutwindow/add/"


def test_manager_adds_and_deletes_a_blackout(client, manager, agent):
    change = make_change(agent, start=at(1), end=at(3))
    client.force_login(manager)
    assert client.get("/admin/changes/blackoutwindow/").status_code == 200
    response = client.post(
        ADD,
        {
            "name": "Release freeze",
            "starts_at_0": at(0).strftime("%Y-%m-%d"),
            "starts_at_1": "00:00:00",
            "ends_at_0": at(0, days=2).strftime("%Y-%m-%d"),
            "ends_at_1": "00:00:00",
            "reason": "Quarter end",
            "items": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    blackout = BlackoutWindow.objects.get()
    assert blackout.created_by == manager
    assert ChangeConflict.objects.filter(change=change, blackout=blackout).exists()
    response = client.post(f"/admin/changes/blackoutwindow/{blackout.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ChangeConflict.objects.exists()


def test_agents_have_no_access(client, agent):
    client.force_login(agent)
    assert client.get(ADD).status_code == 302  # to the admin login
