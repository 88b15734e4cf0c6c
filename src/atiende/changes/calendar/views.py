"""The change calendar pages (month, week, list), the iCalendar feed, its subscribe page and
the CAB agenda. Thin: a form parses the query string, `calendar` reads, templates render."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from atiende.accounts.models import Team, User
from atiende.cmdb.models import SERVICE_CLASSES, ConfigurationItem
from atiende.core import clock
from atiende.core.forms import DayField
from atiende.core.http import agents_only

from ..models import ChangeType
from ..workflow import STATUSES
from . import actions, ics, selectors

NUMBER_PLACEHOLDER = "CHG-000000"
LIST_DAYS = 7
LIST_LIMIT = 500
FEED_PAST_DAYS = 31
FEED_FUTURE_DAYS = 366
FEED_LIMIT = 5000


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def change_url_pattern() -> str:
    """The URL of a change with a placeholder number: reversed once per page, not per entry
    (a month may hold thousands). The change page if the changes app has one, else the desk's
    ticket page."""
    for name in ("changes:change", "changes:detail", "desk:ticket"):
        try:
            return reverse(name, args=[NUMBER_PLACEHOLDER])
        except NoReverseMatch:
            continue
    return "#"  # pragma: no cover


def _status_choices() -> list[tuple[str, Any]]:
    from atiende.tickets.models import Status

    return [(s, Status(s).label) for s in STATUSES]


def _options(field: forms.BoundField, queryset) -> SafeString:
    chosen = str(field.value() or "")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (pk, mark_safe(" selected") if str(pk) == chosen else "", name)
            for pk, name in queryset.values_list("pk", "name")
        ),
    )


class CalendarForm(forms.Form):
    view = forms.ChoiceField(
        label=gettext_lazy("View"),
        required=False,
        choices=[
            (selectors.MONTH, gettext_lazy("Month")),
            (selectors.WEEK, gettext_lazy("Week")),
            (selectors.LIST, gettext_lazy("List")),
        ],
    )
    date = DayField(label=gettext_lazy("Date"), required=False)
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"),
        required=False,
        queryset=ConfigurationItem.objects.filter(ci_class__in=SERVICE_CLASSES).order_by("name"),
        empty_label=gettext_lazy("All services"),
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        required=False,
        queryset=Team.objects.order_by("name"),
        empty_label=gettext_lazy("All teams"),
    )
    type = forms.ChoiceField(label=gettext_lazy("Type"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["type"]).choices = [
            ("", _("All types")),
            *ChangeType.choices,
        ]
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("All planned")),
            *_status_choices(),
        ]

    def option_fields(self) -> list[tuple[forms.BoundField, SafeString, str]]:
        """(field, its <option> elements, empty label) of the service and team pickers, the
        options joined here in one pass: a desk may have a thousand services, and a template
        loop cost 3-5 template nodes per option on every calendar page."""
        return [
            (self[name], _options(self[name], self.fields[name].queryset), empty)  # type: ignore[attr-defined]
            for name, empty in (("service", _("All services")), ("team", _("All teams")))
        ]

    def filters(self) -> selectors.CalendarFilters:
        data = self.cleaned_data
        return selectors.CalendarFilters(
            service=data["service"].pk if data.get("service") else None,
            team=data["team"].pk if data.get("team") else None,
            change_type=data.get("type") or None,
            status=[data["status"]] if data.get("status") else [],
        )

    def filter_query(self) -> dict[str, str]:
        """The filters as query parameters (for navigation and the feed link)."""
        data = self.cleaned_data
        query = {
            "service": str(data["service"].pk) if data.get("service") else "",
            "team": str(data["team"].pk) if data.get("team") else "",
            "type": data.get("type") or "",
            "status": data.get("status") or "",
        }
        return {k: v for k, v in query.items() if v}


def _link(view: str, day: date, filters: dict[str, str]) -> str:
    return "?" + urlencode({"view": view, "date": day.isoformat(), **filters})


def _navigation(view: str, day: date, today: date, filters: dict[str, str]) -> dict:
    if view == selectors.MONTH:
        prev_day, next_day = selectors.shift_month(day, -1), selectors.shift_month(day, 1)
    elif view == selectors.WEEK:
        prev_day, next_day = day - timedelta(days=7), day + timedelta(days=7)
    else:
        prev_day, next_day = day - timedelta(days=LIST_DAYS), day + timedelta(days=LIST_DAYS)
    return {
        "prev": _link(view, prev_day, filters),
        "next": _link(view, next_day, filters),
        "today": _link(view, today, filters),
        "views": {v: _link(v, day, filters) for v in selectors.VIEWS},
    }


@agents_only
def calendar_page(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(request.GET)
    tz = timezone.get_current_timezone()
    today = clock.now().astimezone(tz).date()
    if not form.is_valid():
        context = {
            "form": form,
            "nav": "change_calendar",
            "view": selectors.MONTH,
            "option_fields": form.option_fields(),
        }
        return render(request, "changes/calendar.html", context, status=400)
    view = form.cleaned_data.get("view") or selectors.MONTH
    day = form.cleaned_data.get("date") or today
    filters = form.filters()
    query = form.filter_query()
    if view == selectors.MONTH:
        days = selectors.month_days(day.year, day.month)
        title = date(day.year, day.month, 1)
    elif view == selectors.WEEK:
        days = selectors.week_days(day)
        title = days[0]
    else:
        days = [day + timedelta(days=n) for n in range(LIST_DAYS)]
        title = day
    start, end = selectors.local_range(days, tz)
    limit = LIST_LIMIT if view == selectors.LIST else None
    # Month and week show a few changes a day: only those get their conflict flag read.
    entries = selectors.entries(
        _actor(request), start, end, filters, limit=limit, conflicts=view == selectors.LIST
    )
    blackouts = selectors.blackouts_in_range(start, end)
    context = {
        "form": form,
        "option_fields": form.option_fields(),
        "nav": "change_calendar",
        "view": view,
        "day": day,
        "today": today,
        "title_day": title,
        "days": days,
        "range_start": start,
        "range_end": end - timedelta(seconds=1),
        "blackouts": blackouts,
        "blackout_days": _blackout_days(blackouts, days, tz),
        "navigation": _navigation(view, day, today, query),
        "change_url": change_url_pattern(),
        "placeholder": NUMBER_PLACEHOLDER,
        "feed_query": urlencode(query),
        "active_filters": len(query),
        "count": len(entries),
    }
    if view == selectors.MONTH:
        cells = selectors.bucket(
            entries, days, tz, window=_window, per_cell=selectors.MONTH_CELL_ITEMS, month=day.month
        )
        _label_cells(cells, query)
        selectors.mark_conflicts(e for cell in cells for e in cell.shown)
        context["weeks"] = selectors.weeks(cells)
    elif view == selectors.WEEK:
        week = selectors.bucket(
            entries, days, tz, window=_window, per_cell=selectors.WEEK_CELL_ITEMS
        )
        _label_cells(week, query)
        selectors.mark_conflicts(e for cell in week for e in cell.shown)
        context["cells"] = week
    else:
        context["truncated"] = len(entries) >= LIST_LIMIT
        context["groups"] = _by_start_day(entries, tz)
    return render(request, "changes/calendar.html", context)


def _label_cells(cells: list, query: dict[str, str]) -> None:
    """Per-cell link and texts, computed once here rather than by a translation tag in each
    of the 35 to 42 cells of a month (the tags cost more than the rest of a cell)."""
    for cell in cells:
        cell.link = _link(selectors.LIST, cell.day, query)
        day = date_format(cell.day, "DATE_FORMAT")
        total = cell.total
        cell.label = (
            day
            if not total
            else f"{day}, " + ngettext("%(n)d change", "%(n)d changes", total) % {"n": total}
        )
        cell.more_text = ngettext("+%(n)d more", "+%(n)d more", cell.more) % {"n": cell.more}


def _window(entry: selectors.Entry) -> tuple[datetime, datetime]:
    return entry.start, entry.end


def _by_start_day(entries: list[selectors.Entry], tz) -> list[tuple[date, list[selectors.Entry]]]:
    groups: dict[date, list[selectors.Entry]] = {}
    for entry in entries:
        groups.setdefault(selectors.local(entry.start, tz).date(), []).append(entry)
    return list(groups.items())


def _blackout_days(blackouts, days: list[date], tz) -> dict[date, list[str]]:
    shown: dict[date, list[str]] = {}
    for blackout in blackouts:
        first, last = selectors.spanned_days(blackout.starts_at, blackout.ends_at, tz)
        for day in days:
            if first <= day <= last:
                shown.setdefault(day, []).append(blackout.name)
    return shown


# --- iCalendar feed ------------------------------------------------------------------------------

ICS_STATUS = {
    "scheduled": ics.CONFIRMED,
    "implementing": ics.CONFIRMED,
    "review": ics.CONFIRMED,
    "closed": ics.CONFIRMED,
    "cancelled": ics.CANCELLED,
    "rejected": ics.CANCELLED,
}


def calendar_feed(request: HttpRequest) -> HttpResponse:
    """`calendar.ics?token=…&service=…`: the calendar as iCalendar, for calendar applications.
    They cannot sign in, so a private feed token in the URL stands for the person (or the
    browser session when there is one); the same filters and access rules as the pages."""
    user = actions.feed_user(request.GET.get("token", ""))
    if user is None and request.user.is_authenticated and request.user.is_agent:
        user = request.user
    if user is None:
        raise Http404
    form = CalendarForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    now = clock.now()
    start, end = now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_FUTURE_DAYS)
    filters = form.filters()
    if not filters.status:
        filters.status = [s for s in STATUSES if s != "new"]  # cancellations reach subscribers
    entries = selectors.entries(user, start, end, filters, limit=FEED_LIMIT)
    pattern = request.build_absolute_uri(change_url_pattern())
    host = request.get_host().split(":")[0] or "atiende"
    events = [
        ics.FeedEvent(
            uid=f"change-{e.id}@{host}",
            start=e.start,
            end=e.end,
            summary=f"{e.number} {e.title}",
            status=ICS_STATUS.get(e.status, ics.TENTATIVE),
            url=pattern.replace(NUMBER_PLACEHOLDER, e.number),
            description=" · ".join(
                part
                for part in (
                    e.type_label,
                    e.status_label,
                    _("Conflicts with other changes or a blackout") if e.has_conflict else "",
                )
                if part
            ),
            categories=(str(_("Change")),),
        )
        for e in entries
    ]
    events += [
        ics.FeedEvent(
            uid=f"blackout-{b.pk}@{host}",
            start=b.starts_at,
            end=b.ends_at,
            summary=_("Blackout: %(name)s") % {"name": b.name},
            description=b.reason,
            categories=(str(_("Blackout window")),),
        )
        for b in selectors.blackouts_in_range(start, end)
    ]
    body = ics.render(events, name=str(_("Atiende changes")), stamp=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="changes.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@agents_only
def calendar_subscribe(request: HttpRequest) -> HttpResponse:
    """The private feed link: create (shown once), replace, revoke."""
    feed_query = request.GET.get("q", "")
    context = {
        "nav": "change_calendar",
        "active": actions.active_feed(_actor(request)),
        "feed_query": feed_query,
    }
    return render(request, "changes/calendar_subscribe.html", context)


@agents_only
@require_POST
def calendar_subscribe_create(request: HttpRequest) -> HttpResponse:
    issued = actions.feed_token_create(actor=_actor(request))
    query = request.POST.get("q", "")
    url = request.build_absolute_uri(reverse("changes:calendar_ics"))
    url += "?" + urlencode({"token": issued.secret}) + (f"&{query}" if query else "")
    context = {
        "nav": "change_calendar",
        "active": issued.token,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "feed_query": query,
    }
    response = render(request, "changes/calendar_subscribe.html", context)
    response["Cache-Control"] = "no-store"
    return response


@agents_only
@require_POST
def calendar_subscribe_revoke(request: HttpRequest) -> HttpResponse:
    if actions.feed_token_revoke(actor=_actor(request)):
        messages.success(request, _("Your calendar feed link no longer works."))
    return redirect("changes:calendar_subscribe")


# --- CAB agenda ----------------------------------------------------------------------------------


class AgendaForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Scheduled within (days)"),
        required=False,
        min_value=1,
        max_value=selectors.AGENDA_MAX_DAYS,
    )


@agents_only
def cab_agenda(request: HttpRequest) -> HttpResponse:
    form = AgendaForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "nav": "cab", "default_days": selectors.AGENDA_DAYS}
        return render(request, "changes/cab_agenda.html", context, status=400)
    days = form.cleaned_data.get("days") or selectors.AGENDA_DAYS
    now = clock.now()
    agenda = selectors.cab_agenda(_actor(request), now=now, days=days)
    context = {
        "form": form,
        "nav": "cab",
        "default_days": selectors.AGENDA_DAYS,
        "agenda": agenda,
        "now": now,
        "change_url": change_url_pattern(),
        "placeholder": NUMBER_PLACEHOLDER,
    }
    return render(request, "changes/cab_agenda.html", context)
