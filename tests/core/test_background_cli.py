"""`atiende worker`, `atiende scheduler` and the background thread of `atiende run`: wiring only
(nothing here blocks; the real worker runs in tests/test_celery_redis.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from atiende import celery_app, cli
from atiende.core import background

pytestmark = pytest.mark.usefixtures("no_exec")


@pytest.fixture
def no_exec(monkeypatch):
    """Fail loudly instead of replacing the test process."""
    calls: list[list[str]] = []

    def fake_execv(path, argv):
        calls.append(list(argv))
        return 0

    monkeypatch.setattr(os, "execv", fake_execv)
    return calls


@pytest.fixture
def with_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/11"


def test_worker_help_lists_its_options(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["worker", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--concurrency", "--queues", "--hostname", "--loglevel"):
        assert option in out


def test_scheduler_help(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["scheduler", "--help"])
    assert exc.value.code == 0
    assert "run exactly one" in capsys.readouterr().out.replace("\n", " ")


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_without_a_broker_worker_and_scheduler_refuse_with_a_clear_message(
    command, capsys, no_exec
):
    assert cli.main([command]) == 2
    err = capsys.readouterr().err
    assert "ATIENDE_BROKER_URL" in err and "atiende run" in err
    assert no_exec == []


def test_worker_execs_celery_worker_with_the_atiende_app(with_broker, no_exec):
    assert (
        cli.main(["worker", "--concurrency", "3", "--queues", "mail,sla", "--hostname", "w1@%h"])
        == 0
    )
    assert no_exec == [
        [sys.executable, "-m", "celery", "-A", "atiende.celery:app", "worker",
         "--loglevel", "INFO", "--concurrency", "3", "--queues", "mail,sla",
         "--hostname", "w1@%h"]
    ]  # fmt: skip


def test_worker_concurrency_defaults_to_the_environment(monkeypatch, with_broker, no_exec):
    monkeypatch.setenv("ATIENDE_WORKER_CONCURRENCY", "5")
    assert cli.main(["worker"]) == 0
    argv = no_exec[0]
    assert argv[argv.index("--concurrency") + 1] == "5"
    assert "--queues" not in argv  # all queues


def test_scheduler_execs_celery_beat(with_broker, no_exec):
    assert cli.main(["scheduler", "--loglevel", "WARNING"]) == 0
    assert no_exec == [
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "atiende.celery:app",
            "beat",
            "--loglevel",
            "WARNING",
        ]
    ]


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_celery_accepts_the_command_line_we_build(command, tmp_path):
    parsed = cli.build_parser().parse_args(
        [command, "--loglevel", "DEBUG"]
        + (["--queues", "a", "--hostname", "x@%h"] if command == "worker" else [])
    )
    argv = cli.celery_argv("worker" if command == "worker" else "beat", parsed)
    env = {**os.environ, "ATIENDE_DATA_DIR": str(tmp_path), "ATIENDE_BROKER_URL": "memory://"}
    done = subprocess.run(
        [*argv, "--help"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--loglevel" in done.stdout


# --- atiende run ----------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(cli, "_migrate", lambda: None)
    monkeypatch.setattr(cli, "_gunicorn", lambda *args, **kwargs: calls.append(kwargs) or 0)
    return calls


def test_run_without_a_broker_runs_the_periodic_jobs_in_its_single_web_worker(served):
    assert cli.main(["run", "--port", "8123"]) == 0
    (kwargs,) = served
    assert kwargs["workers"] == 1
    assert set(kwargs["hooks"]) == {"post_worker_init", "worker_exit"}


def test_run_with_a_broker_leaves_periodic_jobs_to_the_scheduler(
    served, with_broker, settings, capsys
):
    settings.TEMPLATE_AUTORELOAD = True  # what `atiende run` asks of a fresh process
    assert cli.main(["run"]) == 0
    (kwargs,) = served
    assert "atiende scheduler" in capsys.readouterr().out
    hooks = kwargs["hooks"]  # the template watcher only
    hooks["post_worker_init"](None)
    try:
        names = {t.name for t in threading.enumerate()}
        assert "atiende-background" not in names
        assert "atiende-template-watcher" in names
    finally:
        hooks["worker_exit"](None, None)
    assert "atiende-template-watcher" not in {t.name for t in threading.enumerate()}


def test_gunicorn_accepts_the_hooks():
    hooks = cli._embedded_hooks()
    server = cli._Server({**cli._server_options("127.0.0.1", 8123, 1, 8), **hooks})
    assert server.cfg.post_worker_init is hooks["post_worker_init"]
    assert server.cfg.worker_exit is hooks["worker_exit"]
    assert server.cfg.workers == 1 and server.cfg.threads == 8
    assert server.cfg.worker_class_str == "gthread"
    if "control_socket_disable" in server.cfg.settings:
        assert server.cfg.control_socket_disable is True


ticks: list[float] = []


@celery_app.task(name="tests.background_cli.tick")
def tick() -> None:
    ticks.append(time.monotonic())


def test_the_worker_hooks_start_and_stop_a_real_runner(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    ticks.clear()
    monkeypatch.setattr(
        background,
        "PERIODIC_JOBS",
        (background.PeriodicJob("tests.background_cli.tick", timedelta(seconds=0.05)),),
    )
    real = background.embedded_runner
    monkeypatch.setattr(background, "embedded_runner", lambda **kw: real(**kw, poll_seconds=0.01))
    hooks = cli._embedded_hooks()
    hooks["post_worker_init"](None)
    try:
        deadline = time.monotonic() + 5
        while len(ticks) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(ticks) >= 3
        assert (Path(tmp_path) / "background.lock").exists()
    finally:
        hooks["worker_exit"](None, None)
    count = len(ticks)
    time.sleep(0.2)
    assert len(ticks) == count
    assert not any(t.name == "atiende-background" for t in threading.enumerate())
