"""Benchmark of the service catalogue: the portal's catalogue page, an item's request form,
and submitting a request with 20 fields (3 of them conditional) through the action and
through the portal's form.

    # SQLite
    ATIENDE_DATA_DIR=/tmp/atd-catalogue-bench .venv/bin/python bench/catalogue_request.py
    # PostgreSQL (the database must exist: createdb -h 127.0.0.1 -U postgres atd_catalogue_bench)
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atd_catalogue_bench \\
        ATIENDE_DATA_DIR=/tmp/atd-catalogue-bench-pg .venv/bin/python bench/catalogue_request.py

The catalogue holds 200 items in 10 categories (a large one: real catalogues hold tens to a
few hundred), half of them limited to organisations or roles. Each run migrates a fresh
schema when needed and adds its own items. Reports the median and 95th percentile of the
server time (the Django test client: middleware, queries, template) of each page, and of
the submission (validation, the REQ- ticket, its timeline entry, search document, answers
and SLA clocks, in one transaction).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from atiende.accounts.models import Organization, Role, Team, User  # noqa: E402
from atiende.catalogue import actions  # noqa: E402
from atiende.catalogue.models import ApproverSource, FieldType, StepMode  # noqa: E402
from atiende.tickets.models import DeskSettings  # noqa: E402

CHOICES = "a | Option A | Opción A\nb | Option B | Opción B\nc | Option C | Opción C"


def _setup() -> tuple[User, int]:
    call_command("migrate", verbosity=0)
    team, _ = Team.objects.get_or_create(name="Bench desk")
    desk = DeskSettings.load()
    desk.default_team = team
    desk.save()
    org, _ = Organization.objects.get_or_create(name="Bench org")
    other, _ = Organization.objects.get_or_create(name="Other org")
    stamp = str(time.time_ns())[-8:]
    manager = User.objects.create(username=f"bench-mgr-{stamp}", role=Role.MANAGER)
    requester = User.objects.create(
        username=f"bench-req-{stamp}", role=Role.REQUESTER, organization=org,
        email=f"req-{stamp}@example.org",
    )  # fmt: skip
    categories = [
        actions.category_save(actor=manager, name=f"Category {stamp} {n}", position=n)
        for n in range(10)
    ]
    target = None
    for n in range(200):
        limits: dict = {}
        if n % 4 == 1:
            limits = {"organization_ids": [other.pk]}
        elif n % 4 == 2:
            limits = {"roles": [Role.AGENT, Role.MANAGER]}
        item = actions.item_save(
            actor=manager, category_id=categories[n % 10].pk, name=f"Item {n}",
            name_es=f"Elemento {n}", description="Something people ask for. " * 4,
            delivery_days=n % 7, **limits,
        )  # fmt: skip
        if n == 0:
            target = item
    assert target is not None
    add = lambda **kw: actions.field_save(actor=manager, item_id=target.pk, **kw)  # noqa: E731
    controller = add(
        key="kind", type=FieldType.CHOICE, label="Kind", choices=CHOICES, required=True
    )
    for n in range(3):
        add(key=f"when_{n}", type=FieldType.TEXT, label=f"When {n}", required=True,
            condition_field_id=controller.pk, condition_values=["a"])  # fmt: skip
    types = [FieldType.TEXT, FieldType.LONG_TEXT, FieldType.NUMBER, FieldType.DATE,
             FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO, FieldType.PERSON]  # fmt: skip
    for n in range(16):
        kind = types[n % len(types)]
        add(key=f"q_{n}", type=kind, label=f"Question {n}", label_es=f"Pregunta {n}",
            choices=CHOICES if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE) else "")  # fmt: skip
    return requester, target.pk


def _answers(requester: User) -> dict:
    values = {
        FieldType.TEXT: "Some words", FieldType.LONG_TEXT: "More words " * 20,
        FieldType.NUMBER: "3", FieldType.DATE: "2027-03-01", FieldType.CHOICE: "b",
        FieldType.MULTI_CHOICE: ["a", "c"], FieldType.YES_NO: "yes",
        FieldType.PERSON: requester.email,
    }  # fmt: skip
    types = list(values)
    answers: dict = {"kind": "a", "when_0": "x", "when_1": "y", "when_2": "z"}
    for n in range(16):
        answers[f"q_{n}"] = values[types[n % len(types)]]
    return answers


def _timed(fn, runs: int) -> tuple[float, float, float]:
    """Median and p95 of the wall time, and the median CPU time of this process (on a shared
    machine the wall time measures the queue for a core as much as the work; on SQLite the
    process's CPU is all the work, on PostgreSQL the server's share is not in it)."""
    fn()  # warm
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], statistics.median(cpu)


def _line(name: str, figures: tuple[float, float, float]) -> str:
    median, p95, cpu = figures
    return f"{name:24} median {median:6.1f} ms   p95 {p95:6.1f} ms   cpu median {cpu:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    requester, item_id = _setup()
    client = Client()
    client.force_login(requester)
    answers = _answers(requester)
    form_data = {f"f_{k}": v for k, v in answers.items()}

    def page(path):
        return lambda: client.get(path).status_code == 200 or sys.exit(f"{path} failed")

    def submit():
        actions.request_submit(actor=requester, item_id=item_id, answers=answers)

    def post():
        response = client.post(f"/portal/catalogue/items/{item_id}/", form_data)
        if response.status_code != 302:
            sys.exit(f"portal submit failed: {response.status_code}")

    print(f"{connection.vendor}, 200 items, a form of 20 fields (3 conditional), {args.runs} runs")
    for name, fn in [
        ("catalogue page", page("/portal/catalogue/")),
        ("request form page", page(f"/portal/catalogue/items/{item_id}/")),
        ("submit (action)", submit),
        ("submit (portal POST)", post),
    ]:
        print(_line(name, _timed(fn, args.runs)))
    # Fulfilment: 3 tasks (the 2nd and 3rd in parallel, each with a target), then also an
    # approval by the requester's manager (docs/catalogue.md "Approvals", "Fulfilment").
    manager = User.objects.filter(username__startswith="bench-mgr-").order_by("-id").first()
    team = Team.objects.get(name="Bench desk")
    for n, mode in enumerate([StepMode.SEQUENCE, StepMode.SEQUENCE, StepMode.PARALLEL]):
        actions.task_template_save(
            actor=manager, item_id=item_id, title=f"Task {n}", title_es=f"Tarea {n}",
            team_id=team.pk, mode=mode, target_minutes=240,
        )  # fmt: skip
    print(_line("submit, 3 tasks", _timed(submit, args.runs)))
    boss = User.objects.create(
        username=f"{requester.username}-boss", role=Role.REQUESTER,
        organization=requester.organization,
    )  # fmt: skip
    requester.manager = boss
    requester.save(update_fields=["manager"])
    actions.approval_step_save(actor=manager, item_id=item_id, source=ApproverSource.MANAGER)
    print(_line("submit, approval+3 tasks", _timed(submit, args.runs)))


if __name__ == "__main__":
    main()
