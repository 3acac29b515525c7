"""Refuse what no request needs before any route reads it: a body over the size limit (413),
JSON that is not UTF-8, nested too deeply, holds a key twice or a NUL character (422), and a
NUL in the address or a form field.

The body is read here, up to the limit, and handed on unchanged, so a route never sees more than
the limit and a 10 MB upload costs no more than the limit to refuse. PostgreSQL cannot store a
NUL in text (it would fail as a server error), and a person never types one. Refusals use the
API's one error shape, or an HTML page for a browser asking for a page.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ofacare.api.errors import error_response
from ofacare.web.rendering import render
from ofacare.web.route import wants_page

MAX_JSON_DEPTH = 32
"""Deeper than any document ofacare reads (a FHIR Bundle in a CDS Hooks prefetch is about 12)."""
JSON_TYPES = ("application/json",)
FORM_TYPE = "application/x-www-form-urlencoded"
API_PATHS = "/api/"
"""The JSON API: a body there is JSON (a request without a Content-Type is read as JSON)."""
OWN_JSON_READERS = ("/cds-services",)
"""Doors that read and refuse their own JSON: CDS Hooks answers a bad body with 400, as the
standalone `ofacare cds serve` does; only the size and address limits apply there."""
NUL = "\x00"


class Refusal(Exception):
    """Why a request is refused before it reaches a route."""

    def __init__(self, status: int, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.hint = status, code, message, hint


def install_body_limits(app: FastAPI, *, max_body_bytes: int) -> None:
    app.add_middleware(BodyLimits, max_body_bytes=max_body_bytes)


class BodyLimits:
    """ASGI middleware: read the body up to `max_body_bytes`, check it, then pass it on."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_address(scope)
            body = await self._read_body(scope, receive)
            path = scope.get("path", "")
            if not path.startswith(OWN_JSON_READERS):
                check_body(content_type(scope), body, api=path.startswith(API_PATHS))
        except Refusal as refusal:
            await _refuse(scope, refusal)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self) -> Refusal:
        return Refusal(
            413,
            "http.too-large",
            f"body: more than {self.max_body_bytes:,} bytes were sent; ofacare reads at most "
            f"{self.max_body_bytes:,} bytes in one request.",
            "Send less: shorten long text, or split the import into several requests.",
        )


def check_address(scope: Scope) -> None:
    """Refuse a NUL in the path or the query string (percent-encoded or not)."""
    path = scope.get("path", "")
    if NUL in path:
        raise _nul("path", path)
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in unquote_to_bytes(query):
        raise _nul("query", query.decode("latin-1"))


def check_body(kind: str, body: bytes, *, api: bool) -> None:
    """Refuse a JSON or form body ofacare would misread, or store only as a server error."""
    if not body:
        return
    if kind in JSON_TYPES or kind.endswith("+json") or (api and not kind):
        check_json(body)
    elif api:
        raise Refusal(
            415,
            "http.unsupported-media-type",
            f"Content-Type: '{kind[:60]}' is not JSON; the ofacare API reads JSON bodies only.",
            "Send the body as JSON with 'Content-Type: application/json'.",
        )
    elif kind == FORM_TYPE:
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if NUL in name or NUL in value:
                raise _nul(name, value)


def check_json(body: bytes) -> None:
    """Strict UTF-8, valid JSON, one value per key, at most MAX_JSON_DEPTH deep, no NUL."""
    try:
        text = body.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad_json(f"byte {exc.start} is not UTF-8 text") from None
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise _bad_json(f"it is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise _bad_json(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    _check_tree(document)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object from its pairs; a key given twice is refused (which value was meant?)."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _bad_json(f"the key '{key[:40]}' appears twice in one object")
        document[key] = value
    return document


def _check_tree(document: Any) -> None:
    """Walk the parsed document without recursion: its depth and its strings."""
    stack: list[tuple[Any, int, str]] = [(document, 1, "body")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, dict | list) and depth > MAX_JSON_DEPTH:
            raise _bad_json(f"it is nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(node, dict):
            for key, value in node.items():
                if NUL in key:
                    raise _nul(where, key)
                stack.append((value, depth + 1, key))
        elif isinstance(node, list):
            stack.extend((item, depth + 1, where) for item in node)
        elif isinstance(node, str) and NUL in node:
            raise _nul(where, node)


def _bad_json(reason: str) -> Refusal:
    return Refusal(
        422,
        "input.invalid",
        f"body: is not JSON ofacare can read: {reason}.",
        "Send one JSON object in UTF-8, each key once.",
    )


def _nul(field: str, value: str) -> Refusal:
    shown = repr(value) if len(value) <= 80 else repr(value[:77]) + "..."
    return Refusal(
        422,
        "input.control-character",
        f"{field}: {shown} holds a NUL character, which is never part of text.",
        "Remove the NUL (\\u0000 or %00) and send the request again.",
    )


def content_type(scope: Scope) -> str:
    """The media type of the body, lower case, without its parameters."""
    return _header(scope, b"content-type").split(";")[0].strip().lower()


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body read here once, then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _refuse(scope: Scope, refusal: Refusal) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    request = Request(scope)
    if wants_page(request):
        return _page(request, refusal)
    return error_response(refusal.status, refusal.code, refusal.message, refusal.hint)


def _page(request: Request, refusal: Refusal) -> Response:
    title = (
        "What you sent is too large" if refusal.status == 413 else "What you sent cannot be read"
    )
    return render(
        request,
        "common/error.html",
        viewer=None,
        status=refusal.status,
        title=title,
        message=refusal.message,
        hint=refusal.hint,
        request_id=None,
    )
