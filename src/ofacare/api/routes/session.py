"""Sign in and out, who am I, and API tokens."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from ofacare.api.auth import CurrentActor, RuntimeDep, client_address
from ofacare.api.models import ERROR_RESPONSES, Out
from ofacare.services import accounts
from ofacare.web.session import SESSION_COOKIE, set_session_cookie

router = APIRouter(tags=["session"], responses=ERROR_RESPONSES)


class Credentials(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class SessionOut(BaseModel):
    user_id: str
    role: str
    csrf_token: str
    expires_at: datetime


class MeOut(BaseModel):
    user_id: str
    role: str


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class NewTokenOut(BaseModel):
    id: str
    name: str
    token: str
    """Shown once: ofacare keeps only its hash."""


class TokenOut(Out):
    id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


@router.post("/session", response_model=SessionOut)
def sign_in(
    body: Credentials, request: Request, response: Response, runtime: RuntimeDep
) -> SessionOut:
    """Sign in with email and password: sets an HttpOnly session cookie, returns the CSRF token."""
    signed = accounts.sign_in(
        runtime,
        email=body.email,
        password=body.password,
        address=client_address(request),
        replacing=request.cookies.get(SESSION_COOKIE),  # ended: a fresh id for the new session
    )
    set_session_cookie(response, signed, runtime)
    return SessionOut(
        user_id=signed.actor.user_id,
        role=signed.actor.role.value,
        csrf_token=signed.csrf_token,
        expires_at=signed.expires_at,
    )


@router.delete("/session", status_code=204)
def sign_out(
    request: Request, response: Response, runtime: RuntimeDep, actor: CurrentActor
) -> None:
    """End this session (the cookie stops working at once)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.sign_out(runtime, cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=MeOut)
def who_am_i(actor: CurrentActor) -> MeOut:
    return MeOut(user_id=actor.user_id, role=actor.role.value)


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenRequest, runtime: RuntimeDep, actor: CurrentActor) -> NewTokenOut:
    """A new API token for scripts and integrations; the secret is shown only in this answer."""
    made = accounts.create_token(runtime, actor, name=body.name)
    return NewTokenOut(id=made.id, name=made.name, token=made.token)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(runtime: RuntimeDep, actor: CurrentActor) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in accounts.list_tokens(runtime, actor)]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, runtime: RuntimeDep, actor: CurrentActor) -> None:
    """Revoke a token: requests carrying it are refused from now on."""
    accounts.revoke_token(runtime, actor, token_id)
