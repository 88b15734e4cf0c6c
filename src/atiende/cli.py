"""The `atiende` command.

atiende run [--demo] [--host H] [--port P]   migrate, (demo data), serve: the embedded desk,
                                              periodic jobs in-process when there is no broker
atiende serve [--host H] [--port P] [--workers N]   production server (gunicorn)
atiende worker [--concurrency N] [--queues Q]  Celery worker (needs ATIENDE_BROKER_URL)
atiende scheduler                             Celery beat: sends the periodic jobs (run one)
atiende demo                                  load demo data into an empty database
atiende createuser USERNAME --email E --password P --role R [--organization O] [--team T]
atiende token create USERNAME [--name NAME] [--scope read,write,tokens] [--expires-days N]
                                                print a new API token (alone on the last line)
atiende mail receive [--mailbox NAME] < m.eml  MTA gateway: one message from stdin (sysexits)
atiende mail fetch [--mailbox NAME]           poll the IMAP mailboxes once
atiende backup [--output PATH]                archive the database and attachments while serving
atiende restore PATH                          bring a backup back into an empty database
atiende manage ARGS...                        any Django management command

Exit codes of backup and restore: see atiende.core.backup.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _embedded_hooks(*, background: bool = True) -> dict[str, Any]:
    """gunicorn hooks for `atiende run`'s single worker process: the periodic jobs in a
    thread (unless a broker runs them) and, when asked for, the template watcher.

    Started in the worker after the app loaded, not in the master: forking a process that
    runs threads is unsafe, and if gunicorn replaces the worker the new one starts its own.
    """
    from pathlib import Path

    state: dict[str, Any] = {}

    def post_worker_init(worker: Any) -> None:
        from django.conf import settings

        if background:
            from atiende.core.background import embedded_runner

            runner = embedded_runner(lock_path=Path(settings.DATA_DIR) / "background.lock")
            runner.start()
            state["runner"] = runner
        if settings.TEMPLATE_AUTORELOAD:
            from atiende.web.template_reload import TemplateWatcher

            watcher = TemplateWatcher()
            watcher.start()
            state["watcher"] = watcher

    def worker_exit(server: Any, worker: Any) -> None:
        for name in ("runner", "watcher"):
            thread = state.pop(name, None)
            if thread is not None:
                thread.stop(timeout=5)

    return {"post_worker_init": post_worker_init, "worker_exit": worker_exit}


def _server_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        # One request per process unless threads are asked for: on CPython, threads in a
        # worker contend for the GIL (measured: ticket creation 62/s threaded, 122/s sync).
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": "-",
        "graceful_timeout": 10,
    }


class _Server(BaseApplication):  # type: ignore[misc]
    """gunicorn run in this process (not exec'd), so `atiende run` can hook its worker."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__(prog="atiende")

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 24
            # Unused, and one fixed path per user: several servers on a host would clash.
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        from atiende.wsgi import application

        return application


def _gunicorn(
    host: str, port: int, workers: int, threads: int, hooks: dict[str, Any] | None = None
) -> int:
    from django.db import connections

    connections.close_all()  # never hand an open database connection to a forked worker
    _Server({**_server_options(host, port, workers, threads), **(hooks or {})}).run()
    return 0


def _broker_configured() -> bool:
    from django.conf import settings

    return not settings.CELERY_TASK_ALWAYS_EAGER


def cmd_run(opts: argparse.Namespace) -> int:
    # The development server: edited static files and templates are used at once unless
    # the environment says otherwise.
    os.environ.setdefault("ATIENDE_STATIC_AUTOREFRESH", "true")
    os.environ.setdefault("ATIENDE_TEMPLATE_AUTORELOAD", "true")
    _setup_django()
    _migrate()
    from atiende import demo

    if opts.demo and demo.database_is_empty():
        print("Loading demo data…", flush=True)
        demo.load()
    print(f"\nAtiende is running on http://{opts.host}:{opts.port}/", flush=True)
    print(f"  Agent desk:   http://{opts.host}:{opts.port}/desk/")
    print(f"  Portal:       http://{opts.host}:{opts.port}/portal/")
    print(f"  API docs:     http://{opts.host}:{opts.port}/api/v1/docs")
    print(f"  Admin:        http://{opts.host}:{opts.port}/admin/")
    if opts.demo:
        print("\n" + demo.logins_text(), flush=True)
    if _broker_configured():
        print("\nATIENDE_BROKER_URL is set: periodic jobs need `atiende worker` and one "
              "`atiende scheduler`.", flush=True)  # fmt: skip
        return _gunicorn(
            opts.host, opts.port, workers=1, threads=8, hooks=_embedded_hooks(background=False)
        )
    # One web process, so exactly one copy of the periodic jobs runs.
    return _gunicorn(opts.host, opts.port, workers=1, threads=8, hooks=_embedded_hooks())


def cmd_serve(opts: argparse.Namespace) -> int:
    os.environ["ATIENDE_STATIC_AUTOREFRESH"] = "false"  # production: files scanned once
    os.environ["ATIENDE_TEMPLATE_AUTORELOAD"] = "false"
    _setup_django()
    workers = opts.workers or (os.cpu_count() or 1) * 2 + 1
    return _gunicorn(opts.host, opts.port, workers=workers, threads=opts.threads)


CELERY_APP = "atiende.celery:app"


def celery_argv(command: str, opts: argparse.Namespace) -> list[str]:
    """The `celery` command line for `atiende worker` / `atiende scheduler`."""
    argv = [sys.executable, "-m", "celery", "-A", CELERY_APP, command]
    argv += ["--loglevel", opts.loglevel]
    if command == "worker":
        argv += ["--concurrency", str(opts.concurrency)]
        if opts.queues:
            argv += ["--queues", opts.queues]
        if opts.hostname:
            argv += ["--hostname", opts.hostname]
    return argv


def _exec_celery(command: str, opts: argparse.Namespace) -> int:
    _setup_django()
    if not _broker_configured():
        print(
            f"error: `atiende {opts.command}` needs a broker: set ATIENDE_BROKER_URL "
            "(e.g. redis://127.0.0.1:6379/0). Without one, `atiende run` does the "
            "background work itself.",
            file=sys.stderr,
        )
        return 2
    argv = celery_argv(command, opts)
    os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, fixed arguments
    return 0  # pragma: no cover - execv does not return


def cmd_worker(opts: argparse.Namespace) -> int:
    return _exec_celery("worker", opts)


def cmd_scheduler(opts: argparse.Namespace) -> int:
    return _exec_celery("beat", opts)


def cmd_demo(opts: argparse.Namespace) -> int:
    _setup_django()
    _migrate()
    from atiende import demo

    if not demo.database_is_empty():
        print("The database already has tickets; demo data not loaded.", file=sys.stderr)
        return 1
    demo.load()
    print(demo.logins_text())
    return 0


def cmd_createuser(opts: argparse.Namespace) -> int:
    _setup_django()
    from atiende.accounts.actions import user_create
    from atiende.core.errors import DomainError

    try:
        user = user_create(
            username=opts.username,
            email=opts.email or "",
            password=opts.password,
            role=opts.role,
            organization_name=opts.organization,
            team_name=opts.team,
        )
    except DomainError as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                print(f"error: {field}: {message}", file=sys.stderr)
        return 2
    print(f"Created {user.role} {user.username}.")
    return 0


def cmd_token_create(opts: argparse.Namespace) -> int:
    _setup_django()
    from atiende.accounts.actions import api_token_create
    from atiende.accounts.models import User
    from atiende.core.errors import DomainError

    user = User.objects.filter(username=opts.username).first()
    if user is None:
        print(f"error: no user named {opts.username!r}", file=sys.stderr)
        return 2
    scopes = [scope.strip() for scope in opts.scope.split(",") if scope.strip()]
    try:
        issued = api_token_create(
            actor=user,
            user=user,
            name=opts.name or "CLI",
            scopes=scopes,
            expires_in_days=opts.expires_days,
        )
    except DomainError as exc:
        problems = "; ".join(m for messages in exc.errors.values() for m in messages)
        print(f"error: {problems or exc.detail}", file=sys.stderr)
        return 2
    token = issued.token
    expires = (
        f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "never expires"
    )
    print(
        f"API token for {user.username}, scopes {token.scopes}, {expires} (shown once, keep it safe):"
    )
    print(issued.secret)
    return 0


def cmd_mail_receive(opts: argparse.Namespace) -> int:
    """Exit codes: see atiende.mail.inbound.gateway (0 accepted, 65/67 permanent, 75 try later)."""
    try:
        _setup_django()
        from atiende.mail.inbound.gateway import receive_from
    except Exception as exc:  # not even configured: the MTA keeps the message and retries
        print(f"atiende: temporary failure ({exc})", file=sys.stderr)
        return 75
    return receive_from(sys.stdin.buffer, mailbox_name=opts.mailbox, out=sys.stderr)


def cmd_mail_fetch(opts: argparse.Namespace) -> int:
    _setup_django()
    from atiende.mail.inbound.imap import collect, collect_all
    from atiende.mail.models import Mailbox

    if opts.mailbox:
        mailbox = Mailbox.objects.filter(name=opts.mailbox).first()
        if mailbox is None or not mailbox.uses_imap:
            print(f"error: no IMAP mailbox named {opts.mailbox!r}", file=sys.stderr)
            return 2
        results = [collect(mailbox)]
    else:
        results = collect_all()
    for result in results:
        counts = sorted(result.outcomes.items())
        outcomes = ", ".join(f"{k} {v}" for k, v in counts) or "nothing new"
        print(f"{result.mailbox}: {result.error or outcomes}")
    return 1 if any(r.error for r in results) else 0


def cmd_backup(opts: argparse.Namespace) -> int:
    """Exit codes: see atiende.core.backup (0 written, 6 written with files missing)."""
    _setup_django()
    from atiende.core.backup import BackupError, ExitCode, backup

    try:
        result = backup(opts.output)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.code)
    counts = result.manifest["counts"]
    vendor = result.manifest["database"]["vendor"]
    print(f"Backed up {counts['tickets']} tickets, {counts['events']} events and "
          f"{result.manifest['files']} files ({vendor}) to:")  # fmt: skip
    if result.missing:
        print(f"warning: {len(result.missing)} files named by the database are missing from "
              f"storage (listed under missing_files in the manifest), first: {result.missing[0]}",
              file=sys.stderr)  # fmt: skip
    print(result.path)
    return int(ExitCode.FILES_MISSING if result.missing else ExitCode.OK)


