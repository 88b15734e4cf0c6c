"""The desk's Reports page: pick metric x dimension x period with filters; a chart drawn on
the server (SVG, with its title, description and the table under it as the accessible
alternative) and the table, each number a link to the ticket list with the same filter; CSV
exports streamed row by row."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import ValidationFailed
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.core.spreadsheet import Echo, safe_cell
from atiende.sla.models import ClockState

from . import actions, selectors
from .forms import ReportForm, SaveReportForm
from .metrics import DIMENSIONS, OTHER_SOURCES, Unit
from .selectors import Period, Report, Row

CHART_WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 200


def _read(request, data: QueryDict | None = None) -> tuple[ReportForm, Report | None]:
    data = request.GET if data is None else data
    form = ReportForm(data or None)
    if not form.is_bound:
        form = ReportForm({"metric": "created", "dimension": "team"})
    if not form.is_valid():
        return form, None
    start, end = form.period_bounds()
    try:
        result = selectors.report(
            request.user,
            metric=form.cleaned_data["metric"],
            dimension=form.cleaned_data["dimension"],
            period=Period(start, end),
            filters=form.filters(),
        )
    except ValidationFailed as exc:
        for name, messages in exc.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        return form, None
    return form, result


def show(value: float | None, unit: str) -> str:
    """A value in the reader's number format: durations in hours, rates in percent."""
    if value is None:
        return "—"
    if unit == Unit.COUNT:
        return number_format(int(value), force_grouping=True)
    if unit == Unit.SECONDS:
        return _("%(hours)s h") % {"hours": number_format(value / 3600, 1, force_grouping=True)}
    if unit == Unit.PERCENT:
        return _("%(value)s %%") % {"value": number_format(value, 1, force_grouping=True)}
    return number_format(value, 2, force_grouping=True)


def _key_text(row: Row | None) -> str:
    if row is None:
        return "all"
    if row.key is None:
        return ""
    return row.key.isoformat() if hasattr(row.key, "isoformat") else str(row.key)


def _drill(query: QueryDict, report: Report, row: Row | None) -> str | None:
    """The exact tickets behind a number (the metric's population for that row and period)."""
    if report.metric.name in OTHER_SOURCES:
        return None
    query = query.copy()
    query["key"] = _key_text(row)
    query.pop("cursor", None)
    return reverse("reports:drill") + "?" + query.urlencode()


def _chart(report: Report) -> dict[str, Any]:
    values = [r.value or 0 for r in report.rows]
    top = max(values, default=0) or 1
    bars = []
    for index, row in enumerate(report.rows):
        width = int((CHART_WIDTH - LABEL_WIDTH - 80) * (row.value or 0) / top)
        bars.append({"y": index * (BAR_HEIGHT + 6), "width": width, "label": row.label,
                     "shown": show(row.value, report.metric.unit)})  # fmt: skip
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(1, len(bars)) * (BAR_HEIGHT + 6),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "text_x": LABEL_WIDTH + 6,
    }


def _table_rows(query: QueryDict, report: Report) -> list[dict[str, Any]]:
    unit = report.metric.unit
    rows = []
    for row in report.rows:
        rows.append({"row": row, "value": show(row.value, unit),
                     "previous": show(row.previous, unit), "link": _drill(query, report, row),
                     "p90": show(row.parts.get("p90"), unit) if "p90" in row.parts else None})  # fmt: skip
    return rows


@agents_only
@actions.facts_current
def report_page(request) -> HttpResponse:
    return _report_page(request, request.GET)


def _report_page(
    request, query: QueryDict, save_form: SaveReportForm | None = None, status: int = 200
) -> HttpResponse:
    form, result = _read(request, query)
    context: dict[str, Any] = {
        "form": form,
        "report": result,
        "nav": "reports",
        "save_form": save_form or SaveReportForm(),
        "saved_reports": [
            (saved, reverse("reports:page") + "?" + urlencode(
                {"metric": saved.metric, "dimension": saved.dimension, **saved.filters}))
            for saved in selectors.saved_reports_of(request.user)
        ],
    }  # fmt: skip
    if result is not None:
        unit = result.metric.unit
        _start, _end = form.period_bounds()
        context.update(
            chart=_chart(result),
            rows=_table_rows(query, result),
            total={
                "value": show(result.total.value, unit),
                "previous": show(result.total.previous, unit),
                "p90": show(result.total.parts.get("p90"), unit) if unit == Unit.SECONDS else None,
                "link": _drill(query, result, None),
                "count": result.total.count,
            },
            dimension_label=DIMENSIONS[result.dimension],
            period_label=_("%(start)s to %(end)s")
            % {
                "start": date_format(form.cleaned_data["start"], "SHORT_DATE_FORMAT"),
                "end": date_format(form.cleaned_data["end"], "SHORT_DATE_FORMAT"),
            },
            export_query=query.urlencode(),
            durations=unit == Unit.SECONDS,
        )
    return render(request, "reports/page.html", context, status=status)


