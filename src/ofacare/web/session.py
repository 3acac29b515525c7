"""Who is looking at a page: the session cookie the API also uses, and the CSRF check of forms.

Every form that changes something carries the session's CSRF token in a hidden `csrf_token`
field; a page on another site can make the browser post the cookie but cannot read the token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ofacare.errors import InvalidInput, NotAllowed
from ofacare.services.access import Actor, Role
from ofacare.services.accounts import SignedIn, find_session_actor
from ofacare.services.runtime import Runtime

SESSION_COOKIE = "ofacare_session"
CSRF_FIELD = "csrf_token"
MAX_FORM_FIELDS = 200
MAX_FORM_FILES = 2


class SignInNeeded(Exception):
    """The page needs a signed-in person; the route answers with a redirect to sign in."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person and the session's CSRF token for the forms on the page."""

    actor: Actor
    csrf_token: str

    @property
    def role(self) -> Role:
        return self.actor.role


def set_session_cookie(response: Response, signed: SignedIn, runtime: Runtime) -> None:
    """The HttpOnly session cookie of a new sign-in (pages and API share it)."""
    response.set_cookie(
        SESSION_COOKIE,
        signed.session_token,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.secure_cookies,
        max_age=runtime.settings.session_hours * 3600,
        path="/",
    )


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def find_viewer(request: Request) -> Viewer | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = find_session_actor(get_runtime(request), cookie, client_address(request))
    if found is None:
        return None
    return Viewer(actor=found.actor, csrf_token=found.csrf_token)


def require_viewer(request: Request, *roles: Role) -> Viewer:
    """The signed-in viewer; with `roles`, one of those roles or 403."""
    viewer = find_viewer(request)
    if viewer is None:
        raise SignInNeeded
    if roles and viewer.role not in roles:
        raise NotAllowed(
            "access.not-allowed",
            f"This page is not for a {viewer.role} account.",
            "Go back to your home page.",
        )
    return viewer


async def read_form(request: Request, viewer: Viewer | None) -> FormData:
    """The posted form, after checking its CSRF token against the viewer's session.

    Call it before anything that reads or writes the record, so a refused form leaves no trace.
    A form the browser says came from another site is refused even without a session: that
    covers the sign-in and invitation forms, which have no token (login CSRF).
    """
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise _forged()
    try:
        form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    except HTTPException as exc:  # too many fields, broken multipart: bad input, not our failure
        raise InvalidInput(
            "input.unreadable-form",
            f"form: the form could not be read ({exc.detail}).",
            "Go back, reload the page and send the form from it again.",
        ) from None
    if viewer is not None:
        sent = form.get(CSRF_FIELD)
        sent_text = sent if isinstance(sent, str) else ""
        if not secrets.compare_digest(sent_text.encode(), viewer.csrf_token.encode()):
            raise _forged()
    return form


def _forged() -> NotAllowed:
    return NotAllowed(
        "auth.csrf",
        "This form is out of date or did not come from ofacare.",
        "Go back, reload the page and send it again.",
    )


def form_text(form: FormData, name: str) -> str:
    """A text field of a posted form ('' when missing or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_values(form: FormData, *names: str) -> dict[str, str]:
    """The named text fields that were filled in (blank ones left out, so defaults apply)."""
    values = {name: form_text(form, name) for name in names}
    return {name: value for name, value in values.items() if value}


def new_request_id() -> str:
    return secrets.token_hex(6)
