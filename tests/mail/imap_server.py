"""A private Dovecot IMAP server for the tests: started on a free loopback port under a
temporary root (see /work/shared/testing/README.md), stopped when the fixture ends."""

from __future__ import annotations

import os
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

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
default_internal_group = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
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


def available() -> bool:
    return os.path.exists(DOVECOT) and os.geteuid() == 0


@contextmanager
def dovecot_server(
    username: str = "soporte", password: str = "secret", *, tls: bool = False
) -> Iterator[Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="atiende-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    shutil.chown(root / "home", "dovecot", "dovecot")
    (root / "users").write_text(f"{username}:{{PLAIN}}{password}\n")
    port, tls_port, ca_file = _free_port(), 0, None
    ssl = "ssl = no"
    if tls:
        cert, key = _self_signed(root)
        tls_port, ca_file = _free_port(), cert
        ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, tls_port=tls_port, ssl=ssl))
    try:
        # Dovecot daemonises; its children keep inherited pipes open, so no pipes here.
        with (root / "start.log").open("wb") as log:
            subprocess.run(
                [DOVECOT, "-c", str(config)], check=True, stdout=log, stderr=log, timeout=30
            )
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
    if not available():
        pytest.fail("dovecot-imapd is required for the IMAP tests (.ci/run installs it)")
    with dovecot_server() as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_tls() -> Iterator[Dovecot]:
    """Dovecot with a self-signed certificate: IMAPS on `tls_port`, STARTTLS on `port`."""
    if not available():
        pytest.fail("dovecot-imapd is required for the IMAP tests (.ci/run installs it)")
    with dovecot_server(tls=True) as server:
        yield server
