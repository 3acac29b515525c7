"""Simulation results as plain documents (dicts, lists, ISO dates): the shape every door shows.

Keys follow the `ofacare simulate ... --json` contract; each document also carries the disclaimer,
who to call, the parameter set, the citations and the knowledge-base version.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ofacare.knowledge import KnowledgeBase
from ofacare.pharmacology.cohort import PopulationResult
from ofacare.pharmacology.doses import DatedDoses
from ofacare.pharmacology.individual import IndividualResult
from ofacare.pharmacology.validation import CheckResult

DISCLAIMER_FACT = "pharmacology.simulation-disclaimer"
READING_FACT = "pharmacology.simulation-reading"
MODEL_FACTS = (DISCLAIMER_FACT, READING_FACT, "pharmacology.model-days-to-target")
SIGNIFICANT = 6  # digits kept in JSON series: far beyond the model's accuracy, short to read
CARE_TEAM = (
    "ofacare supports your MS team and does not replace it: ask your MS nurse or neurologist "
    "about doses, vaccines and timing."
)


def _series(values: NDArray[np.floating]) -> list[float]:
    return [float(f"{v:.{SIGNIFICANT}g}") for v in np.asarray(values, dtype=np.float64)]


def _doses(doses: DatedDoses) -> list[dict[str, Any]]:
    return [
        {"number": i + 1, "date": d.isoformat(), "day": int(day), "taken": taken}
        for i, (d, day, taken) in enumerate(
            zip(doses.dates, doses.history.days, doses.taken, strict=True)
        )
    ]


def _about(kb: KnowledgeBase, set_name: str) -> dict[str, Any]:
    chosen = kb.model.parameter_set(set_name)
    return {
        "disclaimer": kb.statement(DISCLAIMER_FACT),
        "care_team": CARE_TEAM,
        "parameter_set": {"name": chosen.name, "title": chosen.title},
        "sources": kb.cite([*MODEL_FACTS])
        + [
            f"{kb.sources[c.source].title} §{c.section}"
            for c in chosen.sources
            if c.source not in {"ofacare-design"} or chosen.name != "published"
        ],
        "knowledge_version": kb.version,
    }


def individual_document(kb: KnowledgeBase, result: IndividualResult) -> dict[str, Any]:
    """The `simulate individual --json` document."""
    return {
        "start": result.doses.start_on.isoformat(),
        "doses": _doses(result.doses),
        "covariates": asdict(result.covariates),
        "days": [int(d) for d in result.days],
        "conc_total_mg_per_l": _series(result.total_mg_l),
        "conc_free_mg_per_l": _series(result.free_mg_l),
        "b_cells": _series(result.bcells),
        "intervals": [asdict(i) for i in result.intervals],
        "days_below": result.days_below,
        "repletion_weeks": result.repletion_weeks,
        **_about(kb, result.set_name),
    }


def population_document(kb: KnowledgeBase, result: PopulationResult) -> dict[str, Any]:
    """The `simulate population --json` document."""
    repletion = None
    if result.repletion is not None:
        repletion = {
            "median": result.repletion.median,
            "p25": result.repletion.p25,
            "p75": result.repletion.p75,
            "recovered_percent": result.repletion.recovered_percent,
            "follow_up_weeks": result.repletion.follow_up_weeks,
        }
    return {
        "n": result.n,
        "seed": result.seed,
        "doses": _doses(result.doses),
        "days": [int(d) for d in result.days],
        "b_cells": {k: _series(v) for k, v in result.bcell_bands.items()},
        "pct_below_10": _series(result.pct_below_10),
        "pct_below_40": _series(result.pct_below_40),
        "conc_total_mg_per_l": {k: _series(v) for k, v in result.conc_bands.items()},
        "repletion_weeks": repletion,
        **_about(kb, result.set_name),
    }


def validation_document(
    kb: KnowledgeBase, results: dict[str, list[CheckResult]], default_set: str
) -> dict[str, Any]:
    """The `simulate validate --json` document: every check for every parameter set."""
    return {
        "default_set": default_set,
        "sets": {
            name: [
                {
                    "check": r.check.id,
                    "metric": r.check.metric,
                    "published": [r.published_low, r.published_high]
                    if r.published_low != r.published_high
                    else r.published_low,
                    "unit": r.unit,
                    "predicted": r.predicted,
                    "accepted": [r.low, r.high],
                    "passed": r.passed,
                    "note": r.check.note,
                    "sources": kb.cite(r.check.facts),
                }
                for r in checks
            ]
            for name, checks in results.items()
        },
        **_about(kb, default_set),
    }
