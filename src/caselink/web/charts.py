"""Charts drawn on the server as SVG geometry (no inline script or style needed).

Each function returns plain numbers for a template to draw: an evidence bar chart per link,
a timeline of a series' cases, and a circular link chart of cases and their links.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

BAR_W = 260


def evidence_chart(explanation: list[dict[str, Any]]) -> dict[str, Any]:
    """One row per piece of evidence with a bar of how much it moved the log-odds of a link.

    Bars grow right (towards a common offender) or left (against) from a centre line, on a
    scale shared by the rows of one chart.
    """
    items = [e for e in explanation if e.get("contribution") is not None]
    span = max([abs(float(e["contribution"])) for e in items] + [0.5])
    half = BAR_W / 2
    rows = []
    for e in items:
        c = float(e["contribution"])
        width = max(abs(c) / span * (half - 2), 1.0)
        value = e.get("value")
        rows.append({"feature": str(e["feature"]).replace("_", " "), "value": "" if value is None else str(value),
                     "x": half if c >= 0 else half - width, "width": width, "cls": "pos" if c >= 0 else "neg",
                     "contribution": f"{c:+.2f}"})
    return {"rows": rows, "bar_w": BAR_W, "half": half}


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:19].replace("Z", "")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def timeline(cases: list[dict[str, Any]], width: int = 900) -> dict[str, Any]:
    """Cases on a time axis (intervals as bars when from/to differ), with year ticks."""
    days: list[tuple[dict[str, Any], date, date]] = []
    for c in cases:
        start = _day(c.get("occurred_from"))
        if start is not None:
            days.append((c, start, _day(c.get("occurred_to")) or start))
    if not days:
        return {"events": [], "ticks": [], "width": width, "height": 60}
    lo = min(a for _, a, _ in days).toordinal() - 15
    hi = max(b for _, _, b in days).toordinal() + 15
    left, right = 20, width - 20

    def x(d: date) -> float:
        return left + (d.toordinal() - lo) / max(hi - lo, 1) * (right - left)

    items = []
    for i, (c, a, b) in enumerate(days):
        y = 30 + (i % 4) * 22
        items.append({"id": c["case_id"], "x": x(a), "x2": max(x(b), x(a) + 3), "y": y,
                      "label": f"{c['case_id']} ({a.isoformat()})"})
    ticks = []
    for year in range(date.fromordinal(lo).year, date.fromordinal(hi).year + 2):
        d = date(year, 1, 1)
        if lo <= d.toordinal() <= hi:
            ticks.append({"x": x(d), "label": str(year)})
    return {"events": items, "ticks": ticks, "width": width, "height": 30 + 4 * 22 + 20}


def link_chart(case_ids: list[str], links: list[dict[str, Any]], size: int = 420) -> dict[str, Any]:
    """Cases on a circle, links as lines whose width and opacity grow with the probability."""
    n = max(len(case_ids), 1)
    r = size / 2 - 60
    pos = {c: (size / 2 + r * math.cos(2 * math.pi * i / n - math.pi / 2),
               size / 2 + r * math.sin(2 * math.pi * i / n - math.pi / 2)) for i, c in enumerate(case_ids)}
    edges = [{"x1": pos[lk["a"]][0], "y1": pos[lk["a"]][1], "x2": pos[lk["b"]][0], "y2": pos[lk["b"]][1],
              "w": 1 + 5 * float(lk["probability"]), "op": 0.25 + 0.7 * float(lk["probability"]),
              "title": f"{lk['a']} – {lk['b']}: p = {float(lk['probability']):.2f}"}
             for lk in links if lk["a"] in pos and lk["b"] in pos]
    nodes = [{"id": c, "x": x, "y": y, "tx": x + (12 if x >= size / 2 else -12),
              "anchor": "start" if x >= size / 2 else "end"} for c, (x, y) in pos.items()]
    return {"nodes": nodes, "edges": edges, "size": size}
