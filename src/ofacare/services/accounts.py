"""Accounts: argon2id passwords, sign-in with throttling, sessions, and revocable API tokens.

Secrets (session cookies, API tokens, calendar feed links) are random and shown once; only their
SHA-256 is stored, so a copy of the database opens nothing.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ofacare.errors import InvalidInput, NotFound, NotSignedIn, TooManyAttempts
from ofacare.records.tables import ApiToken, AuditEntry, LoginAttempt, User
from ofacare.records.tables import Session as SessionRow
from ofacare.services.access import Actor, Role, record_access
from ofacare.services.runtime import Runtime

HASHER = PasswordHasher()  # argon2id with the library's current recommended cost
TOKEN_PREFIX = "ofa_"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MAX_EMAIL_LENGTH = 254
ANONYMOUS = "anonymous"
"""The audit log's role for a sign-in attempt with an email no account has."""
# Compared against when the account does not exist, so timing does not reveal which emails exist.
_DUMMY_HASH = HASHER.hash("ofacare-timing-equaliser")


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the cookie secret and the CSRF token, both shown once."""

    actor: Actor
    session_token: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NewToken:
    id: str
    name: str
    token: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    check_password(password)
    return HASHER.hash(password)


def check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            "input.bad-password",
            f"password: must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters "
            f"(got {len(password)}).",
            "A few unrelated words make a long password that is easy to remember.",
        )


def normalise_email(email: str) -> str:
    text = email.strip().lower()
    local, _, domain = text.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in text) or len(text) > 254:
        raise InvalidInput(
            "input.bad-email", f"email: {email!r} is not an email address.", "Use name@example.org."
        )
    return text


def sign_in(
    runtime: Runtime, *, email: str, password: str, address: str, replacing: str | None = None
) -> SignedIn:
    """Check the password and open a session; refuse for a while after repeated failures.

    Every failed and every throttled attempt is audited. `replacing` is the session cookie the
    browser sent with the sign-in: it ends here, so an id known before signing in never becomes
    a signed-in session (session fixation), and a shared browser keeps no older session alive.
    """
    now = runtime.now()
    email = email.strip().lower()[:MAX_EMAIL_LENGTH]  # no account has a longer one
    with runtime.database.writing() as session:
        throttled = _find_throttle(session, runtime, email=email, address=address, now=now)
        user = session.scalar(select(User).where(User.email == email))
        if throttled is None and _password_matches(user, password):
            assert user is not None
            if replacing:
                _end_session(session, replacing, now)
            return _open_session(session, runtime, user, address=address, now=now)
        if throttled is None:
            session.add(LoginAttempt(email=email, address=address, attempted_at=now))
        _audit_refusal(session, user, email=email, address=address, now=now, throttled=throttled)
    raise throttled or NotSignedIn(
        "auth.bad-credentials",
        "The email or password is not right.",
        "Check both and try again; after several failures sign-in pauses for a few minutes.",
    )


def _password_matches(user: User | None, password: str) -> bool:
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None and user.active


def _find_throttle(
    session: Session, runtime: Runtime, *, email: str, address: str, now: datetime
) -> TooManyAttempts | None:
    """The refusal to give while the email or the address has too many recent failures."""
    window = timedelta(minutes=runtime.settings.login_window_minutes)
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - window))
    lifts = [
        _lifts_at(session, condition, runtime, now=now)
        for condition in (LoginAttempt.email == email, LoginAttempt.address == address)
    ]
    opens_at = max((moment for moment in lifts if moment is not None), default=None)
    if opens_at is None:
        return None
    seconds = math.floor((opens_at - now).total_seconds()) + 1  # the first second it is open
    return TooManyAttempts(
        "auth.throttled",
        "Too many failed sign-ins for this account or from this address.",
        f"Try again in {math.ceil(seconds / 60)} minutes, or ask an administrator to unlock "
        "the account or reset the password.",
        retry_after_seconds=seconds,
    )


def _lifts_at(
    session: Session, condition: object, runtime: Runtime, *, now: datetime
) -> datetime | None:
    """The last moment of the pause: after it, fewer than the limit of failures are recent."""
    limit = runtime.settings.login_max_failures
    window = timedelta(minutes=runtime.settings.login_window_minutes)
    recent = session.scalars(
        select(LoginAttempt.attempted_at)
        .where(condition, LoginAttempt.attempted_at >= now - window)  # type: ignore[arg-type]
        .order_by(LoginAttempt.attempted_at.desc())
        .limit(limit)
    ).all()
    return recent[-1] + window if len(recent) >= limit else None


def _audit_refusal(
    session: Session,
    user: User | None,
    *,
    email: str,
    address: str,
    now: datetime,
    throttled: TooManyAttempts | None,
) -> None:
    """A refused sign-in in the audit log, under the account when the email has one."""
    session.add(
        AuditEntry(
            at=now,
            user_id=user.id if user else None,
            role=user.role if user else ANONYMOUS,
            action="auth.sign-in-throttled" if throttled else "auth.sign-in-failed",
            address=address,
            detail=email,
        )
    )


def _open_session(
    session: Session, runtime: Runtime, user: User, *, address: str, now: datetime
) -> SignedIn:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=runtime.settings.session_hours)
    session.add(
        SessionRow(
            token_hash=hash_secret(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    actor = Actor(user_id=user.id, role=Role(user.role), address=address)
    record_access(session, actor, action="auth.sign-in", now=now)
    return SignedIn(actor=actor, session_token=token, csrf_token=csrf, expires_at=expires)


def sign_out(runtime: Runtime, session_token: str) -> None:
    with runtime.database.writing() as session:
        _end_session(session, session_token, runtime.now())


def _end_session(session: Session, session_token: str, now: datetime) -> None:
    row = session.get(SessionRow, hash_secret(session_token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


@dataclass(frozen=True, slots=True)
class SessionActor:
    actor: Actor
    csrf_token: str


def find_session_actor(runtime: Runtime, session_token: str, address: str) -> SessionActor | None:
    """The person a live session cookie belongs to, or None."""
    now = runtime.now()
    with runtime.database.reading() as session:
        found = session.execute(
            select(SessionRow, User)
            .join(User, User.id == SessionRow.user_id)
            .where(SessionRow.token_hash == hash_secret(session_token))
        ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= now or not user.active:
        return None
    actor = Actor(user_id=user.id, role=Role(user.role), address=address)
    return SessionActor(actor=actor, csrf_token=row.csrf_token)


def find_token_actor(runtime: Runtime, token: str, address: str) -> Actor | None:
    """The person an API token belongs to, or None if unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with runtime.database.reading() as session:
        found = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == hash_secret(token), ApiToken.revoked_at.is_(None))
        ).first()
    if found is None or not found[1].active:
        return None
    user = found[1]
    return Actor(user_id=user.id, role=Role(user.role), address=address)


