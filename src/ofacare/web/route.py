"""Page routes answer errors as pages: a plain message, what to do, and never a traceback.

Forms catch `InvalidInput` themselves to show the message beside the form they keep filled in;
whatever escapes a page handler lands here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ofacare.errors import OfacareError, http_status
from ofacare.services.forms import describe_problem
from ofacare.web.rendering import render
from ofacare.web.session import SignInNeeded, find_viewer, new_request_id

log = logging.getLogger(__name__)

TITLES = {
    403: "You cannot open this page",
    404: "Page not found",
    409: "This cannot be done yet",
    422: "Something in the form needs changing",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


class PageRoute(APIRoute):
    """An APIRoute whose errors become HTML pages (or a redirect to sign in)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                return sign_in_redirect(request)
            except OfacareError as exc:
                return ofacare_error_page(request, exc)
            except RequestValidationError as exc:
                return error_page(request, 422, validation_message(exc), "")
            except Exception as exc:
                return unexpected_page(request, exc)

        return handle


def ofacare_error_page(request: Request, exc: OfacareError) -> Response:
    status = http_status(exc)
    if status == 401:
        return sign_in_redirect(request)
    if status == 500:
        return unexpected_page(request, exc)
    return error_page(request, status, exc.message, exc.hint)


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


def error_page(request: Request, status: int, message: str, hint: str) -> Response:
    return render(
        request,
        "common/error.html",
        viewer=find_viewer(request),
        status=status,
        title=TITLES.get(status, TITLES[422]),
        message=message,
        hint=hint,
        request_id=None,
    )


def unexpected_page(request: Request, exc: Exception) -> Response:
    request_id = new_request_id()
    log.error("page %s failed (request %s)", request.url.path, request_id, exc_info=exc)
    return render(
        request,
        "common/error.html",
        viewer=None,
        status=500,
        title=TITLES[500],
        message="The page could not be shown. Nothing you sent was lost or half-saved.",
        hint="Try again in a minute. If it keeps happening, tell us this reference.",
        request_id=request_id,
    )


def validation_message(exc: RequestValidationError) -> str:
    return describe_problem(exc.errors()[0] if exc.errors() else {})


NOT_PAGES = ("/api/", "/cds-services", "/calendar/", "/static/", "/openapi.json", "/docs")


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, a feed or a file) gets HTML errors."""
    path = request.url.path
    accepts_html = "text/html" in request.headers.get("accept", "")
    return accepts_html and not path.startswith(NOT_PAGES)


def not_found_page(request: Request) -> Response:
    return error_page(
        request, 404, f"There is no page at {request.url.path}.", "Check the address."
    )
