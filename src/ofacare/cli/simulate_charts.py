"""Chart texts from the knowledge base, and the calls that draw a simulation's charts."""

from __future__ import annotations

from pathlib import Path

from ofacare.charts.exposure import ChartText, plot_individual, plot_population
from ofacare.knowledge import KnowledgeBase
from ofacare.pharmacology.cohort import PopulationResult
from ofacare.pharmacology.document import CARE_TEAM, DISCLAIMER_FACT, READING_FACT
from ofacare.pharmacology.individual import IndividualResult
from ofacare.pharmacology.metrics import LLN_FACT, LOW_FACT


def chart_text(kb: KnowledgeBase, title: str, extra_caption: str = "") -> ChartText:
    lln = kb.number(LLN_FACT, "cells/uL")
    low = kb.number(LOW_FACT, "cells/uL")
    return ChartText(
        title=title,
        caption=(kb.statement(READING_FACT) + " " + extra_caption).strip(),
        disclaimer=f"{kb.statement(DISCLAIMER_FACT)} {CARE_TEAM}",
        concentration_label="Medicine in the blood (mg/L)",
        bcell_label="B cells (cells/µL, log scale)",
        threshold_labels={
            lln: f"{lln:g} cells/µL: lower limit of normal",
            low: f"{low:g} cells/µL: deeply depleted",
        },
        dose_label="Pen (20 mg)",
    )


def individual_chart(kb: KnowledgeBase, result: IndividualResult, path: Path) -> Path:
    start = result.doses.start_on
    return plot_individual(
        path,
        result.days,
        total_mg_l=result.total_mg_l,
        bcells=result.bcells,
        dose_days=[float(d) for d in result.doses.history.days],
        text=chart_text(kb, f"Simulated course from {start:%d %b %Y} (typical patient)"),
    )


def population_chart(kb: KnowledgeBase, result: PopulationResult, path: Path) -> Path:
    return plot_population(
        path,
        result.days,
        bcell_bands=result.bcell_bands,
        conc_bands=result.conc_bands,
        dose_days=[float(d) for d in result.doses.history.days],
        text=chart_text(
            kb,
            f"{result.n} simulated people",
            "Shaded bands: the middle half and 9 in 10 of the simulated people "
            "(25th-75th and 5th-95th percentiles); the line is the median.",
        ),
    )