def cmd_restore(opts: argparse.Namespace) -> int:
    """Exit codes: see atiende.core.backup (0 restored, 3 unusable archive, 4 target not empty)."""
    _setup_django()
    from atiende.core.backup import BackupError, restore

    try:
        result = restore(opts.path)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.code)
    manifest = result.manifest
    counts = manifest["counts"]
    print(f"Restored {counts['tickets']} tickets, {counts['events']} events and "
          f"{manifest['files']} files from the backup of {manifest['created_at']} "
          f"(Atiende {manifest['atiende_version']}).")  # fmt: skip
    if result.migrated:
        print(f"Brought forward by {len(result.migrated)} migrations to this version.")
    return 0


def cmd_manage(opts: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["atiende", *opts.args])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atiende", description="Atiende service desk")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="migrate and serve the embedded desk")
    run.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="production web server (gunicorn)")
    serve.add_argument("--host", default=os.environ.get("ATIENDE_HOST", "0.0.0.0"))  # noqa: S104
    serve.add_argument("--port", type=int, default=int(os.environ.get("ATIENDE_PORT", "8000")))
    serve.add_argument(
        "--workers", type=int, default=int(os.environ.get("ATIENDE_WEB_WORKERS", "0"))
    )
    serve.add_argument(
        "--threads", type=int, default=1, help="threads per worker (default 1: sync workers)"
    )
    serve.set_defaults(func=cmd_serve)

    worker_help = "run background tasks (Celery worker; needs ATIENDE_BROKER_URL)"
    worker = sub.add_parser("worker", help=worker_help, description=worker_help)
    worker.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("ATIENDE_WORKER_CONCURRENCY", "0")) or (os.cpu_count() or 1),
        help="worker processes (default: ATIENDE_WORKER_CONCURRENCY or the number of CPUs)",
    )
    worker.add_argument("--queues", default="", help="comma-separated queues (default: all)")
    worker.add_argument("--hostname", default="", help="node name, e.g. worker1@%%h")
    worker.add_argument("--loglevel", default="INFO")
    worker.set_defaults(func=cmd_worker)

    scheduler_help = "send the periodic jobs to the workers (Celery beat; run exactly one)"
    scheduler = sub.add_parser("scheduler", help=scheduler_help, description=scheduler_help)
    scheduler.add_argument("--loglevel", default="INFO")
    scheduler.set_defaults(func=cmd_scheduler)

    demo = sub.add_parser("demo", help="load demo data into an empty database")
    demo.set_defaults(func=cmd_demo)

    create = sub.add_parser("createuser", help="create a user")
    create.add_argument("username")
    create.add_argument("--email", default="")
    create.add_argument("--password", default=None)
    create.add_argument(
        "--role", default="requester", choices=["requester", "agent", "manager", "admin"]
    )
    create.add_argument("--organization", default=None)
    create.add_argument("--team", default=None)
    create.set_defaults(func=cmd_createuser)

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    token_create = token_sub.add_parser("create", help="create a token and print it")
    token_create.add_argument("username")
    token_create.add_argument("--name", default="")
    token_create.add_argument(
        "--scope",
        default="read,write",
        help="comma-separated: read, write, tokens (default read,write)",
    )
    token_create.add_argument(
        "--expires-days", type=int, default=None, help="days until it expires (default: never)"
    )
    token_create.set_defaults(func=cmd_token_create)

    mail = sub.add_parser("mail", help="the e-mail channel")
    mail_sub = mail.add_subparsers(dest="mail_command", required=True)
    receive = mail_sub.add_parser(
        "receive", help="read one message from stdin (for the MTA); exit codes per sysexits"
    )
    receive.add_argument("--mailbox", default=None, help="mailbox name (default: the default)")
    receive.set_defaults(func=cmd_mail_receive)
    fetch = mail_sub.add_parser("fetch", help="poll the IMAP mailboxes once")
    fetch.add_argument("--mailbox", default=None, help="only this mailbox")
    fetch.set_defaults(func=cmd_mail_fetch)

    backup = sub.add_parser(
        "backup", help="archive the database and attachments (safe while the desk runs)"
    )
    backup.add_argument(
        "--output",
        type=Path,
        default=None,
        help="archive to write (.tar.gz, or .tar uncompressed); "
        "default: $ATIENDE_DATA_DIR/backups/atiende-<UTC time>.tar.gz",
    )
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore", help="restore a backup into an empty database and attachments directory"
    )
    restore.add_argument("path", type=Path, help="archive written by `atiende backup`")
    restore.set_defaults(func=cmd_restore)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    opts = build_parser().parse_args(argv)
    return int(opts.func(opts) or 0)


if __name__ == "__main__":
    sys.exit(main())
