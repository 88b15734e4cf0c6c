"""Time rules: due tickets found by one query, acted on exactly once per ticket and period
(also with workers racing on PostgreSQL), business days on a calendar; and the dry run,
which answers exactly what a real run then does."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import close_old_connections, connection, connections
from django.test.utils import CaptureQueriesContext

from atiende.automation import actions
from atiende.automation.models import Rule, RuleRun
from atiende.core import clock
from atiende.sla.models import BusinessCalendar
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import Status, Ticket

from ..factories import AgentFactory, RequesterFactory, TeamFactory, add_to_team, make_ticket

CLOSE = [{"type": "set_status", "value": "closed", "text": "Closed: no answer for a while."}]
RESOLVED = [{"field": "status", "op": "in", "values": ["resolved"]}]


def _resolve(agent, ticket):
    ticket_actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="solved",
        resolution_notes="Fixed.",
    )  # fmt: skip


@pytest.mark.django_db
def test_close_resolved_tickets_after_n_days_once_and_tell_the_requester(
    make_rule, requester, agent, team
):
    rule = make_rule(
        name="Auto-close", trigger="scheduled", conditions=RESOLVED, rule_actions=CLOSE,
        wait=3, wait_unit="days",
    )  # fmt: skip
    start = clock.now()
    with time_machine.travel(start, tick=False):
        old = make_ticket(requester, actor=agent, team_id=team.pk)
        _resolve(agent, old)
        still_open = make_ticket(requester, actor=agent, team_id=team.pk)
    with time_machine.travel(start + timedelta(days=2), tick=False):
        recent = make_ticket(requester, actor=agent, team_id=team.pk)
        _resolve(agent, recent)

    later = start + timedelta(days=3, hours=1)
    dry = actions.dry_run(actor=rule.created_by, data={**_data(rule), "id": rule.pk}, now=later)
    with time_machine.travel(later, tick=False):
        with CaptureQueriesContext(connection) as queries:
            first = actions.sweep_time_rules()
        second = actions.sweep_time_rules()
    assert [h.ticket.pk for h in dry.hits] == [old.pk]  # the dry run is what the run did
    assert (first.acted, second.acted) == (1, 0)
    assert Ticket.objects.get(pk=old.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=recent.pk).status == Status.RESOLVED
    assert Ticket.objects.get(pk=still_open.pk).status != Status.CLOSED
    told = Ticket.objects.get(pk=old.pk).events.filter(type="comment", public=True)
    assert told.get().body == "Closed: no answer for a while."
    assert RuleRun.objects.filter(rule=rule).count() == 1
    # One query finds the due tickets, one reads back those this worker claimed (the lock
    # before the claim reads tickets only).
    finding = [q["sql"] for q in queries.captured_queries if "automation_rulerun" in q["sql"]]
    assert len([q for q in finding if q.lstrip().upper().startswith("SELECT")]) == 2
    assert len([q for q in finding if q.lstrip().upper().startswith("INSERT")]) == 1


def _data(rule: Rule) -> dict:
    return {
        "name": rule.name, "trigger": rule.trigger, "conditions": rule.conditions,
        "actions": rule.actions, "wait": rule.wait, "wait_unit": rule.wait_unit,
        "calendar": rule.calendar_id,
    }  # fmt: skip


@pytest.mark.django_db
def test_business_days_skip_the_weekend(make_rule, requester, agent, team):
    office = BusinessCalendar.objects.create(
        name="Office", time_zone="UTC", hours={"mon-fri": "09:00-17:00"}
    )
    make_rule(
        name="Close after 2 business days", trigger="scheduled", conditions=RESOLVED,
        rule_actions=CLOSE, wait=2, wait_unit="business_days", calendar=office.pk,
    )  # fmt: skip
    friday = clock.now().replace(year=2026, month=12, day=4, hour=12, minute=0)
    with time_machine.travel(friday, tick=False):
        ticket = make_ticket(requester, actor=agent, team_id=team.pk)
        _resolve(agent, ticket)
    with time_machine.travel(friday + timedelta(days=3, hours=6), tick=False):  # Monday 18:00
        assert actions.sweep_time_rules().acted == 0
    with time_machine.travel(friday + timedelta(days=4, hours=6), tick=False):  # Tuesday 18:00
        assert actions.sweep_time_rules().acted == 1
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


@pytest.mark.django_db
def test_a_new_period_starts_when_the_ticket_is_touched(make_rule, requester, agent, team):
    make_rule(
        name="Remind", trigger="scheduled",
        conditions=[{"field": "status", "op": "in", "values": ["pending"]}],
        rule_actions=[{"type": "notify", "value": "requester", "text": "Any news?"}],
        wait=24, wait_unit="hours",
    )  # fmt: skip
    start = clock.now()
    with time_machine.travel(start, tick=False):
        ticket = make_ticket(requester, actor=agent, team_id=team.pk)
        ticket_actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to="pending", pending_reason="requester"
        )
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        assert actions.sweep_time_rules().acted == 1
        assert actions.sweep_time_rules().acted == 0  # notify only: same period
        ticket_actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Still waiting")
    with time_machine.travel(start + timedelta(hours=50), tick=False):
        assert actions.sweep_time_rules().acted == 1
    assert RuleRun.objects.count() == 2


@pytest.mark.django_db
def test_dry_run_of_an_event_rule_equals_the_real_run(make_rule, manager, other_team):
    requester = RequesterFactory()
    titles = ["Printer jam", "VPN down", "printer toner", "Mail bounce", "PRINTER offline"]
    data = {
        "name": "Printers",
        "trigger": "created",
        "conditions": [{"field": "title", "op": "contains", "values": ["printer"]}],
        "actions": [{"type": "set_field", "field": "team", "value": str(other_team.pk)}],
    }
    before = [make_ticket(requester, title=t) for t in titles]
    dry = actions.dry_run(actor=manager, data=data)
    predicted = {t.title for t in (h.ticket for h in dry.hits)}
    assert dry.looked_at == len(titles)
    assert all(h.lines == (f"Set Team to {other_team.name}",) for h in dry.hits)
    assert Ticket.objects.filter(team=other_team).count() == 0  # wrote nothing

    actions.rule_create(actor=manager, data=data)
    after = [make_ticket(requester, title=t) for t in titles]
    done = {t.title for t in after if Ticket.objects.get(pk=t.pk).team_id == other_team.pk}
    assert predicted == done == {"Printer jam", "printer toner", "PRINTER offline"}
    assert len(before) == len(after)


REMIND = [{"type": "notify", "value": "requester", "text": "Any news?"},
          {"type": "add_tag", "value": "reminded"}]  # fmt: skip


@pytest.mark.parametrize("rule_actions", [CLOSE, REMIND], ids=["one-at-a-time", "batched"])
@pytest.mark.django_db(transaction=True)
def test_two_workers_act_on_each_ticket_once(rule_actions):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite fails a second writer at once instead of waiting: run on PostgreSQL")
    team = TeamFactory(name="Desk")
    agent = AgentFactory()
    add_to_team(agent, team)
    manager = AgentFactory(role="manager")
    actions.rule_create(
        actor=manager,
        data={
            "name": "Close", "trigger": "scheduled", "conditions": RESOLVED,
            "actions": rule_actions, "wait": 1, "wait_unit": "hours",
        },
    )  # fmt: skip
    requester = RequesterFactory()
    start = clock.now()
    with time_machine.travel(start, tick=False):
        tickets = [make_ticket(requester, actor=agent, team_id=team.pk) for _ in range(20)]
        for ticket in tickets:
            _resolve(agent, ticket)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def work():
        try:
            barrier.wait()
            with time_machine.travel(start + timedelta(hours=2), tick=False):
                results.append(actions.sweep_time_rules())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    close_old_connections()
    assert errors == []
    assert sum(r.acted for r in results) == 20
    assert RuleRun.objects.count() == 20
    assert not RuleRun.objects.filter(outcome__startswith="claim:").exists()
    for ticket in tickets:  # one trace each, never two
        assert Ticket.objects.get(pk=ticket.pk).events.filter(field="automation").count() == 1
    if rule_actions == CLOSE:
        assert Ticket.objects.filter(status=Status.CLOSED).count() == 20
        for ticket in tickets:  # one closing reply each, never two
            assert Ticket.objects.get(pk=ticket.pk).events.filter(type="comment").count() == 1
    else:
        from atiende.notifications.models import Notification

        told = Notification.objects.filter(verb="automation_notice")
        assert sorted(told.values_list("ticket_id", flat=True)) == sorted(t.pk for t in tickets)


@pytest.mark.django_db(transaction=True)
def test_the_embedded_runners_sweep_is_shared_by_threads(
    settings, make_rule, requester, agent, team
):
    """Without a broker on PostgreSQL, the periodic task's sharers are threads with their own
    connections: together they act on every due ticket once."""
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite the sweep runs alone (one writer at a time)")
    from atiende.automation import tasks

    settings.BROKER_URL, settings.AUTOMATION_SWEEPERS = "", 2
    make_rule(
        name="Close", trigger="scheduled", conditions=RESOLVED, rule_actions=CLOSE,
        wait=1, wait_unit="hours",
    )  # fmt: skip
    start = clock.now() - timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        tickets = [make_ticket(requester, actor=agent, team_id=team.pk) for _ in range(12)]
        for ticket in tickets:
            _resolve(agent, ticket)
    answered = tasks.automation_sweep()
    close_old_connections()
    assert answered["acted"] == 12
    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets], status=Status.CLOSED).count() == 12
    for ticket in tickets:  # one closing reply each, never two
        assert Ticket.objects.get(pk=ticket.pk).events.filter(type="comment").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_takes_the_next_tickets_instead_of_waiting(
    monkeypatch, make_rule, requester, agent, team
):
    """Two sweeps at once share the work: while the first holds its first batch (its
    transaction open, its claims not committed), the second passes over those tickets
    (FOR UPDATE SKIP LOCKED) and acts on all the others, without waiting for the first;
    together they act on every due ticket exactly once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: a second sweep cannot run alongside")
    from atiende.automation import engine

    monkeypatch.setattr(actions, "SWEEP_BATCH", 5)
    monkeypatch.setattr(actions, "SWEEP_CHUNK", 5)
    make_rule(
        name="Close", trigger="scheduled", conditions=RESOLVED, rule_actions=CLOSE,
        wait=1, wait_unit="hours",
    )  # fmt: skip
    with time_machine.travel(clock.now() - timedelta(hours=2), tick=False):
        tickets = [make_ticket(requester, actor=agent, team_id=team.pk) for _ in range(20)]
        for ticket in tickets:
            _resolve(agent, ticket)
    holding, second_done = threading.Event(), threading.Event()
    results: dict[str, actions.SweepResult] = {}
    errors: list[BaseException] = []
    waited_out = []
    apply_many = engine.apply_many

    def held_apply_many(rule, ticket_ids, *, bot):
        # The first worker, in its first batch's transaction: hold it open until the second
        # worker has finished (or 15 s, the second waiting on the first: the old behaviour).
        if threading.current_thread().name == "first" and not holding.is_set():
            holding.set()
            waited_out.append(not second_done.wait(15))
        return apply_many(rule, ticket_ids, bot=bot)

    monkeypatch.setattr(engine, "apply_many", held_apply_many)

    def work(name: str) -> None:
        try:
            results[name] = actions.sweep_time_rules()
        except BaseException as exc:
            errors.append(exc)
        finally:
            if name == "second":
                second_done.set()
            connections.close_all()

    first = threading.Thread(target=work, args=("first",), name="first")
    first.start()
    assert holding.wait(30)
    second = threading.Thread(target=work, args=("second",), name="second")
    second.start()
    second.join(timeout=60)
    first.join(timeout=60)
    close_old_connections()
    assert errors == []
    assert waited_out == [False]  # the second finished while the first held its batch
    assert (results["first"].acted, results["second"].acted) == (5, 15)
    assert RuleRun.objects.count() == 20
    assert not RuleRun.objects.filter(outcome__startswith="claim:").exists()
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 20
    for ticket in tickets:  # one closing reply and one trace each, never two
        events = Ticket.objects.get(pk=ticket.pk).events
        assert events.filter(type="comment").count() == 1
        assert events.filter(field="automation").count() == 1


