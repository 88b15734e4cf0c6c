"""Service levels: business calendars, SLA policies, live clocks, warnings and escalations.

Modules: calendar.py (pure business-time arithmetic), models.py (configuration and clocks),
clocks.py (policy matching and clock bookkeeping, no writes), actions.py (the only writes:
clocks following ticket events, the sweep, the SLA timeline entries), subscribers.py
(ticket events -> actions), selectors.py (reads scoped by tickets_visible_to), tasks.py
(Celery `atiende.sla.sweep`), admin.py. docs/sla.md explains the rules; in short:

- Policies are ordered by position; the first active one whose conditions (kinds,
  priorities, organisations, categories, teams; empty = any) all hold applies, with its
  target for the ticket's priority (none for that priority: no clocks).
- A new ticket gets a first-response and a resolution clock. Only business time of the
  policy's calendar counts; clocks pause while the ticket is in one of the policy's pausing
  statuses and resume after, with deadline = add_business_time(resume, target - elapsed).
- First response is met by the first public reply of an agent (not an internal note, not a
  requester reply) or by resolving. Resolution is met at resolved. Reopening *continues* the
  resolution clock: the business time already counted is kept, the time spent resolved does
  not count. Cancelling or closing stops every clock (state "stopped").
- Next response (when the target has one): a requester's public reply, once first response
  is met, starts a clock that the next public agent reply meets.
- Policy or target change (priority, kind, team, category, organisation): unfinished clocks
  keep their elapsed business time; new deadline = now + (new target - elapsed), due at once
  when negative. A recorded warning or breach is never undone. No policy matching any more:
  the clocks keep their old policy.
- The sweep claims each due warning/breach with one conditional UPDATE ... RETURNING and, in
  the same transaction, writes the timeline (TicketEvent type "sla", internal), the
  notifications and escalations: exactly once, even with several workers.
- Ticket changes made by escalations (reassign team, raise priority) go through
  tickets.actions.ticket_update as the system user "atiende-system" (admin role so it sees
  every ticket, active, unusable password, no tokens). Raising the priority raises the
  urgency one step (impact when urgency is already high): the matrix stays the one rule.
"""

from .calendar import Calendar, WeeklyHours
from .holidays_source import holiday_dates

__all__ = ["Calendar", "WeeklyHours", "holiday_dates"]