def create_token(runtime: Runtime, actor: Actor, *, name: str) -> NewToken:
    """A new API token for the actor; the secret is returned once and stored hashed."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput(
            "input.bad-token-name",
            f"name: {name!r} must be 1 to 100 characters.",
            "Name the token after the script or system that will use it.",
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = runtime.now()
    with runtime.database.writing() as session:
        row = ApiToken(
            user_id=actor.user_id, name=name, token_hash=hash_secret(token), created_at=now
        )
        session.add(row)
        session.flush()
        record_access(session, actor, action="auth.token-created", now=now, detail=name)
        return NewToken(id=row.id, name=name, token=token)


def list_tokens(runtime: Runtime, actor: Actor) -> list[ApiToken]:
    with runtime.database.reading() as session:
        query = (
            select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.created_at)
        )
        return list(session.scalars(query))


def revoke_token(runtime: Runtime, actor: Actor, token_id: str) -> None:
    now = runtime.now()
    with runtime.database.writing() as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != actor.user_id:
            raise NotFound(
                "auth.no-such-token",
                f"token id: '{token_id}' is not one of your tokens.",
                "List your tokens with GET /api/v1/tokens.",
            )
        if row.revoked_at is None:
            row.revoked_at = now
            record_access(session, actor, action="auth.token-revoked", now=now, detail=row.name)


def revoke_all_sessions(session: Session, user_id: str, now: datetime) -> None:
    for row in session.scalars(
        select(SessionRow).where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
    ):
        row.revoked_at = now