def test_the_sweep_is_a_periodic_job_and_a_celery_task():
    from atiende.automation import tasks
    from atiende.celery import app
    from atiende.core import background

    jobs = {j.task: j.every for j in background.PERIODIC_JOBS}
    assert jobs["atiende.automation.sweep"] == timedelta(seconds=60)
    assert app.tasks["atiende.automation.sweep"].name == tasks.automation_sweep.name


@pytest.mark.parametrize(
    ("broker", "vendor", "sent", "runs"),
    [
        ("redis://x", "postgresql", 2, 1),  # workers: two more sent to them
        ("", "postgresql", 0, 3),  # inline: two more in threads
        ("redis://x", "sqlite", 0, 1),  # one writer at a time: alone
        ("", "sqlite", 0, 1),
    ],
)
def test_on_postgresql_the_sweep_is_shared_by_its_sweepers(
    settings, monkeypatch, broker, vendor, sent, runs
):
    """AUTOMATION_SWEEPERS sweeps share the periodic sweep on PostgreSQL (they split the due
    tickets: test_a_second_worker_takes_the_next_tickets_instead_of_waiting)."""
    from types import SimpleNamespace

    from atiende.automation import tasks

    settings.BROKER_URL, settings.AUTOMATION_SWEEPERS = broker, 3
    calls = {"delay": 0, "run": 0}
    lock = threading.Lock()

    def run():
        with lock:
            calls["run"] += 1
        return {"acted": 2, "skipped": 1}

    def delay():
        calls["delay"] += 1

    run.delay = delay  # type: ignore[attr-defined]
    monkeypatch.setattr(tasks, "automation_sweep_part", run)
    monkeypatch.setattr(tasks, "connection", SimpleNamespace(vendor=vendor))
    answered = tasks.automation_sweep()
    assert calls == {"delay": sent, "run": runs}
    # What was acted on here: this worker's share, or inline every sharer's.
    assert answered == {"acted": 2 * runs, "skipped": runs}


