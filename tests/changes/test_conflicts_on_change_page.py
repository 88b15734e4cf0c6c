"""The change page lists the change's stored conflicts, never describing a conflicting change
the reader may not see."""

from __future__ import annotations

from atiende.changes import conflicts

from .calendar_support import at, make_blackout, make_change, small_estate


def test_change_page_shows_visible_conflicts_only(client, agent, other_agent, other_team, db):
    estate = small_estate()
    mine = make_change(agent, start=at(1), end=at(3), items=[estate["erp_db"]])
    seen = make_change(agent, start=at(2), end=at(4), items=[estate["erp_db"]], title="Seen")
    hidden = make_change(
        other_agent, start=at(2), end=at(4), team=other_team, items=[estate["erp_db"]],
        title="Secret migration",
    )  # fmt: skip
    make_blackout("Audit freeze", start=at(0), end=at(2))
    conflicts.refresh(mine.pk)
    client.force_login(agent)
    body = client.get(f"/changes/{mine.number}/").content.decode()
    assert seen.number in body and "Audit freeze" in body
    assert hidden.number not in body and "Secret migration" not in body
