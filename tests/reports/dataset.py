"""The hand-computed data set of docs/metrics.md's edge cases (March 2026, UTC, office
hours Mon-Fri 09:00-17:00, SLA first response 60 min and resolution 480 min business time).

T1  Mon 2 Mar 09:00, team A. Agent replies 09:30, resolves 10:00.           (plain, FCR)
T2  Mon 2 Mar 10:00, team A. Agent replies 11:00, resolves 12:00; the requester replies
    13:00 (reopens it); resolved again 14:00.                                 (reopen)
T3  Fri 6 Mar 16:00, team A. Agent replies 16:30 and sets it pending (paused over the
    weekend); Mon 9 Mar 10:00 back in progress; resolved 11:00.              (pause, weekend)
T4  Tue 3 Mar 09:00, team A; moved to team B at 10:00; no reply, still open. (team hop)
T5  Wed 4 Mar 09:00, team A. Resolved 12:00 without any reply.              (no reply)
T6  Fri 27 Feb 10:00, team A; still open.                                    (previous period)
"""

from __future__ import annotations

from atiende.tickets import actions

from ..factories import make_ticket
from .conftest import at


def build(*, committed, requester, agent, other_team):
    def create(when):
        with committed(when):
            return make_ticket(requester)

    def reply(ticket, when, who=None):
        with committed(when):
            actions.comment_add(actor=who or agent, ticket_id=ticket.pk, body="On it.")

    def move(ticket, when, to, **extra):
        with committed(when):
            actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=to, **extra)

    resolve = {"resolution_code": "solved", "resolution_notes": "Done."}
    t6 = create(at(27, 10, month=2))
    t1 = create(at(2, 9))
    reply(t1, at(2, 9, 30))
    move(t1, at(2, 10), "resolved", **resolve)
    t2 = create(at(2, 10))
    reply(t2, at(2, 11))
    move(t2, at(2, 12), "resolved", **resolve)
    reply(t2, at(2, 13), who=requester)
    move(t2, at(2, 14), "resolved", **resolve)
    t3 = create(at(6, 16))
    reply(t3, at(6, 16, 30))
    move(t3, at(6, 16, 30), "pending", pending_reason="requester")
    move(t3, at(9, 10), "in_progress")
    move(t3, at(9, 11), "resolved", **resolve)
    t4 = create(at(3, 9))
    with committed(at(3, 10)):
        actions.ticket_update(
            actor=agent, ticket_id=t4.pk, version=None, changes={"team": other_team.pk}
        )
    t5 = create(at(4, 9))
    move(t5, at(4, 12), "resolved", **resolve)
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6}