@pytest.mark.django_db
def test_one_sweep_goes_through_every_batch_past_tickets_left_alone(
    make_rule, requester, agent, team, monkeypatch
):
    """Batches go on from the last ticket seen: old tickets a text condition leaves alone
    (checked after the query) never hold the sweep up at the head of every batch."""
    monkeypatch.setattr(actions, "SWEEP_BATCH", 3)
    make_rule(
        name="Close printers", trigger="scheduled",
        conditions=[*RESOLVED, {"field": "title", "op": "contains", "values": ["printer"]}],
        rule_actions=CLOSE, wait=1, wait_unit="hours",
    )  # fmt: skip
    start = clock.now()
    made = []
    for n, title in enumerate(["VPN"] * 5 + ["Printer jam"] * 4):
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            ticket = make_ticket(requester, actor=agent, team_id=team.pk, title=title)
            _resolve(agent, ticket)
            made.append(ticket)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        result = actions.sweep_time_rules()
    assert result.acted == 4
    closed = set(Ticket.objects.filter(status=Status.CLOSED).values_list("pk", flat=True))
    assert closed == {t.pk for t in made[5:]}
    assert set(RuleRun.objects.values_list("outcome", flat=True)) == {"Change the status to Closed"}


@pytest.mark.django_db
def test_business_days_bound_matches_counting_each_ticket():
    """The one bound the query uses says the same as counting a ticket's business days."""
    from datetime import UTC, datetime

    office = BusinessCalendar.objects.create(
        name="Office", time_zone="Europe/Madrid", hours={"mon-fri": "09:00-17:00"}
    ).to_calendar()
    now = datetime(2026, 12, 9, 10, 30, tzinfo=UTC)  # a Wednesday
    for days in (1, 2, 3, 5, 10):
        bound = actions._business_cutoff(office, now, days)
        for hours_back in range(0, 24 * 20, 5):
            touched = now - timedelta(hours=hours_back)
            counted = _count_business_days(office, touched, now)
            assert (touched < bound) == (counted >= days), (days, touched)


