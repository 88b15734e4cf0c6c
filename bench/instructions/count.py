"""Instructions per request for the desk scenarios, counted by callgrind (load-independent).

    bench/instructions/run.sh [N]          # from the tree to measure; data from ATIENDE_* env
    bench/instructions/run.sh 10 --only "ticket page"   # one scenario

Wall-clock medians on a shared machine cannot settle a 5 % question; instruction counts can.
Run under `valgrind --tool=callgrind --instr-atstart=no` (run.sh does it): each scenario gets
three uninstrumented warm-ups and one instrumented one, then its counters are zeroed, N
requests run, and the counters are dumped under the scenario's name. Start-up is never
counted. `--sql FILE` also writes each scenario's statements (numbers and string literals
masked) so two trees can be shown to send the database the same work.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import corpus  # noqa: E402
from atiende.accounts.actions import api_token_create  # noqa: E402
from atiende.accounts.models import ApiToken, User  # noqa: E402
from atiende.core import memo  # noqa: E402
from atiende.tickets import selectors  # noqa: E402
from atiende.tickets.models import Category, Ticket  # noqa: E402


def keep_memos() -> None:
    """Process memos expire on wall time, which runs ~50x slower under callgrind."""
    for held in memo._memos:
        held.seconds = 1e9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--control", required=True, help="the compiled callgrind helper (.so)")
    parser.add_argument("--sql", help="write each scenario's masked statements here (JSON)")
    parser.add_argument("--only", help="count this scenario alone (its name, e.g. 'ticket page')")
    args = parser.parse_args()
    keep_memos()

    agent = User.objects.get(username="bench-agent")
    client, api = Client(), Client()
    client.force_login(agent)
    ApiToken.objects.filter(user=agent, name="instructions").delete()
    token = api_token_create(actor=agent, user=agent, name="instructions").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    visible = selectors.tickets_visible_to(agent).order_by("id")
    ids = list(visible.values_list("id", flat=True)[:: max(1, Ticket.objects.count() // 2000)])
    sample = list(
        Ticket.objects.filter(id__in=ids[:: max(1, len(ids) // 64)])
        .order_by("id")
        .values_list("number", flat=True)
    )
    categories = list(
        Category.objects.filter(parent__isnull=False).order_by("id").values_list("id", flat=True)
    )
    texts = corpus.TEMPLATES_ES + corpus.TEMPLATES_EN
    place, app = corpus.PLACES_ES[0], corpus.APPS[0]

    def get(path: str, on: Client = client, **extra) -> None:
        response = on.get(path, **extra)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")

    def create(i: int) -> None:
        _category, title, description = texts[i % len(texts)]
        body = {
            "title": f"{title.format(place=place, app=app)} #{i}",
            "description": description.format(place=place, app=app),
            "kind": "incident",
            "category": categories[i % len(categories)],
            "impact": 2,
            "urgency": 3,
        }
        response = api.post(
            "/api/v1/tickets", json.dumps(body), content_type="application/json", **auth
        )
        if response.status_code not in (200, 201):
            raise SystemExit(f"POST answered {response.status_code}: {response.content!r}")

    scenarios = {
        "desk queue: mine": lambda i: get("/desk/"),
        "desk queue: open": lambda i: get("/desk/?view=open"),
        "desk queue: unassigned": lambda i: get("/desk/?view=unassigned"),
        "desk search: impresora": lambda i: get("/desk/?q=impresora"),
        "ticket page": lambda i: get(f"/desk/tickets/{sample[i % len(sample)]}/"),
        "API list": lambda i: get("/api/v1/tickets", on=api, **auth),
        "ticket creation (API)": lambda i: create(10_000 + i),
    }
    if args.only:
        scenarios = {args.only: scenarios[args.only]}
    for run in scenarios.values():
        for i in range(3):
            run(1000 + i)
    keep_memos()  # memos created lazily by the warm-ups
    if args.sql:
        statements = {}
        for name, run in scenarios.items():
            with CaptureQueriesContext(connection) as captured:
                run(2000)
            statements[name] = [
                re.sub(r"\d+", "N", re.sub(r"'[^']*'", "?", query["sql"]))
                for query in captured.captured_queries
            ]
        Path(args.sql).write_text(json.dumps(statements, indent=1))

    callgrind = ctypes.CDLL(args.control)
    callgrind.cg_start()
    for name, run in scenarios.items():
        run(3000)  # instrumented warm-up: fresh translations are not the scenario's cost
        callgrind.cg_zero()
        for i in range(args.requests):
            run(i)
        callgrind.cg_dump(name.encode())
    callgrind.cg_stop()


if __name__ == "__main__":
    main()
