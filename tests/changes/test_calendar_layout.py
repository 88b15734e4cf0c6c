"""How the calendar's entries are laid out: a month cell keeps the number and the start of
the title (the whole title in the link text and tooltip), a week chip holds its end time, the
month has a list of days for phones, and the CAB agenda's cells are labelled for stacking."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders

from ..servers import program
from .calendar_support import T0, at, make_change, small_estate

URL = "/changes/calendar/"
TITLE = "Replace the core switches in the data centre"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(T0, tick=False):
        yield


def _get(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _entries(body: str, number: str) -> list[str]:
    return re.findall(rf'<a class="cal-entry[^"]*" href="/changes/{number}/".*?</a>', body, re.S)


def test_month_entry_puts_the_title_on_its_own_line(client, agent):
    change = make_change(agent, start=at(13), end=at(15), title=TITLE)  # 22:00 to 00:00
    body = _get(client, agent, view="month", date="2026-12-01")
    grid = body[body.index('<table class="cal-month"') : body.index("</table>")]
    (entry,) = _entries(grid, change.number)
    assert f'title="{change.number} {TITLE} · Scheduled"' in entry
    line = re.search(r'<span class="cal-line">(.*?)</span></span>', entry, re.S)
    assert line is not None and change.number in line.group(1)
    assert f'<span class="cal-title">{TITLE}</span>' in entry  # whole title, cut by CSS only


def test_week_chip_holds_its_end_time(client, agent):
    change = make_change(agent, start=at(13), end=at(16), title=TITLE)  # 22:00 to 01:00 (8 Dec)
    body = _get(client, agent, view="week", date="2026-12-07")
    first, second = _entries(body, change.number)  # Monday, and Tuesday (continued)
    assert '<span class="cal-until"> – 01:00 (8 Dec)</span>' in first
    assert "22:00" in first
    assert "…01:00" in second and "cal-until" not in second
    assert "cal-until small muted" not in body  # no end time left outside the chips


def test_month_has_a_list_of_days_for_phones(client, agent):
    make_change(agent, start=at(13), end=at(15), title=TITLE)
    make_change(agent, start=at(1, days=9), end=at(2, days=9), title="Rotate certificates")
    body = _get(client, agent, view="month", date="2026-12-01")
    agenda = body[body.index('class="cal-month-agenda"') :]
    agenda = agenda[: agenda.index("</ol>")]
    days = re.findall(r'<li class="cal-agenda-day[^"]*">', agenda)
    assert len(days) == 2  # 7 December (today, with a change) and 16 December
    heads = re.findall(r'<h2 class="cal-agenda-head"><a href="[^"]*"[^>]*>([^<]*)</a>', agenda)
    assert [h.split(",")[0] for h in heads] == ["Monday", "Wednesday"]
    assert "7" in heads[0] and "16" in heads[1]
    assert TITLE in agenda and "Rotate certificates" in agenda
    assert 'aria-current="date"' in agenda


def test_month_list_of_days_in_spanish(client, agent):
    agent.language = "es"
    agent.save()
    make_change(agent, start=at(1, days=2), end=at(2, days=2), title=TITLE)
    body = _get(client, agent, view="month", date="2026-12-01")
    agenda = body[body.index('class="cal-month-agenda"') :]
    assert "miércoles, 9 de diciembre de 2026" in agenda[: agenda.index("</ol>")]


def test_cab_agenda_cells_are_labelled_for_stacking(client, agent):
    make_change(agent, start=at(24), end=at(26), title=TITLE)
    client.force_login(agent)
    body = client.get("/changes/cab/").content.decode()
    assert '<table class="list cab-table responsive">' in body
    for label in ("Window", "Type and risk", "Impacted services", "Conflicts", "Approvals"):
        assert f'<td data-label="{label}">' in body
    assert '<span class="badge risk-medium">Medium risk</span>' in body


def test_cab_agenda_links_impacted_services_to_their_cmdb_pages(client, agent):
    estate = small_estate()
    make_change(agent, start=at(24), end=at(26), title=TITLE, items=[estate["host1"]])
    client.force_login(agent)
    body = client.get("/changes/cab/").content.decode()
    start = body.index('<td data-label="Impacted services">')
    cell = body[start : body.index("</td>", start)]
    erp, mail = estate["erp"], estate["mail"]
    assert (
        f'<a href="/cmdb/items/{mail.pk}/">E-mail</a>, <a href="/cmdb/items/{erp.pk}/">ERP</a>'
        in cell
    )


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _measure_month(html: str, widths: tuple[int, ...]) -> dict[int, dict]:
    """Lays the rendered month out in headless Chromium at each width, serving the page and
    its static files from memory (no live server), and measures the grid."""
    chromium = program("chromium", package="chromium", needed_by="The calendar layout tests")
    from playwright.sync_api import sync_playwright

    def serve(route):
        path = urlsplit(route.request.url).path
        if path.startswith(settings.STATIC_URL):
            found = finders.find(path.removeprefix(settings.STATIC_URL))
            if found:
                route.fulfill(path=found)
                return
            route.fulfill(status=404)
            return
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    measures = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for width in widths:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route("**/*", serve)
                page.goto("http://atiende.test/changes/calendar/")
                measures[width] = page.evaluate("""() => {
                  const wrap = document.querySelector('.cal-month-wrap');
                  const agenda = document.querySelector('.cal-month-agenda');
                  const chip = wrap.querySelector('.cal-number');
                  return {grid: getComputedStyle(wrap).display,
                          list: getComputedStyle(agenda).display,
                          scroll: wrap.scrollWidth, client: wrap.clientWidth,
                          page: document.documentElement.scrollWidth,
                          numberRight: chip.getBoundingClientRect().right,
                          chipRight: chip.closest('.cal-entry').getBoundingClientRect().right};
                }""")
                page.close()
        finally:
            browser.close()
    return measures


@pytest.mark.browser
def test_month_grid_fits_a_tablet_without_scrolling_sideways(client, agent):
    make_change(agent, start=at(13), end=at(15), title=TITLE)
    html = _get(client, agent, view="month", date="2026-12-01")
    measures = _measure_month(html, (761, 800, 1000, 1280))
    for width, m in measures.items():
        assert m["grid"] == "block" and m["list"] == "none", width  # the grid, not the list
        assert m["scroll"] <= m["client"], f"the month scrolls sideways at {width} px: {m}"
        assert m["page"] <= width, width
        # the change number is whole: not cut by the edge of its chip
        assert m["numberRight"] <= m["chipRight"], f"{width} px: {m}"