def _count_business_days(calendar, start, end) -> int:
    first = start.astimezone(calendar.zone).date()
    return len(
        {
            o.astimezone(calendar.zone).date()
            for o, _c in calendar.open_periods(start, end)
            if o.astimezone(calendar.zone).date() > first
        }
    )


@pytest.mark.django_db
def test_notices_and_tags_are_done_for_the_batch_with_one_trace_per_ticket(
    make_rule, requester, agent, team
):
    """Batched actions (engine.BATCHED) have the effects of one ticket at a time: the
    notice, the tag with its timeline entry (none for a ticket that had it), one trace."""
    from atiende.notifications.models import Notification

    rule = make_rule(
        name="Remind", trigger="scheduled",
        conditions=[{"field": "status", "op": "in", "values": ["pending"]}],
        rule_actions=[
            {"type": "notify", "value": "requester", "text": "Any news?"},
            {"type": "add_tag", "value": "reminded"},
        ],
        wait=24, wait_unit="hours",
    )  # fmt: skip
    start = clock.now()
    with time_machine.travel(start, tick=False):
        tickets = [make_ticket(requester, actor=agent, team_id=team.pk) for _ in range(3)]
        for ticket in tickets:
            ticket_actions.ticket_transition(
                actor=agent, ticket_id=ticket.pk, to="pending", pending_reason="requester"
            )
        actions.tag_add(actor=agent, ticket_id=tickets[0].pk, name="reminded")
    with (
        time_machine.travel(start + timedelta(hours=25), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert actions.sweep_time_rules().acted == 3
    for ticket in tickets:
        told = Notification.objects.get(ticket_id=ticket.pk, verb="automation_notice")
        assert told.user_id == requester.pk
        assert told.params == {"number": ticket.number, "rule": rule.name, "message": "Any news?"}
        assert ticket.tags.filter(name="reminded").count() == 1
        assert ticket.events.filter(field="tags").count() == 1
        (trace,) = ticket.events.filter(field="automation")
        assert trace.new_value == rule.name
        assert trace.body == "Notify the requester\nAdd the tag “reminded”"
    assert set(RuleRun.objects.values_list("outcome", flat=True)) == {trace.body}
    assert len(queries.captured_queries) < 25  # for the batch, not per ticket
