"""Configuration text stored in both languages (resolution codes, risk questions...)."""

from __future__ import annotations

from django.utils.translation import get_language


def in_language(en: str, es: str, language: str | None = None) -> str:
    """The Spanish text for a Spanish reader when there is one, else the English text."""
    lang = (language or get_language() or "en")[:2]
    return es if lang == "es" and es else en
