"""Date and number formats of the interface, one module per language (FORMAT_MODULE_PATH).

One long and one short form per language, used by every page through the format names:
- English (British order, 24-hour clock): DATETIME_FORMAT "25 November 2026, 14:00",
  SHORT_DATETIME_FORMAT "25 Nov 2026 14:00", DATE_FORMAT "25 November 2026",
  SHORT_DATE_FORMAT "25 Nov 2026".
- Spanish: "25 de noviembre de 2026, 14:00", "25 nov 2026 14:00", "25 de noviembre de 2026",
  "25 nov 2026".
Templates use `|date:"SHORT_DATETIME_FORMAT"` in lists and compact places and
`|date:"DATETIME_FORMAT"` where a single date stands on its own; never a literal pattern.
"""
