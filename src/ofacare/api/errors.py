"""One error shape for every answer that is not a success: {"ok": false, "error": {...}}.

Bad input is 422 with the field named; unexpected failures give a generic message and a request
id, never the exception text.
"""

from __future__ import annotations

import logging
from uuid import uuid4

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from ofacare.errors import NotSignedIn, OfacareError, TooManyAttempts, http_status
from ofacare.interop.fhir import MissingFhirData, UnreadableFhirData
from ofacare.services.forms import describe_problem
from ofacare.web.route import not_found_page, wants_page

log = logging.getLogger(__name__)

FHIR_PROBLEMS = (UnreadableFhirData, MissingFhirData)
"""A Bundle ofacare cannot read is bad input (422), like any other."""
HTTP_CODES = {
    401: "auth.not-signed-in",
    403: "access.not-allowed",
    404: "http.not-found",
    405: "http.method-not-allowed",
    413: "http.too-large",
    415: "http.unsupported-media-type",
}


def error_response(
    status: int, code: str, message: str, hint: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"ok": False, "error": {"code": code, "message": message, "hint": hint}}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OfacareError, _ofacare_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _ofacare_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OfacareError)
    status = 422 if isinstance(exc, FHIR_PROBLEMS) else http_status(exc)
    if status >= 500:
        return await _unexpected_error(request, exc)
    headers = None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    if isinstance(exc, NotSignedIn):
        headers = {"WWW-Authenticate": 'Bearer realm="ofacare"'}
    return error_response(status, exc.code, exc.message, exc.hint, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problem = exc.errors()[0] if exc.errors() else {}
    return error_response(422, "input.invalid", describe_problem(problem), _hint(request))


def _hint(request: Request) -> str:
    return f"See {request.app.docs_url or '/docs'} for the fields this request takes."


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and wants_page(request):
        return not_found_page(request)
    code = HTTP_CODES.get(exc.status_code, f"http.{exc.status_code}")
    message = "No such address in the ofacare API." if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, code, message, "", dict(exc.headers or {}))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = uuid4().hex
    log.error(
        "request %s %s failed (%s)", request.url.path, request_id, type(exc).__name__, exc_info=exc
    )
    return error_response(
        500,
        "server.unexpected",
        f"ofacare could not complete this request (request id {request_id}).",
        "Nothing was changed. Try again; if it keeps failing, tell the operators the request id.",
    )
