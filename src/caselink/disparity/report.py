"""A self-contained HTML report of a disparity result: table, charts as inline SVG, reading.

Everything is inline (CSS, SVG charts drawn by ``caselink.disparity.svg``, no plotting library),
so the file can be e-mailed or attached to a review and opened anywhere with no network access.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caselink import __version__
from caselink.disparity.reading import pct
from caselink.disparity.svg import rates_svg, years_svg

if TYPE_CHECKING:
    from caselink.disparity.analysis import DisparityResult

MIN_PER_YEAR = 15
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:62rem;
color:#1b1b1b;line-height:1.45;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.9rem}table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.6rem 0}
th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .45rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}
tr.small td{background:#fff6e0}tr.ref td{font-weight:600}.flag{color:#9a5b00;font-size:.8rem}
figure{margin:.5rem 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}ul.notes li{margin:.35rem 0}
code{background:#f4f4f4;padding:0 .2rem}
"""


def rates_plot(result: DisparityResult) -> str:
    """Rate per group with its 95% interval (small groups in orange), as inline SVG."""
    rows = result.groups
    ref = next(r for r in rows if r.is_reference)
    points = [(f"{r.group} (n={r.n})" + (" *" if r.small else ""), 100 * r.rate.estimate, 100 * r.rate.low,
               100 * r.rate.high, "small" if r.small else ("ref" if r.is_reference else "normal")) for r in rows]
    return rates_svg(points, 100 * ref.rate.estimate,
                     f"% with outcome: {result.spec.outcome} (95% interval)",
                     f"Outcome by {result.spec.by}  (dashed: reference {ref.group}; * small group)")


def years_plot(result: DisparityResult) -> tuple[str | None, list[str]]:
    """Rate by year with shaded 95% intervals, for groups with at least ``MIN_PER_YEAR`` cases a
    year on average; returns (inline SVG or None, groups left out of the plot as too sparse)."""
    years = sorted({row["year"] for row in result.by_year})
    groups = list(dict.fromkeys(row["group"] for row in result.by_year))
    points = {g: [row for row in result.by_year if row["group"] == g] for g in groups}
    shown = [g for g in groups if sum(p["n"] for p in points[g]) / max(1, len(points[g])) >= MIN_PER_YEAR]
    omitted = [g for g in groups if g not in shown]
    if len(years) < 2 or not shown:
        return None, omitted
    series = {g: [(int(p["year"]), 100 * p["rate"], 100 * p["low"], 100 * p["high"]) for p in points[g]]
              for g in shown}
    return years_svg(series, "Rate by year (shaded: 95% interval)"), omitted


def _fmt_interval(d: dict[str, Any] | None, scale: float = 100.0, signed: bool = False) -> str:
    if not d or d.get("estimate") is None:
        return "—"
    f = "{:+.1f}" if signed else "{:.1f}"
    if scale == 1.0:
        f = "{:.2f}"
    return f"{f.format(scale * d['estimate'])} ({f.format(scale * d['low'])} to {f.format(scale * d['high'])})"


