"""Time-zone rules come from the tzdata package, not the system's older copy: atiende empties
zoneinfo's TZPATH when it is imported, so every zone is read from the package (and the health
page says which database is in use)."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import tzdata

import atiende  # noqa: F401 - the import is what chooses the rules


def test_zoneinfo_looks_nowhere_but_the_package():
    assert zoneinfo.TZPATH == ()


@pytest.mark.parametrize("key", ["America/Santiago", "America/Mexico_City", "Europe/Madrid"])
def test_zones_are_the_packages_files(key):
    loaded = zoneinfo.ZoneInfo.no_cache(key)
    resource = importlib.resources.files("tzdata.zoneinfo").joinpath(*key.split("/"))
    with resource.open("rb") as file:
        packaged = zoneinfo.ZoneInfo.from_file(file, key=key)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for day in range(0, 365 * 6, 3):  # offsets and DST switches of six years agree
        moment = start + timedelta(days=day)
        assert moment.astimezone(loaded).utcoffset() == moment.astimezone(packaged).utcoffset()


def test_a_fresh_process_gets_the_package_too():
    code = "import atiende, zoneinfo; print(repr(zoneinfo.TZPATH))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "()"


def test_the_version_is_the_packages():
    from atiende.mail.selectors import tz_database

    assert tz_database().version == tzdata.IANA_VERSION
    assert tz_database().source == "package"
