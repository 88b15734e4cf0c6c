"""A saved report's scheduled e-mail: composed at delivery (mail.outbound.delivery.
register_kind) in the owner's language and time zone, with the numbers they may count at
that moment (the one access rule), for the period fixed when it was queued."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from atiende.accounts.models import User
from atiende.core.dates import parse_moment
from atiende.core.errors import DomainError
from atiende.mail.models import OutboundMessage
from atiende.mail.outbound import compose
from atiende.mail.outbound.delivery import Suppress, absolute

from . import selectors
from .metrics import DIMENSIONS
from .models import SavedReport


class _Subject:
    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return gettext("Report: %(name)s") % {"name": self.name}


def build(
    row: OutboundMessage, user: User | None, language: str, context: dict[str, Any]
) -> tuple[Any, ...]:
    from .views import show

    params = row.params or {}
    pk = params.get("saved_report")
    saved = SavedReport.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if saved is None or user is None or saved.owner_id != user.pk:
        raise Suppress("the saved report is gone")
    if not selectors.can_read_reports(user):
        raise Suppress("the owner no longer reads reports")
    try:
        start = parse_moment(params.get("start"), field="start", offset_required=True)
        end = parse_moment(params.get("end"), field="end", offset_required=True)
    except DomainError as exc:
        raise Suppress("the period is not readable") from exc
    if start is None or end is None:
        raise Suppress("no period")
    tz = context.get("time_zone") or "UTC"
    with translation.override(language), timezone.override(tz):
        try:
            report = selectors.report(
                user, metric=saved.metric, dimension=saved.dimension,
                period=selectors.Period(start, end), filters=saved.filters,
            )  # fmt: skip
        except DomainError as exc:
            raise Suppress(f"the report cannot be made: {exc}") from exc
        unit = report.metric.unit
        first = timezone.localtime(start).date()
        last = timezone.localtime(end - timedelta(microseconds=1)).date()
        query = {"metric": saved.metric, "dimension": saved.dimension,
                 "start": first.isoformat(), "end": last.isoformat(), **saved.filters}  # fmt: skip
        context.update(
            name=saved.name,
            metric_label=str(report.metric.label),
            dimension_label=str(DIMENSIONS[report.dimension]),
            period_label=gettext("%(start)s to %(end)s")
            % {
                "start": date_format(first, "SHORT_DATE_FORMAT"),
                "end": date_format(last, "SHORT_DATE_FORMAT"),
            },
            rows=[
                {"label": r.label, "value": show(r.value, unit), "previous": show(r.previous, unit)}
                for r in report.rows
            ],
            total={
                "value": show(report.total.value, unit),
                "previous": show(report.total.previous, unit),
            },
            report_url=absolute(reverse("reports:page") + "?" + urlencode(query)),
            replyable=False,
        )
    return context, "report", _Subject(saved.name), compose.AUTO_GENERATED