@agents_only
@require_POST
def save(request) -> HttpResponse:
    """Save the report of the page's query under a name, optionally e-mailed weekly or
    monthly. A refused save shows the page again with the reasons (422), nothing written."""
    report_form = ReportForm(request.POST)
    save_form = SaveReportForm(request.POST)
    if report_form.is_valid() and save_form.is_valid():
        try:
            actions.saved_report_create(
                actor=request.user,
                name=save_form.cleaned_data["name"],
                metric=report_form.cleaned_data["metric"],
                dimension=report_form.cleaned_data["dimension"],
                filters=report_form.filters(),
                frequency=save_form.cleaned_data["frequency"],
            )
        except ValidationFailed as exc:
            apply_domain_error(save_form, exc)
        else:
            messages.success(request, _("The report is saved."))
            query = {k: v for k, v in request.POST.items() if k in report_form.fields and v}
            return redirect(reverse("reports:page") + "?" + urlencode(query))
    # The page again, with the report that was being saved and the reasons.
    query = QueryDict(urlencode({k: v for k, v in request.POST.items() if k in report_form.fields}))
    return _report_page(request, query, save_form=save_form, status=422)


@agents_only
@require_POST
def delete_saved(request, report_id: int) -> HttpResponse:
    actions.saved_report_delete(actor=request.user, report_id=report_id)
    messages.success(request, _("The saved report is deleted."))
    return redirect("reports:page")


def _clock_label(state: str) -> str:
    return str(ClockState(state).label) if state in ClockState.values else "—"


@agents_only
@actions.facts_current
def drill(request) -> HttpResponse:
    """The tickets behind one number of the report (GET: the report's parameters and `key`)."""
    form = ReportForm(request.GET or None)
    if not form.is_bound or not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    start, end = form.period_bounds()
    key = request.GET.get("key", "all")[:64]
    page = selectors.drill_page(
        request.user,
        metric=form.cleaned_data["metric"],
        dimension=form.cleaned_data["dimension"],
        key=key,
        period=Period(start, end),
        filters=form.filters(),
        cursor=request.GET.get("cursor"),
    )
    for fact in page.items:
        fact.first_response_label = _clock_label(fact.first_response_sla)
        fact.resolution_label = _clock_label(fact.resolution_sla)
    back = request.GET.copy()
    back.pop("key", None)
    back.pop("cursor", None)
    metric = selectors.METRICS[form.cleaned_data["metric"]]
    return render(
        request,
        "reports/drill.html",
        {
            "nav": "reports",
            "page": page,
            "metric": metric,
            "dimension_label": DIMENSIONS[form.cleaned_data["dimension"]],
            "back": reverse("reports:page") + "?" + back.urlencode(),
            "durations": metric.unit == Unit.SECONDS,
        },
    )


def _cell(value: Any) -> Any:
    """Numbers as they are; text (names people typed) never run as a formula."""
    if value is None:
        return ""
    return safe_cell(value) if isinstance(value, str) else value


def _csv(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(Echo())
    first = True
    for row in rows:
        line = writer.writerow([_cell(v) for v in row])
        yield ("\ufeff" + line) if first else line
        first = False


@agents_only
@actions.facts_current
def report_csv(request) -> HttpResponse | StreamingHttpResponse:
    form, result = _read(request)
    if result is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    response = StreamingHttpResponse(
        _csv(selectors.export_rows(result)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="report-{result.metric.name}.csv"'
    return response


@agents_only
@actions.facts_current
def facts_csv(request) -> HttpResponse | StreamingHttpResponse:
    """Every ticket fact of the period (created in it) that the reader may count, one row per
    ticket: streamed in chunks from a server-side cursor, so memory stays constant however
    many rows there are."""
    form = ReportForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    if not form.is_bound:
        form = ReportForm({})
        form.is_valid()
    start, end = form.period_bounds()
    rows = selectors.fact_rows(request.user, Period(start, end), form.filters())
    response = StreamingHttpResponse(_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ticket-facts.csv"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_CHUNK = 64 * 1024


def _xlsx(rows: Iterable[Iterable[Any]], title: str) -> Iterator[bytes]:
    """The rows as an .xlsx workbook, in constant memory: openpyxl's write-only mode writes
    each row to a temporary file as it comes (no cell kept in memory), the finished workbook
    (a zip) is then read back and sent in chunks. Text is always a text cell, never a formula;
    datetimes are shown in the reader's time zone (a workbook has no time zones)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    tz = timezone.get_current_timezone()
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # never a formula, whatever it starts with
                cells.append(cell)
            elif isinstance(value, datetime) and timezone.is_aware(value):
                cells.append(timezone.localtime(value, tz).replace(tzinfo=None))
            elif value is None or isinstance(value, (int, float)):
                cells.append(value)
            else:  # dates of day/week/month rows, Promise labels
                cells.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
        sheet.append(cells)
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(XLSX_CHUNK):
            yield chunk


def _xlsx_response(
    rows: Iterable[Iterable[Any]], title: str, filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_xlsx(rows, title), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@agents_only
@actions.facts_current
def report_xlsx(request) -> HttpResponse | StreamingHttpResponse:
    form, result = _read(request)
    if result is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    return _xlsx_response(
        selectors.export_rows(result), result.metric.name, f"report-{result.metric.name}.xlsx"
    )


@agents_only
@actions.facts_current
def facts_xlsx(request) -> HttpResponse | StreamingHttpResponse:
    """The ticket facts of facts_csv as a workbook, streamed in constant memory."""
    form = ReportForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    if not form.is_bound:
        form = ReportForm({})
        form.is_valid()
    start, end = form.period_bounds()
    rows = selectors.fact_rows(request.user, Period(start, end), form.filters())
    return _xlsx_response(rows, "facts", "ticket-facts.xlsx")
