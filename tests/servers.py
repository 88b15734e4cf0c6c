"""Servers and programs the tests take from the machine (not from PyPI), and one rule for
when one is missing: outside CI the test skips with a reason that names what to install;
in CI (CI=true: .ci/run installs and starts all of them) it fails, so a server test can
never stop running there unnoticed."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

# Servers such as dovecot live in sbin directories, which an ordinary user's PATH lacks.
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def unavailable(reason: str) -> NoReturn:
    """This test cannot have what it needs here (`reason` says what, and how to get it):
    skip, or fail under CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI runs every server test: none may skip)", pytrace=False)
    pytest.skip(reason)


def program(name: str, *, package: str, needed_by: str) -> str:
    """The path of executable `name`, or skip (fail under CI) naming its Debian package."""
    path = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), *SBIN]))
    if path is None:
        unavailable(f"{needed_by} need `{name}`, not found here: apt-get install {package}")
    return path
