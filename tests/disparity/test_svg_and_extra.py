"""The report's SVG charts place points where their values are, escape labels; --adjust without
statsmodels says which extra to install."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from caselink.disparity.adjust import adjusted_odds_ratios
from caselink.disparity.svg import nice_ticks, rates_svg, years_svg
from caselink.errors import ConfigError

NS = "{http://www.w3.org/2000/svg}"


def test_rates_chart_points_follow_the_estimates_and_labels_are_escaped() -> None:
    svg = rates_svg([("A<b>&", 10.0, 5.0, 15.0, "ref"), ("B", 40.0, 30.0, 50.0, "normal"),
                     ("C", 25.0, 5.0, 60.0, "small")], 10.0, "% with outcome", "t")
    root = ET.fromstring(svg)                       # well-formed XML
    xs = [float(c.get("cx")) for c in root.iter(f"{NS}circle")]
    assert xs[0] < xs[2] < xs[1]                    # 10% < 25% < 40%
    labels = [t.text for t in root.iter(f"{NS}text")]
    assert "A<b>&" in labels and "<b>" not in svg.replace("&lt;b&gt;", "")
    assert "script" not in svg and "href" not in svg


def test_years_chart_has_one_line_per_group() -> None:
    svg = years_svg({"F": [(2014, 20.0, 10.0, 30.0), (2015, 25.0, 15.0, 35.0)],
                     "M": [(2014, 10.0, 5.0, 15.0), (2015, 12.0, 6.0, 18.0)]}, "by year")
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{NS}polyline"))) == 2 and len(list(root.iter(f"{NS}polygon"))) == 2


def test_ticks_cover_the_range() -> None:
    assert nice_ticks(37.0)[-1] >= 37.0 and nice_ticks(37.0)[0] == 0.0


def test_adjust_without_statsmodels_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "statsmodels", None)       # as if not installed
    monkeypatch.setitem(sys.modules, "statsmodels.api", None)
    y = pd.Series([0, 1, 0, 1, 1, 0])
    with pytest.raises(ConfigError, match=r"caselink\[adjust\]"):
        adjusted_odds_ratios(y, {"F": pd.Series([1, 1, 0, 0, 1, 0])}, pd.DataFrame(index=y.index))
