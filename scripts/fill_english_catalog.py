"""Make the English catalogue complete: English is the source language, so each entry's
translation is its own message. Run by `make messages` after makemessages."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

CATALOG = Path(__file__).resolve().parents[1] / "src/atiende/locale/en/LC_MESSAGES/django.po"


def main() -> int:
    po = polib.pofile(str(CATALOG))
    po.metadata.update(
        {
            "Project-Id-Version": "Atiende",
            "Last-Translator": "Atiende developers",
            "Language-Team": "English",
            "PO-Revision-Date": po.metadata.get("POT-Creation-Date", ""),
        }
    )
    po.metadata["Language"] = "en"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None  # an orphan `#| msgid_plural` breaks msgmerge
    po.save()
    po.save_as_mofile(str(CATALOG.with_suffix(".mo")))
    print(f"{CATALOG}: {len(po)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
