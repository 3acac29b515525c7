"""Labs: clinicians record results; everyone on the record reads each test's results over time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from ofacare.api.auth import CurrentActor, IdempotencyKey, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.records.tables import LabResult
from ofacare.services import labs
from ofacare.services.labs import LabForm, LabSeries

router = APIRouter(tags=["labs"], responses=ERROR_RESPONSES)


class LabOut(Out):
    id: str
    test: str
    loinc: str | None
    value: float | None
    unit: str | None
    result: str | None
    reference_low: float | None
    reference_high: float | None
    collected_on: date
    created_at: datetime


class LabPointOut(LabOut):
    flag: str | None
    """below, above or within the laboratory's range; null without a range."""
    change_from_previous: float | None
    change_from_baseline: float | None
    change_unit: str | None
    is_baseline: bool


class LabSeriesOut(Out):
    test: str
    display: str
    loinc: list[str]
    baseline_on: date | None
    results: list[LabPointOut]


def _lab_out(lab: LabResult) -> LabOut:
    return LabOut.model_validate(lab).model_copy(update={"loinc": lab.loinc or None})


def _series_out(series: LabSeries) -> LabSeriesOut:
    return LabSeriesOut(
        test=series.test.name,
        display=series.test.display,
        loinc=list(series.test.loinc),
        baseline_on=series.baseline_on,
        results=[
            LabPointOut(
                **_lab_out(point.lab).model_dump(),
                flag=point.flag,
                change_from_previous=point.change_from_previous,
                change_from_baseline=point.change_from_baseline,
                change_unit=point.change_unit,
                is_baseline=point.is_baseline,
            )
            for point in series.points
        ],
    )


@router.post("/patients/{patient_id}/labs", response_model=LabOut, status_code=201)
def record_lab(
    patient_id: str,
    body: LabForm,
    runtime: RuntimeDep,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> LabOut:
    """Record a result (clinicians): test by name or LOINC, a value with its unit or a word.

    A value needs a unit the test is reported in, and may carry the laboratory's range; presence
    tests (HBsAg, anti-HBc, pregnancy, liver-panel) take a result word. Send an Idempotency-Key.
    """
    lab = labs.record_lab(runtime, actor, patient_id, body, idempotency_key=idempotency_key)
    return _lab_out(lab)


@router.get("/patients/{patient_id}/labs", response_model=list[LabSeriesOut])
def list_labs(
    patient_id: str,
    runtime: RuntimeDep,
    actor: CurrentActor,
    test: Annotated[
        str | None, Query(max_length=40, description="One test, by name or LOINC (e.g. IgG).")
    ] = None,
) -> list[LabSeriesOut]:
    """Each test's results over time, oldest first, with the trend.

    Every result says whether it is below or above the laboratory's range and how far it moved
    from the previous result and from the baseline (the last result before the first dose).
    """
    series = labs.list_lab_series(runtime, actor, patient_id, test=test)
    return [_series_out(s) for s in series]
