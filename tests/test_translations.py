"""Spanish and English catalogues are complete: every message in the code and templates has
a translation, none is fuzzy, and the compiled catalogues match the sources."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from .servers import program

SRC = Path(__file__).resolve().parents[1] / "src" / "atiende"
LOCALES = ("es", "en")


def _catalog(lang: str) -> polib.POFile:
    return polib.pofile(str(SRC / "locale" / lang / "LC_MESSAGES" / "django.po"))


@pytest.fixture(scope="module")
def extracted_msgids(tmp_path_factory) -> set[tuple[str | None, str]]:
    """Every message the code and templates ask for, extracted by makemessages from a copy."""
    for tool in ("xgettext", "msguniq", "msgmerge"):  # what makemessages runs
        program(tool, package="gettext", needed_by="The catalogue completeness tests")
    workdir = tmp_path_factory.mktemp("messages") / "atiende"
    shutil.copytree(SRC, workdir, ignore=shutil.ignore_patterns("locale", "__pycache__", "vendor"))
    (workdir / "locale").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "es", "--no-location"],
        cwd=workdir, env=env, check=True, capture_output=True,
    )  # fmt: skip
    po = polib.pofile(str(workdir / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    return {(entry.msgctxt, entry.msgid) for entry in po}


@pytest.mark.parametrize("lang", LOCALES)
def test_every_message_in_the_code_is_in_the_catalogue(lang, extracted_msgids):
    catalogued = {(entry.msgctxt, entry.msgid) for entry in _catalog(lang) if not entry.obsolete}
    missing = sorted(msgid for _ctx, msgid in extracted_msgids - catalogued)
    assert missing == [], f"{len(missing)} messages missing from {lang}; run `make messages`"


@pytest.mark.parametrize("lang", LOCALES)
def test_every_catalogue_entry_is_translated_and_not_fuzzy(lang):
    catalog = _catalog(lang)
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == [], f"{len(untranslated)} untranslated in {lang}: {untranslated[:10]}"
    assert fuzzy == [], f"fuzzy in {lang}: {fuzzy[:10]}"


@pytest.mark.parametrize("lang", LOCALES)
def test_compiled_catalogue_matches_its_source(lang):
    po = _catalog(lang)
    mo = polib.mofile(str(SRC / "locale" / lang / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    for entry in po.translated_entries():
        assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, entry.msgid


# Words Spanish takes from English unchanged.
SAME_IN_SPANISH = {"ticket", "tickets", "webhook", "webhooks"}  # loanwords used as such


def test_every_model_has_a_spanish_name():
    """A model without a translatable verbose name shows English in the Spanish admin (its
    list, its permissions, its history)."""
    from django.apps import apps
    from django.utils import translation

    untranslated = []
    for model in apps.get_models():
        if not model.__module__.startswith("atiende."):
            continue
        for attribute in ("verbose_name", "verbose_name_plural"):
            with translation.override("en"):
                english = str(getattr(model._meta, attribute))
            with translation.override("es"):
                spanish = str(getattr(model._meta, attribute))
            if spanish == english and english not in SAME_IN_SPANISH:
                untranslated.append(f"{model._meta.label}.{attribute}: {english}")
    assert untranslated == []
