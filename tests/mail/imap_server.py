"""A private Dovecot IMAP server for the tests: started on a free loopback port under a
fresh temporary root, stopped when the fixture ends. As root it runs its helpers as the
package's `dovecot` and `dovenull` users (imap-login refuses root); as anyone else it runs
every process as that user ("rootless": no user switching, no chroot)."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..servers import program

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_login_user = {login_user}
default_internal_group = {group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={group} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
# Chrooting needs root; a test server on loopback does without it either way.
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
first_valid_uid = 0
"""


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int  # plain IMAP (STARTTLS offered when started with tls=True)
    username: str
    password: str
    root: Path
    tls_port: int = 0  # IMAPS, when started with tls=True
    ca_file: Path | None = None  # the self-signed certificate to trust


def _self_signed(root: Path) -> tuple[Path, Path]:
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Users:
    """Who Dovecot's processes run as (its `default_*` settings) and who owns the mail."""

    internal: str
    login: str
    group: str
    mail: str

    @classmethod
    def for_this_process(cls) -> Users:
        if os.geteuid() == 0:
            return cls(internal="dovecot", login="dovenull", group="dovecot", mail="dovecot")
        me = pwd.getpwuid(os.geteuid()).pw_name
        return cls(internal=me, login=me, group=grp.getgrgid(os.getegid()).gr_name, mail=me)


@contextmanager
def dovecot_server(
    username: str = "soporte", password: str = "secret", *, tls: bool = False
) -> Iterator[Dovecot]:
    dovecot = program("dovecot", package="dovecot-imapd", needed_by="The IMAP tests")
    users = Users.for_this_process()
    root = Path(tempfile.mkdtemp(prefix="atiende-dovecot-"))
    root.chmod(0o755)  # as root, Dovecot's own users must traverse it
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    shutil.chown(root / "home", users.mail, users.group)
    (root / "users").write_text(f"{username}:{{PLAIN}}{password}\n")
    port, tls_port, ca_file = _free_port(), 0, None
    ssl = "ssl = no"
    if tls:
        program("openssl", package="openssl", needed_by="The IMAP TLS tests")
        cert, key = _self_signed(root)
        tls_port, ca_file = _free_port(), cert
        ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"
    config = root / "dovecot.conf"
    settings = {"internal_user": users.internal, "login_user": users.login}
    settings |= {"group": users.group, "mail_user": users.mail}
    config.write_text(CONFIG.format(root=root, port=port, tls_port=tls_port, ssl=ssl, **settings))
    try:
        # Dovecot daemonises; its children keep inherited pipes open, so no pipes here.
        with (root / "start.log").open("wb") as log:
            started = subprocess.run(
                [dovecot, "-c", str(config)], stdout=log, stderr=log, timeout=30, check=False
            )
        if started.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {(root / 'start.log').read_text()}")
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    log = (
                        (root / "dovecot.log").read_text()
                        if (root / "dovecot.log").exists()
                        else ""
                    )
                    raise RuntimeError(f"dovecot did not start: {log}") from None
                time.sleep(0.1)
        yield Dovecot("127.0.0.1", port, username, password, root, tls_port, ca_file)
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            with suppress(ProcessLookupError):
                os.kill(pid, 15)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_tls() -> Iterator[Dovecot]:
    """Dovecot with a self-signed certificate: IMAPS on `tls_port`, STARTTLS on `port`."""
    with dovecot_server(tls=True) as server:
        yield server
