"""The CDS Hooks 2.0 service as a FastAPI app: discovery, the two hook services, feedback.

Errors are HTTP statuses with one JSON shape, `{"ok": false, "error": {"code", "message",
"hint"}}`, never cards: 400 bad request body, 404 unknown service, 412 required data neither
prefetched nor fetchable, 422 data ofacare cannot read safely, 500 anything unexpected (a generic
message and a request id, never the exception text).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from ofacare.config import Settings
from ofacare.errors import InvalidInput, NotFound, OfacareError, quote_value
from ofacare.interop.cds_hooks.discovery import CdsService, build_discovery, find_service
from ofacare.interop.cds_hooks.feedback import (
    FeedbackRequest,
    FeedbackStore,
    InMemoryFeedbackStore,
    build_feedback_records,
)
from ofacare.interop.cds_hooks.fetch import FhirReader, HttpxFhirReader
from ofacare.interop.cds_hooks.hooks import HookRuntime, answer_hook
from ofacare.interop.cds_hooks.request import HookRequest, parse_body, read_json_body
from ofacare.interop.fhir import MissingFhirData, UnreadableFhirData
from ofacare.knowledge import KnowledgeBase, default_knowledge, load_knowledge

log = logging.getLogger(__name__)

STATUS = {InvalidInput: 400, NotFound: 404, MissingFhirData: 412, UnreadableFhirData: 422}


def create_cds_app(
    settings: Settings | None = None,
    fhir_client: FhirReader | None = None,
    *,
    clock: Callable[[], date] | None = None,
    feedback_store: FeedbackStore | None = None,
    root: str = "/cds-services",
) -> FastAPI:
    """The CDS Hooks app. `clock` gives today's date (the machine's by default); `fhir_client`
    reads fhirServer (httpx by default); `feedback_store` keeps feedback (memory by default);
    `root` is "" when the app is mounted at /cds-services inside the ofacare service."""
    settings = settings or Settings()
    kb = load_knowledge(settings.knowledge_dir) if settings.knowledge_dir else default_knowledge()
    reader = fhir_client or HttpxFhirReader()
    today = clock or date.today
    store = feedback_store or InMemoryFeedbackStore()
    app = FastAPI(title="ofacare CDS Hooks", version=kb.version, docs_url=None, redoc_url=None)
    app.state.feedback_store = store
    # Browser-based clients (the CDS Hooks sandbox, SMART apps) call across origins.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
    )
    _add_routes(app, kb=kb, reader=reader, today=today, store=store, root=root)
    app.add_exception_handler(OfacareError, _ofacare_error)
    app.add_exception_handler(Exception, _unexpected_error)
    return app


def _add_routes(
    app: FastAPI,
    *,
    kb: KnowledgeBase,
    reader: FhirReader,
    today: Callable[[], date],
    store: FeedbackStore,
    root: str,
) -> None:
    @app.get(root or "/")
    def discovery() -> dict[str, Any]:
        return build_discovery()

    @app.post(root + "/{service_id}")
    async def call_service(service_id: str, request: Request) -> dict[str, Any]:
        service = _get_service(service_id)
        hook_request = parse_body(HookRequest, read_json_body(await request.body()))
        runtime = HookRuntime(kb=kb, today=today(), reader=reader)
        return {"cards": await answer_hook(service, hook_request, runtime)}

    @app.post(root + "/{service_id}/feedback")
    async def feedback(service_id: str, request: Request) -> Response:
        service = _get_service(service_id)
        body = parse_body(FeedbackRequest, read_json_body(await request.body()))
        store.add(build_feedback_records(service.id, body, received_at=datetime.now(UTC)))
        return Response(status_code=200)


def _get_service(service_id: str) -> CdsService:
    service = find_service(service_id)
    if service is None:
        raise NotFound(
            "cds.unknown-service",
            f"service id: {quote_value(service_id)} is not a service of this server.",
            "List the services with GET /cds-services.",
        )
    return service


async def _ofacare_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OfacareError)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), None)
    if status is None:
        return await _unexpected_error(request, exc)
    return _error(status, exc.code, exc.message, exc.hint)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = uuid4().hex
    log.exception("CDS Hooks request %s failed", request_id, exc_info=exc)
    return _error(
        500,
        "cds.unexpected",
        f"ofacare could not answer this request (request id {request_id}).",
        "Try again; if it keeps failing, give the request id to the ofacare operators.",
    )


def _error(status: int, code: str, message: str, hint: str) -> JSONResponse:
    error = {"code": code, "message": message, "hint": hint}
    return JSONResponse({"ok": False, "error": error}, status_code=status)
