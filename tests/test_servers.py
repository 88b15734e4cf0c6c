"""The rule for what the tests take from the machine: a missing server or program skips the
test, naming what to install; under CI=true it fails instead, so nothing skips in CI."""

from __future__ import annotations

import os
import stat

import pytest

from . import servers


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_a_missing_server_skips_outside_ci_with_its_reason(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="apt-get install redis-server"):
        servers.unavailable("Redis is not answering: apt-get install redis-server")


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_a_missing_server_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="apt-get install redis-server"):
        servers.unavailable("Redis is not answering: apt-get install redis-server")


def test_a_missing_program_names_its_debian_package(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(servers, "SBIN", ())
    with pytest.raises(pytest.skip.Exception) as skipped:
        servers.program("dovecot", package="dovecot-imapd", needed_by="The IMAP tests")
    assert str(skipped.value) == (
        "The IMAP tests need `dovecot`, not found here: apt-get install dovecot-imapd"
    )
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install dovecot-imapd"):
        servers.program("dovecot", package="dovecot-imapd", needed_by="The IMAP tests")


def test_programs_are_found_in_sbin_too(monkeypatch, tmp_path):
    """An ordinary user's PATH has no sbin directories, where Debian puts dovecot."""
    sbin = tmp_path / "sbin"
    sbin.mkdir()
    server = sbin / "some-server"
    server.write_text("#!/bin/sh\n")
    server.chmod(server.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", os.defpath)
    monkeypatch.setattr(servers, "SBIN", (str(sbin),))
    assert servers.program("some-server", package="x", needed_by="y") == str(server)
