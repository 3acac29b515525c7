"""The inline SVG charts: accessible names, every series labelled, reference lines in text."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree

from ofacare.web.svg_chart import Band, Chart, Line, Series, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _chart(**changes) -> Chart:  # type: ignore[no-untyped-def]
    fields = {
        "title": "IgG over time",
        "description": "IgG fell from 9.5 to 7.2 g/L",
        "series": [Series("IgG", [(date(2026, 1, 1), 9.5), (date(2026, 7, 1), 7.2)])],
        "y_label": "g/L",
        "lines": [Line(6.0, "lower limit 6")],
        "bands": [Band(6.0, 16.0, "reference range")],
    }
    return Chart(**{**fields, **changes})


def test_a_chart_is_an_image_named_by_its_title_and_description() -> None:
    svg = ElementTree.fromstring(str(line_chart(_chart())))
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.text == "IgG over time"
    assert desc is not None and desc.text == "IgG fell from 9.5 to 7.2 g/L"
    assert set(svg.get("aria-labelledby", "").split()) == {title.get("id"), desc.get("id")}


def test_series_and_reference_lines_are_labelled_in_text_not_colour_alone() -> None:
    two = [
        Series("B cells", [(0.0, 200.0), (30.0, 2.0)]),
        Series("Concentration", [(0.0, 0.0), (30.0, 5.0)]),
    ]
    svg = ElementTree.fromstring(str(line_chart(_chart(series=two, bands=[], log_y=False))))
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"B cells", "Concentration", "lower limit 6"} <= texts
    dashes = [p.get("stroke-dasharray") for p in svg.iter(f"{SVG}polyline")]
    assert len(set(dashes)) == 2  # each series drawn with its own pattern


def test_log_scale_keeps_values_below_the_axis_on_the_chart() -> None:
    series = [Series("B cells", [(0.0, 250.0), (14.0, 0.0), (28.0, 3.0)])]
    svg = ElementTree.fromstring(str(line_chart(_chart(series=series, bands=[], log_y=True))))
    ys = [float(pair.split(",")[1]) for pair in svg.find(f"{SVG}polyline").get("points").split()]  # type: ignore[union-attr]
    assert all(0 <= y <= 300 for y in ys)


def test_escapes_text_and_draws_nothing_without_points() -> None:
    assert str(line_chart(_chart(series=[Series("x", [])]))) == ""
    svg = str(line_chart(_chart(title="<script>alert(1)</script>")))
    assert "<script>" not in svg
