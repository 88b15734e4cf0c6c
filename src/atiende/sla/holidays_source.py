"""Public holidays from the `holidays` package, cached per (country, subdivision, year).

The package computes a year of holidays in about a millisecond, but calendars ask for the same
few years over and over, so each year is computed once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays


def holiday_dates(
    country: str, subdivision: str | None = None, years: Iterable[int] = ()
) -> dict[date, str]:
    """The public holidays of `country` (ISO 3166-1 alpha-2, e.g. "ES") and optionally one of
    its subdivisions (e.g. "MD" for Madrid, "CT" for Catalonia) in `years`: {date: name}.

    Raises ValueError for a country or subdivision the package does not know.
    """
    found: dict[date, str] = {}
    for year in sorted(set(years)):
        found.update(_year(country.upper(), subdivision.upper() if subdivision else None, year))
    return found


@lru_cache(maxsize=4096)
def _year(country: str, subdivision: str | None, year: int) -> tuple[tuple[date, str], ...]:
    try:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:  # unknown country or subdivision
        raise ValueError(str(exc)) from exc
    return tuple(sorted(table.items()))
