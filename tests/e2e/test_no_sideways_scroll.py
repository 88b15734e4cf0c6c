"""No page of the desk scrolls sideways, and no table is cut off, from a phone (390 px) to a
desktop (1440 px), in Spanish (the longer language), on the demo data: queues, a ticket,
changes, the calendar in its three views, the CAB agenda, the CMDB, mail, notifications, the
account page, and the requester's portal."""

from __future__ import annotations

import pytest

from atiende import demo
from atiende.tickets.models import Ticket

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = (
    "/desk/", "/desk/?view=open", "/desk/?view=unassigned", "/desk/new/", "/changes/",
    "/changes/approvals/", "/changes/new/", "/changes/calendar/", "/changes/calendar/?view=week",
    "/changes/calendar/?view=list", "/changes/cab/", "/cmdb/", "/mail/", "/notifications/",
    "/account/",
)  # fmt: skip


@pytest.mark.parametrize("width", [390, 1024, 1280, 1440])
def test_no_page_is_wider_than_the_screen(new_page, width):
    demo.load(tickets_per_template=1)
    incident = Ticket.objects.filter(kind="incident").order_by("id").first()
    assert incident is not None
    own = Ticket.objects.filter(requester__username="ana").order_by("id").first()
    assert own is not None
    visits = [("manager", url) for url in (*PAGES, f"/desk/tickets/{incident.number}/")]
    visits += [
        ("ana", url) for url in ("/portal/", "/portal/new/", f"/portal/tickets/{own.number}/")
    ]
    page = new_page(width=width, height=900, locale="es-ES")
    too_wide, signed_in = [], None
    for username, url in visits:
        if username != signed_in:
            page.context.clear_cookies()
            sign_in(page, username, demo.PASSWORD)
            signed_in = username
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        document = page.evaluate("document.documentElement.scrollWidth")
        clipped = page.evaluate(
            "Array.from(document.querySelectorAll('.table-wrap'))"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).length"
        )
        if document > width or clipped:
            too_wide.append((url, document, clipped))
    assert too_wide == []
