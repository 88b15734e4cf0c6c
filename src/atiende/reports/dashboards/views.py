"""The dashboard page (team leads and managers; every agent sees it, counting the tickets they
may see) and the agent's home (where an agent lands after signing in)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from atiende.core.http import agents_only

from ..actions import facts_current
from ..metrics import Unit
from ..views import show
from . import charts, selectors


def _drill(metric: str, dimension: str, key: Any, board: selectors.Dashboard) -> str:
    query = {
        "metric": metric,
        "dimension": dimension,
        "start": board.start.isoformat(),
        "end": board.end.isoformat(),
        "key": "" if key is None else str(key),
    }
    return reverse("reports:drill") + "?" + urlencode(query)


def _day_key(day: date) -> str:
    """A day as the reports' day dimension names it (local midnight, ISO 8601)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone()).isoformat()


def _kpi(label: str, now: float | None, before: float | None, unit: str, link: str) -> dict:
    return {"label": label, "value": show(now, unit), "previous": show(before, unit), "link": link}


@agents_only(others_to="portal:home")
@facts_current
def dashboard(request) -> HttpResponse:
    try:
        days = int(request.GET.get("days", selectors.DAYS[0]))
    except ValueError:
        days = selectors.DAYS[0]
    board = selectors.dashboard(request.user, days=days)
    now, before = board.now, board.before
    kpis = [
        _kpi(_("Tickets created"), now.created, before.created, Unit.COUNT,
             _drill("created", "all", "all", board)),
        _kpi(_("Tickets resolved"), now.resolved, before.resolved, Unit.COUNT,
             _drill("resolved", "all", "all", board)),
        _kpi(_("SLA compliance: first response"), now.sla_first_response,
             before.sla_first_response, Unit.PERCENT,
             _drill("sla_first_response", "all", "all", board)),
        _kpi(_("SLA compliance: resolution"), now.sla_resolution, before.sla_resolution,
             Unit.PERCENT, _drill("sla_resolution", "all", "all", board)),
        _kpi(_("First-contact resolution"), now.fcr, before.fcr, Unit.PERCENT,
             _drill("fcr", "all", "all", board)),
        _kpi(_("Reopen rate"), now.reopen_rate, before.reopen_rate, Unit.PERCENT,
             _drill("reopen_rate", "all", "all", board)),
    ]  # fmt: skip
    backlog_rows = [
        (label, n, _drill("backlog", "age", code, board)) for code, label, n in board.backlog
    ]
    flow_rows = [
        {
            "day": date_format(day, "SHORT_DATE_FORMAT"),
            "created": created,
            "resolved": resolved,
            "created_link": _drill("created", "day", _day_key(day), board),
            "resolved_link": _drill("resolved", "day", _day_key(day), board),
        }
        for day, created, resolved in board.flow
    ]
    workload: list[dict[str, Any]] = [
        {"row": row, "label": row.label or _("Unassigned"),
         "link": _drill("backlog", "agent", row.key, board)}
        for row in board.workload
    ]  # fmt: skip
    csat = board.csat
    context = {
        "nav": "dashboard",
        "board": board,
        "days_choices": selectors.DAYS,
        "period_label": _("%(start)s to %(end)s")
        % {
            "start": date_format(board.start, "SHORT_DATE_FORMAT"),
            "end": date_format(board.end, "SHORT_DATE_FORMAT"),
        },
        "kpis": kpis,
        "backlog_total": sum(n for _c, _l, n in board.backlog),
        "backlog_link": _drill("backlog", "all", "all", board),
        "backlog_chart": charts.bars(backlog_rows),
        "backlog_rows": backlog_rows,
        "flow_chart": charts.lines(board.flow),
        "flow_rows": flow_rows,
        "flow_totals": (sum(c for _d, c, _r in board.flow), sum(r for _d, _c, r in board.flow)),
        "workload": workload,
        "workload_chart": charts.bars(
            [(w["label"], w["row"].open, w["link"]) for w in workload[:12]]
        ),
        "categories": [
            (label, n, _drill("created", "category", key, board))
            for key, label, n in board.categories
        ],
        "services": [
            (label, n, _drill("created", "service", key, board)) for key, label, n in board.services
        ],
        "risk": board.risk,
        "breaching_link": reverse("desk:queue") + "?view=breaching",
        "csat_score": show(csat.get("csat"), Unit.PERCENT),
        "csat_previous": show((csat.get("previous") or {}).get("csat"), Unit.PERCENT),
        "csat_rate": show(csat.get("response_rate"), Unit.PERCENT),
        "csat_responses": csat.get("responses", 0),
        "csat_link": reverse("surveys:results")
        + "?"
        + urlencode({"start": board.start.isoformat(), "end": board.end.isoformat()}),
    }
    return render(request, "reports/dashboard.html", context)


@agents_only(others_to="portal:home")
def home(request) -> HttpResponse:
    found = selectors.agent_home(request.user)
    csat = found.csat
    return render(
        request,
        "reports/home.html",
        {
            "nav": "home",
            "home": found,
            "csat_score": show(csat.get("csat"), Unit.PERCENT),
            "csat_responses": csat.get("responses", 0),
            "csat_rate": show(csat.get("response_rate"), Unit.PERCENT),
            "now": timezone.now(),
        },
    )
