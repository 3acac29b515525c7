"""Pens: record what happened to a pen (out of the fridge, back in, frozen, too warm) and see
whether each pen in stock can still be used."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from ofacare.api.auth import CurrentActor, IdempotencyKey, RuntimeDep
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.api.routes.schedule import CallOut, CitationOut, call_out, citations_out
from ofacare.knowledge import KnowledgeBase
from ofacare.services import pens
from ofacare.services.pens import PenEventForm, PenStatus

router = APIRouter(tags=["pens"], responses=ERROR_RESPONSES)

SECONDS_PER_MINUTE = 60


class PenEventOut(Out):
    id: str
    pen: str
    kind: str
    occurred_at: datetime
    recorded_by: str | None
    created_at: datetime


class AdviceOut(Out):
    text: str
    facts: list[str]


class PenOut(Out):
    pen: str
    location: str
    """fridge, room-temperature or discard."""
    must_discard: bool
    discard_reasons: list[str]
    time_out_minutes: int
    """Time spent out of the fridge in all, up to now."""
    stays_out: int
    left_fridge_at: datetime | None
    use_by: datetime | None
    """The last moment the pen may be used, in the patient's timezone."""
    advice: list[AdviceOut]
    citations: list[CitationOut]
    events: list[PenEventOut]


class PenStockOut(Out):
    pens: list[PenOut]
    call: CallOut
    knowledge_version: str


class PenEventAnswerOut(Out):
    event: PenEventOut
    pen: PenOut
    call: CallOut
    knowledge_version: str


@router.post(
    "/patients/{patient_id}/pens/events", response_model=PenEventAnswerOut, status_code=201
)
def record_pen_event(
    patient_id: str,
    body: PenEventForm,
    runtime: RuntimeDep,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> PenEventAnswerOut:
    """Record a pen event: kind out-of-fridge, back-in-fridge, frozen or above-30c, with
    occurred_at (UTC offset needed). Taking a pen out to warm up just before injecting it is
    part of the injection: record no event for it. The answer has the pen's state after it."""
    recorded = pens.record_pen_event(
        runtime, actor, patient_id, body, idempotency_key=idempotency_key
    )
    return PenEventAnswerOut(
        event=PenEventOut.model_validate(recorded.event),
        pen=pen_out(recorded.status, kb=runtime.kb),
        call=call_out(recorded.call),
        knowledge_version=recorded.knowledge_version,
    )


@router.get("/patients/{patient_id}/pens", response_model=PenStockOut)
def list_pens(patient_id: str, runtime: RuntimeDep, actor: CurrentActor) -> PenStockOut:
    """Each pen in stock with its state now: time out of the fridge, use-by, and whether to
    discard it, with who to call. Pens logged with an injection (pen_serial) are not listed."""
    stock = pens.list_pens(runtime, actor, patient_id)
    return PenStockOut(
        pens=[pen_out(p, kb=runtime.kb) for p in stock.pens],
        call=call_out(stock.call),
        knowledge_version=stock.knowledge_version,
    )


def pen_out(status: PenStatus, *, kb: KnowledgeBase) -> PenOut:
    state = status.state
    fact_ids = list(dict.fromkeys(f for line in state.advice for f in line.fact_ids))
    return PenOut(
        pen=status.pen,
        location=state.location.value,
        must_discard=state.must_discard,
        discard_reasons=[r.value for r in state.discard_reasons],
        time_out_minutes=int(state.time_out.total_seconds() // SECONDS_PER_MINUTE),
        stays_out=state.stays_out,
        left_fridge_at=state.left_fridge_at,
        use_by=state.use_by,
        advice=[AdviceOut(text=a.text, facts=list(a.fact_ids)) for a in state.advice],
        citations=citations_out(kb.citations(fact_ids)),
        events=[PenEventOut.model_validate(e) for e in status.events],
    )
