"""Refresh the catalogues and set Spanish translations from a JSON file, under a lock so that
several people (or helpers) working in one tree never overwrite each other's catalogue.

    .venv/bin/python scripts/translate.py my-translations.json

The JSON maps each English message to its Spanish translation; a message with a plural takes
a list [singular, plural]; a message with a context is written "context\\u0004message".
Without a file it only extracts, completes English and compiles (what `make messages` does).
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
SPANISH = ROOT / "src/atiende/locale/es/LC_MESSAGES/django.po"


def main(argv: list[str]) -> int:
    translations: dict[str, str | list[str]] = {}
    for name in argv:
        translations.update(json.loads(Path(name).read_text(encoding="utf-8")))
    with open(ROOT / ".venv" / "catalogue.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(["make", "-s", "messages"], cwd=ROOT, check=True)  # noqa: S607
        po = polib.pofile(str(SPANISH))
        applied = 0
        for entry in po:
            key = f"{entry.msgctxt}\u0004{entry.msgid}" if entry.msgctxt else entry.msgid
            value = translations.get(key)
            if value is None:
                continue
            if entry.msgid_plural:
                singular, plural = value if isinstance(value, list) else (value, value)
                entry.msgstr_plural = {0: singular, 1: plural}
            else:
                entry.msgstr = value if isinstance(value, str) else value[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            applied += 1
        po.save()
        po.save_as_mofile(str(SPANISH.with_suffix(".mo")))
        missing = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    print(f"{applied} Spanish translations set; {len(missing)} messages still untranslated")
    for msgid in missing:
        print(f"  untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
