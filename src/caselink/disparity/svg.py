"""The disparity report's two charts as inline SVG (no plotting library): rate per group with its
95% interval, and rate by year with shaded intervals. Every label is escaped; the markup has no
script, no external reference and no style attribute beyond presentation attributes, so it can
sit inside the self-contained HTML report (and under the web pages' strict CSP)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#1f4e79", "#d47500", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#546e7a")
SMALL, REF, NORMAL = "#d47500", "#444444", "#1f4e79"


def nice_ticks(high: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high`` (percent), about ``n`` of them."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [round(i * step, 10) for i in range(int(math.ceil(high / step)) + 1)]


def _num(v: float) -> str:
    return f"{v:.1f}"


def _fmt_tick(v: float) -> str:
    return f"{v:g}"


def rates_svg(rows: Sequence[tuple[str, float, float, float, str]], reference: float, x_label: str,
              title: str) -> str:
    """``rows``: (label, estimate %, low %, high %, kind) with kind ``small``/``ref``/``normal``."""
    left, right, top, row_h = 210, 30, 40, 28
    width = 760
    plot_w = width - left - right
    height = top + row_h * len(rows) + 60
    ticks = nice_ticks(max([r[3] for r in rows] + [reference, 1.0]) * 1.05)
    x_max = ticks[-1]

    def x(v: float) -> float:
        return left + plot_w * max(0.0, v) / x_max

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f"<title>{escape(title)}</title>",
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="13">{escape(title)}</text>']
    axis_y = top + row_h * len(rows)
    for t in ticks:
        out.append(f'<line x1="{_num(x(t))}" y1="{top - 6}" x2="{_num(x(t))}" y2="{axis_y}" stroke="#eeeeee"/>')
        out.append(f'<text x="{_num(x(t))}" y="{axis_y + 16}" text-anchor="middle">{_fmt_tick(t)}</text>')
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="#888888"/>')
    out.append(f'<line x1="{_num(x(reference))}" y1="{top - 6}" x2="{_num(x(reference))}" y2="{axis_y}" '
               'stroke="#888888" stroke-dasharray="4 3"/>')
    for i, (label, est, low, high, kind) in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        colour = {"small": SMALL, "ref": REF}.get(kind, NORMAL)
        out.append(f'<text x="{left - 8}" y="{cy + 4}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<line x1="{_num(x(low))}" y1="{cy}" x2="{_num(x(high))}" y2="{cy}" stroke="{colour}" '
                   'stroke-width="2"/>')
        for v in (low, high):
            out.append(f'<line x1="{_num(x(v))}" y1="{cy - 5}" x2="{_num(x(v))}" y2="{cy + 5}" stroke="{colour}"/>')
        out.append(f'<circle cx="{_num(x(est))}" cy="{cy}" r="4.5" fill="{colour}"><title>{escape(label)}: '
                   f"{est:.1f}% ({low:.1f} to {high:.1f})</title></circle>")
    out.append(f'<text x="{left + plot_w / 2}" y="{axis_y + 36}" text-anchor="middle">{escape(x_label)}</text>')
    out.append("</svg>")
    return "".join(out)


def years_svg(series: dict[str, list[tuple[int, float, float, float]]], title: str) -> str:
    """``series``: group -> [(year, rate %, low %, high %)], drawn as lines over shaded intervals."""
    left, right, top, bottom = 60, 170, 36, 50
    width, height = 760, 340
    plot_w, plot_h = width - left - right, height - top - bottom
    years = sorted({p[0] for pts in series.values() for p in pts})
    y0, y1 = years[0], max(years[-1], years[0] + 1)
    ticks = nice_ticks(max([p[3] for pts in series.values() for p in pts] + [1.0]))
    y_max = ticks[-1]

    def px(year: float) -> float:
        return left + plot_w * (year - y0) / (y1 - y0)

    def py(v: float) -> float:
        return top + plot_h * (1 - max(0.0, v) / y_max)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f"<title>{escape(title)}</title>",
           f'<text x="{(left + width - right) / 2}" y="20" text-anchor="middle" font-size="13">{escape(title)}</text>']
    for t in ticks:
        out.append(f'<line x1="{left}" y1="{_num(py(t))}" x2="{width - right}" y2="{_num(py(t))}" stroke="#eeeeee"/>')
        out.append(f'<text x="{left - 6}" y="{_num(py(t) + 4)}" text-anchor="end">{_fmt_tick(t)}</text>')
    step = max(1, math.ceil(len(years) / 12))
    for year in years[::step]:
        out.append(f'<text x="{_num(px(year))}" y="{top + plot_h + 16}" text-anchor="middle">{year}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">year</text>')
    out.append(f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + plot_h / 2})">% with outcome</text>')
    for i, (group, pts) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        band = [f"{_num(px(p[0]))},{_num(py(p[3]))}" for p in pts] + \
               [f"{_num(px(p[0]))},{_num(py(p[2]))}" for p in reversed(pts)]
        out.append(f'<polygon points="{" ".join(band)}" fill="{colour}" fill-opacity="0.12" stroke="none"/>')
        line = " ".join(f"{_num(px(p[0]))},{_num(py(p[1]))}" for p in pts)
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for p in pts:
            out.append(f'<circle cx="{_num(px(p[0]))}" cy="{_num(py(p[1]))}" r="2.5" fill="{colour}">'
                       f"<title>{escape(group)} {p[0]}: {p[1]:.1f}%</title></circle>")
        ly = top + 14 + 18 * i
        out.append(f'<line x1="{width - right + 12}" y1="{ly - 4}" x2="{width - right + 32}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{width - right + 38}" y="{ly}">{escape(group)}</text>')
    out.append("</svg>")
    return "".join(out)
