"""The `atiende` command.

atiende run [--demo] [--host H] [--port P]   migrate, (demo data), serve: the embedded desk
atiende serve [--host H] [--port P] [--workers N]   production server (gunicorn)
atiende demo                                  load demo data into an empty database
atiende createuser USERNAME --email E --password P --role R [--organization O] [--team T]
atiende token create USERNAME [--name NAME]   print a new API token (alone on the last line)
atiende manage ARGS...                        any Django management command
"""

from __future__ import annotations

import argparse
import os
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _gunicorn(host: str, port: int, workers: int, threads: int) -> int:
    args = [
        sys.executable, "-m", "gunicorn", "atiende.wsgi:application",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread", "--access-logfile", "-", "--graceful-timeout", "10",
    ]  # fmt: skip
    os.execv(sys.executable, args)  # noqa: S606 - our own interpreter, fixed arguments
    return 0  # pragma: no cover - execv does not return


def cmd_run(opts: argparse.Namespace) -> int:
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
    return _gunicorn(opts.host, opts.port, workers=1, threads=8)


def cmd_serve(opts: argparse.Namespace) -> int:
    workers = opts.workers or (os.cpu_count() or 1) * 2 + 1
    return _gunicorn(opts.host, opts.port, workers=workers, threads=opts.threads)


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

    user = User.objects.filter(username=opts.username).first()
    if user is None:
        print(f"error: no user named {opts.username!r}", file=sys.stderr)
        return 2
    issued = api_token_create(actor=user, user=user, name=opts.name or "CLI")
    print(f"API token for {user.username} (shown once, keep it safe):")
    print(issued.secret)
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
    serve.add_argument("--threads", type=int, default=4)
    serve.set_defaults(func=cmd_serve)

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
    token_create.set_defaults(func=cmd_token_create)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    opts = build_parser().parse_args(argv)
    return int(opts.func(opts) or 0)


if __name__ == "__main__":
    sys.exit(main())
