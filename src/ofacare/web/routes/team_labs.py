"""Labs over time for the team's pages: a chart with the reference range, and its data table.

IgG, IgM and B cells (CD19) are charted in their first unit. The band is the laboratory's own
range as printed with the newest result that has one; the line is the lower limit the knowledge
base gives (the trials' limit for immunoglobulins, the label's for B cells) with its source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from ofacare.knowledge.base import CitationRef, KnowledgeBase
from ofacare.services.labs import UNITS, LabPoint, LabSeries
from ofacare.web.localisation import N_, Reader, translations
from ofacare.web.svg_chart import Band, Chart, Line, Series, line_chart

CHARTED: dict[str, tuple[tuple[str, str], ...]] = {
    "IgG": (("screening.igg-lower-limit-trials", "g/L"),),
    "IgM": (("screening.igm-lower-limit-trials", "g/L"),),
    "CD19": (("efficacy.b-cell-lln", "cells/uL"), ("efficacy.b-cell-threshold-10", "cells/uL")),
}
"""The tests charted, with the knowledge base's reference lines for each (fact id, unit)."""
LINE_LABELS = {
    "screening.igg-lower-limit-trials": N_("Trials' lower limit of normal, %(value)s"),
    "screening.igm-lower-limit-trials": N_("Trials' lower limit of normal, %(value)s"),
    "efficacy.b-cell-lln": N_("Lower limit of normal, %(value)s"),
    "efficacy.b-cell-threshold-10": N_("Deep depletion below %(value)s"),
}
"""What each reference line means, for the caption under the chart."""
SHORT_LABELS = {
    "screening.igg-lower-limit-trials": N_("Trials' LLN %(value)s"),
    "screening.igm-lower-limit-trials": N_("Trials' LLN %(value)s"),
    "efficacy.b-cell-lln": N_("LLN %(value)s"),
    "efficacy.b-cell-threshold-10": N_("Deep <%(value)s"),
}
"""The same lines labelled inside the chart, where a label has about sixteen characters."""
Say = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class LabView:
    """One test's results as the page shows them: a chart (or none) and every point."""

    series: LabSeries
    chart: Markup
    unit: str | None
    lines: tuple[Line, ...]
    line_texts: tuple[str, ...]
    """What each reference line means, in full, for the caption."""
    band: Band | None
    citations: tuple[CitationRef, ...]

    @property
    def name(self) -> str:
        return self.series.test.name

    @property
    def display(self) -> str:
        return self.series.test.display

    @property
    def points(self) -> tuple[LabPoint, ...]:
        return self.series.points


def build_lab_views(
    series: tuple[LabSeries, ...], *, kb: KnowledgeBase, reader: Reader
) -> tuple[list[LabView], list[LabView]]:
    """The charted tests (IgG, IgM, B cells) and the other tests, each with its table rows."""
    charted, other = [], []
    for one in series:
        if one.test.name in CHARTED:
            charted.append(_charted(one, kb=kb, reader=reader))
        else:
            other.append(LabView(one, Markup(""), None, (), (), None, ()))
    return charted, other


def _charted(series: LabSeries, *, kb: KnowledgeBase, reader: Reader) -> LabView:
    say: Say = translations(reader.language).gettext
    unit = next(iter(UNITS[series.test.name]))
    factors = UNITS[series.test.name]
    points = [
        (p.lab.collected_on, p.lab.value * factor)
        for p in series.points
        if p.lab.value is not None and (factor := factors.get(p.lab.unit or "")) is not None
    ]
    facts = CHARTED[series.test.name]
    limits = [(fact, kb.number(fact, fact_unit), fact_unit) for fact, fact_unit in facts]
    lines = tuple(
        Line(value, say(SHORT_LABELS[fact]) % {"value": f"{value:g}"}) for fact, value, _ in limits
    )
    texts = tuple(
        say(LINE_LABELS[fact]) % {"value": f"{value:g} {fact_unit}"}
        for fact, value, fact_unit in limits
    )
    band = _band(series, factors, say)
    chart = Chart(
        title=say(N_("%(test)s over time")) % {"test": series.test.display},
        description=_describe(series, points, unit, reader, say),
        series=[Series(series.test.name, points)],
        y_label=unit,
        lines=lines,
        bands=[band] if band else [],
        log_y=series.test.name == "CD19",
    )
    return LabView(
        series=series,
        chart=line_chart(chart) if points else Markup(""),
        unit=unit,
        lines=lines,
        line_texts=texts,
        band=band,
        citations=tuple(kb.citations(fact for fact, _ in facts)),
    )


def _band(series: LabSeries, factors: dict[str, float | None], say: Say) -> Band | None:
    """The laboratory's range printed with the newest result that has both limits."""
    for point in reversed(series.points):
        lab = point.lab
        factor = factors.get(lab.unit or "")
        if lab.reference_low is None or lab.reference_high is None or factor is None:
            continue
        low, high = lab.reference_low * factor, lab.reference_high * factor
        label = say(N_("Lab range %(low)s-%(high)s")) % {"low": f"{low:g}", "high": f"{high:g}"}
        return Band(low, high, label)
    return None


def _describe(
    series: LabSeries,
    points: list[tuple[date, float]],
    unit: str,
    reader: Reader,
    say: Say,
) -> str:
    if not points:
        return say(N_("No measured values to draw."))
    first, last = points[0], points[-1]
    text = say(N_("%(count)d results from %(first)s to %(last)s. Latest %(value)s %(unit)s."))
    return text % {
        "count": len(points),
        "first": reader.day(first[0]),
        "last": reader.day(last[0]),
        "value": f"{last[1]:g}",
        "unit": unit,
    }
