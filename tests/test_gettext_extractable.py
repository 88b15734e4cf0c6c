"""xgettext does not read inside f-strings: a `_("…")` written in an f-string's braces never
reaches the catalogue, so Spanish pages show it in English (the timeline's verbs did)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "atiende"
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "npgettext"}


def _gettext_in_fstrings(path: Path) -> list[int]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in GETTEXT
                ):
                    found.append(inner.lineno)
    return found


def test_no_translatable_text_is_written_inside_an_fstring():
    found = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        if "/migrations/" not in path.as_posix()
        for line in _gettext_in_fstrings(path)
    ]
    assert found == [], "hoist these out of the f-string so makemessages finds them"


def test_the_check_finds_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('said = f"<span>{_(\'replied\')}</span>"\nok = _("replied")\n')
    assert _gettext_in_fstrings(sample) == [1]
