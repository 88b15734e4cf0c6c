"""The reporting store: one fact row per ticket (docs/metrics.md, "Storage").

Every metric of docs/metrics.md is an aggregate over these rows (and, for services and CIs,
their join to cmdb.TicketItem). A row holds the ticket's current dimensions and what was
measured about its history; the ticket's own transactions queue it for recomputation
(PendingFact), the catch-up recomputes it from the raw rows, and the reconciliation job
(tasks.py) checks every row against them in slices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.tickets.models import OPEN_STATUSES

# The condition of the open-work index, and the literal SQL the open-work queries filter by
# (reports.daily.open_facts): SQLite uses a partial index only when the query's own term
# matches the index's condition, literals included (a bound IN list never does).
OPEN_CONDITION = models.Q(status__in=OPEN_STATUSES)


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="fact",
        verbose_name=_("ticket"),
    )
    # Dimensions: the ticket's current values (a ticket moved between teams counts for the
    # team that holds it now; the moves themselves are `team_hops`).
    kind = models.CharField(max_length=16)
    channel = models.CharField(max_length=8)
    priority = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.DO_NOTHING, null=True, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, db_constraint=False,
        related_name="+", db_index=False,  # led by fact_assignee_team
    )  # fmt: skip
    category = models.ForeignKey(
        "tickets.Category", on_delete=models.DO_NOTHING, null=True, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.DO_NOTHING, null=True, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    # Measured facts.
    created_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    reopen_count = models.PositiveIntegerField(default=0)
    team_hops = models.PositiveIntegerField(default=0)
    agent_replies = models.PositiveIntegerField(default=0)
    # Wall time in seconds (None until the thing happened).
    first_response_wall = models.BigIntegerField(null=True)
    resolution_wall = models.BigIntegerField(null=True)
    # Business time in seconds, from the ticket's SLA clocks once they stopped (met).
    first_response_business = models.BigIntegerField(null=True)
    resolution_business = models.BigIntegerField(null=True)
    # The state of each SLA clock ("" when the ticket has none of that kind).
    first_response_sla = models.CharField(max_length=10, blank=True, default="")
    resolution_sla = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        verbose_name = _("ticket fact")
        verbose_name_plural = _("ticket facts")
        indexes = [
            models.Index(fields=["created_at", "team"], name="fact_created"),
            models.Index(fields=["resolved_at", "team"], name="fact_resolved"),
            models.Index(fields=["closed_at"], name="fact_closed"),
            models.Index(fields=["status", "created_at"], name="fact_status"),
            # An agent's facts outside their teams start here (reports.daily.outside_teams).
            models.Index(fields=["assignee", "team", "ticket"], name="fact_assignee_team"),
            # The open work (a few percent of the facts): what the dashboard's backlog and
            # workload panels read, index-only (reports.daily.open_facts).
            models.Index(
                fields=["status", "team", "assignee", "priority", "resolution_sla", "created_at"],
                name="fact_open_work",
                condition=OPEN_CONDITION,
            ),
        ]

    def __str__(self) -> str:
        return f"fact {self.ticket_id}"


# The counts a DailyFact row holds. Created-day counts: created, the SLA clock states, hops.
# Resolved-day counts (resolved or closed now): resolved, first-contact, reopened.
# Closed-day counts: closed.
DAILY_COUNTS = ("created", "fr_clocks", "fr_met", "fr_breached", "fr_running", "res_clocks",
                "res_met", "res_breached", "res_running", "hops", "hop_hits", "resolved", "fcr_hits", "reopen_hits",
                "closed")  # fmt: skip
# Dimensions stored; "all" and "team" are the sums of the "kind" rows (kind partitions tickets);
# "hour": the UTC hour of the day ("00".."23"), for days cut at a reader's midnight.
DAILY_DIMENSIONS = ("kind", "agent", "category", "organization", "channel", "priority", "hour")


class DailyFact(models.Model):
    """The ticket facts summed per UTC day, team and one dimension value (docs/metrics.md,
    "Daily aggregates"): what a 12-month report or a dashboard reads instead of a million facts.
    Kept by deltas in the fact's own transaction (aggregates.py) and rebuilt from the facts
    by the reconciliation job. `team_id` 0 is "no team"; `key` "" is "none"."""

    day = models.DateField()
    team_id = models.BigIntegerField()
    dimension = models.CharField(max_length=16)
    key = models.CharField(max_length=32)
    created = models.IntegerField(default=0)
    fr_clocks = models.IntegerField(default=0)  # tickets with that clock, whatever its state
    fr_met = models.IntegerField(default=0)
    fr_breached = models.IntegerField(default=0)
    fr_running = models.IntegerField(default=0)
    res_clocks = models.IntegerField(default=0)
    res_met = models.IntegerField(default=0)
    res_breached = models.IntegerField(default=0)
    res_running = models.IntegerField(default=0)
    hops = models.IntegerField(default=0)
    hop_hits = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    fcr_hits = models.IntegerField(default=0)
    reopen_hits = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily ticket figures")
        verbose_name_plural = _("daily ticket figures")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "day", "team_id", "key"], name="daily_fact_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.team_id} {self.dimension}={self.key}"


class PendingFact(models.Model):
    """A ticket whose fact waits to be recomputed (docs/metrics.md, "How the facts are kept").

    Written inside the transaction of the ticket's change (subscribers.py: one INSERT … ON
    CONFLICT DO NOTHING, committed or rolled back with the change), consumed by
    `actions.facts_catch_up`, which deletes the row, recomputes the fact from the raw rows
    and writes it with its aggregates' delta in one transaction: a crash anywhere leaves the
    row queued, and a fact is never counted twice. No foreign key: a deleted ticket's row
    is consumed like any other (its fact went with the ticket)."""

    ticket_id = models.BigIntegerField(primary_key=True)
    # When first queued (a later change of the same ticket finds the row and leaves it):
    # the age of the oldest row is how far behind the reports are.
    queued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket fact waiting for recomputation")
        verbose_name_plural = _("ticket facts waiting for recomputation")

    def __str__(self) -> str:
        return f"pending {self.ticket_id}"


class ReconcileCursor(models.Model):
    """Where the reconciliation job (tasks.py) continues: one row (pk=1). It walks the
    tickets by id, a slice per run, and moves this cursor in the slice's own transaction, so
    a crash redoes the slice (idempotent) and never skips one."""

    after_ticket_id = models.BigIntegerField(default=0)
    # The daily aggregates' rebuild walks the days backwards from today, some per run.
    daily_before = models.DateField(null=True)
    passes = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("reconciliation cursor")
        verbose_name_plural = _("reconciliation cursors")

    def __str__(self) -> str:
        return f"after {self.after_ticket_id}"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week (Monday)")
    MONTHLY = "monthly", _("Every month (the 1st)")


class SavedReport(models.Model):
    """A report an agent named to find again (metric x dimension + filters; the period is
    chosen when it is shown), optionally e-mailed to them weekly or monthly through the
    outbox, in their language, covering the last complete week or month
    (actions.scheduled_reports_send, a periodic job)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
        related_name="+", db_index=False,  # led by the (owner, name) index
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=120)
    metric = models.CharField(_("metric"), max_length=32)
    dimension = models.CharField(_("split by"), max_length=16)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    frequency = models.CharField(
        _("e-mail"), max_length=8, choices=Frequency, blank=True, default=""
    )
    # When the next e-mail is due (None: not e-mailed). Claimed with a conditional UPDATE.
    next_run_at = models.DateTimeField(_("next e-mail"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last e-mailed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        indexes = [
            models.Index(fields=["owner", "name"], name="saved_report_owner"),
            models.Index(
                fields=["next_run_at"],
                name="saved_report_due",
                condition=models.Q(next_run_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


# -- duration histograms (docs/metrics.md, "Duration histograms") ------------------------------

# Bucket k's lower edge in seconds: 0, then 60 · 1.25^(k-1) for k ≥ 1; the last bucket is
# open-ended (from about 1.9 years). A value's bucket is the last edge it reaches.
BUCKET_RATIO = 1.25
BUCKETS = 64
BUCKET_EDGES: tuple[int, ...] = (
    0,
    *(round(60 * BUCKET_RATIO ** (k - 1)) for k in range(1, BUCKETS)),
)
BUCKET_COLUMNS = tuple(f"b{k:02d}" for k in range(BUCKETS))
# Duration metric -> its code in the rows, the fact column measured, and the day it counts on.
DURATIONS: dict[str, tuple[str, str, str]] = {
    "first_response_wall": ("frw", "first_response_wall", "created_at"),
    "first_response_business": ("frb", "first_response_business", "created_at"),
    "resolution_wall": ("rsw", "resolution_wall", "resolved_at"),
    "resolution_business": ("rsb", "resolution_business", "resolved_at"),
}
# The stored dimensions (DAILY_DIMENSIONS without "hour": a period's ragged ends are read
# from the facts, under a day each).
DURATION_DIMENSIONS = ("kind", "agent", "category", "organization", "channel", "priority")


class DailyDuration(models.Model):
    """How many durations fell in each bucket (b00…b63, BUCKET_EDGES), per UTC day, team, one
    dimension value and duration metric: what a long report's median and 90th percentile
    are read from (docs/metrics.md, "Duration histograms"). Kept like DailyFact: deltas in
    the fact's own transaction (aggregates.py), rebuilt from the facts by the
    reconciliation job. `team_id` 0 is "no team"; `key` "" is "none"."""

    metric = models.CharField(max_length=4)
    dimension = models.CharField(max_length=16)
    day = models.DateField()
    team_id = models.BigIntegerField()
    key = models.CharField(max_length=32)
    for _column in BUCKET_COLUMNS:
        locals()[_column] = models.IntegerField(default=0)
    del _column

    objects: models.Manager[DailyDuration] = models.Manager()

    class Meta:
        verbose_name = _("daily duration histogram")
        verbose_name_plural = _("daily duration histograms")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "dimension", "day", "team_id", "key"],
                name="daily_duration_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.day} {self.team_id} {self.dimension}={self.key}"


def bucket_of(seconds: int | float) -> int:
    """The bucket of a duration (bisect over BUCKET_EDGES)."""
    import bisect

    return max(0, bisect.bisect_right(BUCKET_EDGES, seconds) - 1)
