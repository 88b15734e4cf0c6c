"""Charts drawn on the server as SVG geometry (no script): the template writes the shapes,
with a <title> and <desc>, and the table under each chart is the accessible alternative."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils.formats import date_format, number_format

WIDTH = 720  # the line chart
BARS_WIDTH = 480  # bar charts sit in half-width panels on a desktop
BAR = 22
GAP = 6
LABEL = 170


def bars(rows: Sequence[tuple[str, int, str | None]]) -> dict[str, Any]:
    """Horizontal bars: (label, value, link) per row."""
    top = max((v for _l, v, _k in rows), default=0) or 1
    room = BARS_WIDTH - LABEL - 50
    drawn = []
    for i, (label, value, link) in enumerate(rows):
        drawn.append({
            "y": i * (BAR + GAP),
            "text_y": i * (BAR + GAP) + 16,
            "width": int(room * value / top),
            "value_x": LABEL + int(room * value / top) + 6,
            "label": label,
            "shown": number_format(value, force_grouping=True),
            "link": link,
        })  # fmt: skip
    return {
        "bars": drawn,
        "width": BARS_WIDTH,
        "height": max(1, len(drawn)) * (BAR + GAP),
        "label_width": LABEL,
        "label_x": LABEL - 6,
        "bar_height": BAR,
    }


LINE_HEIGHT = 260
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 64, 16, 16, 44


def lines(days: list[tuple[date, int, int]]) -> dict[str, Any]:
    """Two series over the days (created, resolved) as polylines, with a few gridlines and the
    first, middle and last dates under the axis."""
    top = max((max(c, r) for _d, c, r in days), default=0) or 1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = LINE_HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(1, len(days) - 1)

    def point(i: int, v: int) -> str:
        return f"{PAD_LEFT + i * step:.1f},{PAD_TOP + inner_h - inner_h * v / top:.1f}"

    grid = []
    for fraction in (0, 0.5, 1):
        value = round(top * fraction)
        y = PAD_TOP + inner_h - inner_h * value / top
        grid.append({"y": f"{y:.1f}", "text_y": f"{y + 5:.1f}",
                     "label": number_format(value, force_grouping=True)})  # fmt: skip
    ticks = []
    if days:
        for i in sorted({0, len(days) // 2, len(days) - 1}):
            anchor = "start" if i == 0 else ("end" if i == len(days) - 1 else "middle")
            ticks.append({"x": f"{PAD_LEFT + i * step:.1f}", "anchor": anchor,
                          "label": date_format(days[i][0], "SHORT_DATE_FORMAT")})  # fmt: skip
    return {
        "width": WIDTH,
        "height": LINE_HEIGHT,
        "left": PAD_LEFT,
        "right": WIDTH - PAD_RIGHT,
        "axis_y": LINE_HEIGHT - PAD_BOTTOM,
        "tick_y": LINE_HEIGHT - 10,
        "created": " ".join(point(i, c) for i, (_d, c, _r) in enumerate(days)),
        "resolved": " ".join(point(i, r) for i, (_d, _c, r) in enumerate(days)),
        "grid": grid,
        "ticks": ticks,
    }
