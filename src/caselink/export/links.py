"""Links out for link-chart and graph tools (i2 Analyst's Notebook, Gephi, Cytoscape, networkx).

One row per stored link, with the column names those tools map without a dialog: ``Source``,
``Target``, ``Type`` (``Undirected``), ``Weight`` (= probability), ``Label``, then ``probability``,
``log_odds``, ``top_evidence`` (the three strongest explanation terms, as text), ``model`` and
``scored_at``. With ``series`` each row also names the candidate series of each end
(``source_series``/``target_series``). CSV cells are formula-safe; GraphML carries the cases as
nodes (with their series) and the links as edges with the same attributes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import orjson

from caselink.errors import ConfigError
from caselink.export import _open_out, safe_cell
from caselink.store import Store, require_purpose

LINK_FORMATS = ("csv", "parquet", "graphml")
COLUMNS = ("Source", "Target", "Type", "Weight", "Label", "probability", "log_odds", "top_evidence",
           "model", "scored_at")
SERIES_COLUMNS = ("source_series", "target_series")


def top_evidence(explanation: str, k: int = 3) -> str:
    """The ``k`` strongest terms of a stored explanation, e.g. ``"same weapon +2.1; 0.4 km apart +1.3"``."""
    try:
        terms = orjson.loads(explanation)
    except orjson.JSONDecodeError:
        return ""
    terms = [t for t in terms if isinstance(t, dict) and isinstance(t.get("contribution"), int | float)
             and t.get("feature") != "prior" and not str(t.get("feature", "")).endswith(" other features")]
    terms.sort(key=lambda t: -abs(float(t["contribution"])))
    parts = []
    for t in terms[:k]:
        value = t.get("value")
        label = f"{t.get('feature')}={value}" if value is not None else str(t.get("feature"))
        parts.append(f"{label} {float(t['contribution']):+.2f}")
    return "; ".join(parts)


def link_rows(store: Store, *, min_probability: float, purpose: str | None, series: bool,
              command: str = "links export") -> list[dict[str, Any]]:
    """Stored links at or above ``min_probability``, as export rows; audited as a disclosure."""
    purpose = require_purpose(purpose, "exporting links")
    if not 0.0 <= min_probability <= 1.0:
        raise ConfigError(f"--min-probability must be between 0 and 1, got {min_probability}")
    rows = store.con.execute(
        "SELECT case_a, case_b, probability, log_odds, explanation, model_name || ' ' || model_version, "
        "scored_at FROM links WHERE probability >= ? ORDER BY probability DESC, case_a, case_b",
        [min_probability]).fetchall()
    of_case: dict[str, str] = {}
    if series:
        from caselink.linkage.series import series as find_series

        cut = min(max(min_probability, 0.01), 0.99)
        for s in find_series(store, min_probability=cut, purpose=purpose, command=command):
            for c in s["case_ids"]:
                of_case[c] = s["series_id"]
    out = []
    for a, b, p, lo, expl, model, when in rows:
        row = {"Source": a, "Target": b, "Type": "Undirected", "Weight": round(float(p), 6),
               "Label": f"p={float(p):.2f}", "probability": float(p), "log_odds": float(lo),
               "top_evidence": top_evidence(expl), "model": model, "scored_at": when.isoformat()}
        if series:
            row["source_series"] = of_case.get(a, "")
            row["target_series"] = of_case.get(b, "")
        out.append(row)
    ids = sorted({r["Source"] for r in out} | {r["Target"] for r in out})
    store.audit("disclosure", command, ids, purpose,
                {"links": len(out), "min_probability": min_probability, "series": series})
    return out


def write_links(fmt: str, rows: list[dict[str, Any]], output: Path | None, *, series: bool) -> int:
    columns = [*COLUMNS, *(SERIES_COLUMNS if series else ())]
    if fmt == "csv":
        handle = _open_out(output)
        try:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for r in rows:
                writer.writerow([safe_cell(r[c]) for c in columns])
        finally:
            if output is not None:
                handle.close()
    elif fmt == "parquet":
        if output is None:
            raise ConfigError("--format parquet is binary: give --output FILE")
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), output)
    elif fmt == "graphml":
        text = graphml(rows, series=series)
        if output is None:
            print(text)
        else:
            output.write_text(text, encoding="utf-8")
    else:
        raise ConfigError(f"unknown links format {fmt!r}; choose one of {', '.join(LINK_FORMATS)}")
    return len(rows)


_EDGE_KEYS = (("probability", "double"), ("log_odds", "double"), ("Weight", "double"),
              ("top_evidence", "string"), ("model", "string"), ("scored_at", "string"))


def graphml(rows: list[dict[str, Any]], *, series: bool) -> str:
    """A GraphML document (Gephi, Cytoscape, yEd, networkx): cases as nodes, links as undirected edges."""
    nodes: dict[str, str] = {}
    for r in rows:
        nodes.setdefault(r["Source"], r.get("source_series", ""))
        nodes.setdefault(r["Target"], r.get("target_series", ""))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
             '  <key id="label" for="node" attr.name="label" attr.type="string"/>']
    if series:
        lines.append('  <key id="series" for="node" attr.name="series" attr.type="string"/>')
    for name, kind in _EDGE_KEYS:
        lines.append(f'  <key id="{name}" for="edge" attr.name="{name.lower() if name == "Weight" else name}" '
                     f'attr.type="{kind}"/>')
    lines.append('  <graph id="caselink" edgedefault="undirected">')
    for node, s in sorted(nodes.items()):
        data = f'<data key="label">{_text(node)}</data>'
        if series:
            data += f'<data key="series">{_text(s)}</data>'
        lines.append(f"    <node id={quoteattr(node)}>{data}</node>")
    for i, r in enumerate(rows):
        data = "".join(f'<data key="{name}">{_text(r[name])}</data>' for name, _ in _EDGE_KEYS)
        lines.append(f'    <edge id="e{i}" source={quoteattr(r["Source"])} target={quoteattr(r["Target"])}>'
                     f"{data}</edge>")
    lines += ["  </graph>", "</graphml>"]
    return "\n".join(lines)


def _text(value: Any) -> str:
    from xml.sax.saxutils import escape

    return escape(str(value))
