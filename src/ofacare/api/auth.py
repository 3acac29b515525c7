"""Who is calling: an API token (Authorization: Bearer) or a session cookie with its CSRF token.

Cookie-authenticated requests that change something must echo the session's CSRF token in the
X-CSRF-Token header (or the csrf_token form field, checked by the web pages): a page on another
site can make the browser send the cookie, but cannot read the token.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, Request

from ofacare.errors import NotAllowed, NotSignedIn
from ofacare.services.access import Actor
from ofacare.services.accounts import find_session_actor, find_token_actor
from ofacare.services.idempotency import check_key
from ofacare.services.runtime import Runtime
from ofacare.web.session import SESSION_COOKIE

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# The dependencies that do no I/O are `async def`: FastAPI calls those on the event loop, where a
# plain `def` would cost a hand-over to a worker thread and back on every request.
async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_actor(request: Request) -> Actor:
    runtime = runtime_of(request)
    address = client_address(request)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        actor = (
            find_token_actor(runtime, token.strip(), address)
            if scheme.lower() == "bearer"
            else None
        )
        if actor is None:
            raise NotSignedIn(
                "auth.bad-token",
                "The API token is not valid (unknown, revoked, or not a Bearer token).",
                "Create a new token in your settings; send it as 'Authorization: Bearer <token>'.",
            )
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    found = find_session_actor(runtime, cookie, address) if cookie else None
    if found is None:
        raise NotSignedIn(
            "auth.not-signed-in",
            "You are not signed in, or your session has ended.",
            "Sign in again (POST /api/v1/session) or send an API token.",
        )
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent.encode(), found.csrf_token.encode()):
            raise NotAllowed(
                "auth.csrf",
                f"The {CSRF_HEADER} header is missing or does not match this session.",
                "Send the csrf_token you received at sign-in with every change.",
            )
    return found.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Send a fresh random value per new record; a retry with the same key "
            "returns the first record instead of creating a second.",
        ),
    ] = None,
) -> str | None:
    return check_key(key)


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
