"""The live desk's idle cost: server CPU time of one idle poll of an open ticket page (the
304 answer), through the whole Django stack (middleware, session and user lookup, view).

    .venv/bin/python bench/live_poll.py [--tickets 2000] [--polls 3000]
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_live .venv/bin/python bench/live_poll.py

A fresh data directory (SQLite unless ATIENDE_DATABASE_URL is set, which is migrated and
gets the generated tickets added) and an agent of a team that is not "sees all" (the costlier
access rule, with its team lookup). The target: at most 2 ms per poll, so 500 open tabs
polling every 10 s (50 polls/s) cost under a tenth of a core. Printed: median and p95 CPU
time per poll, and the share of one core 500 tabs would use.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


def setup(tickets: int):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    os.environ.setdefault("ATIENDE_DATA_DIR", tempfile.mkdtemp(prefix="atiende-livebench-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from atiende.accounts.models import Role, Team, TeamMembership, User
    from atiende.tickets import actions
    from atiende.tickets.models import DeskSettings

    team, _ = Team.objects.get_or_create(name="Bench desk")
    agent, _ = User.objects.get_or_create(username="bench-agent", defaults={"role": Role.AGENT})
    other, _ = User.objects.get_or_create(username="bench-other", defaults={"role": Role.AGENT})
    requester, _ = User.objects.get_or_create(username="bench-requester")
    for user in (agent, other):
        TeamMembership.objects.get_or_create(user=user, team=team)
    desk = DeskSettings.load()
    desk.default_team = team
    desk.save()
    last = None
    for i in range(max(0, tickets - team.tickets.count())):
        last = actions.ticket_create(
            actor=requester, kind="incident", title=f"Bench ticket {i}", description="-"
        )
    if last is None:
        last = team.tickets.order_by("-id").first()
    return agent, other, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--polls", type=int, default=3000)
    args = parser.parse_args()
    agent, other, ticket = setup(args.tickets)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    url = reverse("desk:ticket_live", args=[ticket.number])
    params = {"v": ticket.version, "seen": 10**9, "mode": "viewing"}
    watcher = Client()
    watcher.force_login(other)
    watcher.get(url, params)  # someone else is on the ticket too: presence has an entry
    client = Client()
    client.force_login(agent)
    etag = client.get(url, params)["ETag"]
    # The WSGI handler gunicorn calls, with the browser's session cookie and the tag it holds.
    from urllib.parse import urlencode

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler = WSGIHandler()
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    # The page's poll token (docs/live-desk.md): what the ticket page embeds for this agent.
    from atiende.tickets import live

    token_params = {**params, "t": live.poll_token(agent, ticket.pk, ticket.number)}

    def poll(query=params):
        environ = RequestFactory()._base_environ(
            PATH_INFO=url, QUERY_STRING=urlencode(query), REQUEST_METHOD="GET",
            HTTP_COOKIE=cookie, HTTP_IF_NONE_MATCH=etag,
        )  # fmt: skip
        status = []
        body = handler(environ, lambda s, h, *a: status.append(s))
        b"".join(body)
        body.close()
        return status[0]

    def measure(query) -> list[float]:
        times = []
        for i in range(args.polls):
            if i % 200 == 0:  # the other agent's tab polls too, keeping their presence alive
                watcher.get(url, params)
            start = time.process_time()
            status = poll(query)
            times.append(time.process_time() - start)
            assert status.startswith("304"), status
        return times

    results = {"signed-in (session + user)": measure(params), "poll token": measure(token_params)}
    if os.environ.get("PROFILE"):
        import cProfile

        cProfile.runctx(
            "for _ in range(300): poll(token_params)",
            globals(),
            locals(),
            sort="cumtime",
        )
    print(f"database: {connection.vendor}, tickets: {args.tickets}, polls: {args.polls}")
    print(f"machine: {platform.node()} {platform.machine()} {platform.python_version()}")
    for name, times in results.items():
        median, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
        share = 500 / 10 * median  # 500 tabs, one poll each 10 s
        print(
            f"idle poll CPU, {name}: median {median * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms; "
            f"500 open tabs at one poll / 10 s: {share:.3f} of a core"
        )


if __name__ == "__main__":
    main()