def _p(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def _test_p(test: Any) -> str:
    if test is None:
        return "—"
    return str(test.p_text).removeprefix("p = ")


def groups_table(result: DisparityResult) -> str:
    head = ("<tr><th>group</th><th>cases</th><th>with outcome</th><th>rate % (95% CI)</th><th>interval</th>"
            "<th>difference, points (95% CI)</th><th>ratio (95% CI)</th><th>test</th><th>p</th>"
            "<th>p (Holm)</th></tr>")
    body = []
    for row in result.groups:
        d = row.to_dict()
        cls = "small" if row.small else ("ref" if row.is_reference else "")
        flag = f' <span class="flag">small: {escape(", ".join(row.small))}</span>' if row.small else ""
        ref = " (reference)" if row.is_reference else ""
        body.append(
            f'<tr class="{cls}"><td>{escape(row.group)}{ref}{flag}</td><td>{row.n}</td><td>{row.k}</td>'
            f"<td>{_fmt_interval(d['rate'])}</td><td>{escape(row.rate.method)}</td>"
            f"<td>{_fmt_interval(d['difference'], signed=True)}</td><td>{escape(row.ratio_text)}</td>"
            f"<td>{escape(row.test.test) if row.test else '—'}</td>"
            f"<td>{escape(_test_p(row.test))}</td><td>{_p(row.p_holm)}</td></tr>")
    return f'<table id="groups">{head}{"".join(body)}</table>'


def adjusted_table(result: DisparityResult) -> str:
    adj = result.adjusted
    if adj is None:
        return "<p>No adjustment was asked for (<code>--adjust</code>); the rates above are crude.</p>"
    rows = "".join(
        f"<tr><td>{escape(r.group)}</td><td>{'—' if r.odds_ratio is None else f'{r.odds_ratio:.2f}'}</td>"
        f"<td>{'—' if r.low is None else f'{r.low:.2f} to {r.high:.2f}'}</td><td>{_p(r.p_value)}</td>"
        f"<td>{escape(r.note)}</td></tr>" for r in adj.results)
    terms = "".join(f"<li><code>{escape(k)}</code>: {escape(v)}</li>" for k, v in adj.terms.items())
    warn = "".join(f"<li>{escape(w)}</li>" for w in adj.warnings)
    return (f"<p>Odds of the outcome against <b>{escape(result.reference)}</b>, holding constant: </p>"
            f"<ul>{terms}</ul><p>{escape(adj.method)}; {adj.n_used} cases used, {adj.n_dropped} left out.</p>"
            f'<table id="adjusted"><tr><th>group</th><th>adjusted OR</th><th>95% CI</th><th>p</th><th>note</th></tr>'
            f"{rows}</table>" + (f"<ul>{warn}</ul>" if warn else ""))


def render_html(result: DisparityResult) -> str:
    """The whole report as one HTML string."""
    spec = result.spec
    years, sparse = years_plot(result)
    overall = result.overall
    overall_html = (f"<p>All groups at once: {escape(overall.test)}, {escape(overall.p_text)}.</p>"
                    if overall else "<p>No all-groups test (groups overlap or only one group).</p>")
    year_img = (f'<figure id="years-chart">{years}</figure>' if years
                else "<p>Fewer than two years (or no group large enough): no time plot.</p>")
    if sparse:
        year_img += (f"<p>Not plotted, too few cases a year for a readable line (their yearly counts are "
                     f"in the JSON output): {escape(', '.join(sparse))}.</p>")
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Outcome disparity: {escape(spec.outcome)} by {escape(spec.by)}</title>
<style>{_CSS}</style></head><body>
<h1>Outcome disparity: <code>{escape(spec.outcome)}</code> by <code>{escape(spec.by)}</code></h1>
<p class="meta">{result.n_cases} cases{' where <code>' + escape(spec.where) + '</code>' if spec.where else ''};
{result.n_outcome} with the outcome ({pct(result.n_outcome / result.n_cases)}). Reference group: {escape(result.reference)}.
caselink {__version__}, {when}.</p>
<h2>What this shows and does not show</h2><ul class="notes">{notes}</ul>
<h2>Rates by group</h2>{groups_table(result)}{overall_html}
<figure id="rates-chart">{rates_plot(result)}</figure>
<h2>Adjusted odds ratios</h2>{adjusted_table(result)}
<h2>Over time</h2>{year_img}
<h2>Methods</h2><p>Rates: Wilson score interval; exact Clopper-Pearson for small groups (n &lt; 30 or
fewer than 5 with or without the outcome). Differences: Newcombe hybrid score interval. Ratios: Katz log
interval. Each group against the reference: Pearson chi-square, or Fisher's exact test when an expected
count is below 5. All groups: Pearson chi-square, with a Monte Carlo p-value when an expected count is
below 5. Holm adjustment over the group-against-reference comparisons.</p>
</body></html>
"""


def write_html(result: DisparityResult, path: str | Path) -> Path:
    """Write the report to ``path`` and return it."""
    out = Path(path)
    out.write_text(render_html(result), encoding="utf-8")
    return out
