"""Locked accounts: emails and addresses whose sign-in is paused after repeated failures.

The rule is accounts.sign_in's: `login_max_failures` failed sign-ins within the last
`login_window_minutes`, counted by email and, separately, by address, pause sign-in until the
oldest of those failures leaves the window. An administrator may lift the pause at once (for
example after confirming by phone that the person simply forgot their password).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select

from ofacare.errors import NotFound
from ofacare.records.tables import LoginAttempt, User
from ofacare.services.access import Actor, record_access
from ofacare.services.admin import require_admin
from ofacare.services.runtime import Runtime

LockKind = Literal["email", "address"]


@dataclass(frozen=True, slots=True)
class Lockout:
    """One paused email or address: how many failures, the last one, and when it lifts."""

    kind: LockKind
    key: str
    failures: int
    last_failed_at: datetime
    locked_until: datetime
    has_account: bool
    """For an email: whether an account has it (failures for unknown emails are kept too)."""


def list_lockouts(runtime: Runtime, actor: Actor) -> list[Lockout]:
    """Every email and address whose sign-in is paused right now, latest failure first."""
    require_admin(actor)
    now = runtime.now()
    window = timedelta(minutes=runtime.settings.login_window_minutes)
    with runtime.database.reading() as session:
        attempts = session.execute(
            select(LoginAttempt.email, LoginAttempt.address, LoginAttempt.attempted_at).where(
                LoginAttempt.attempted_at >= now - window
            )
        ).all()
        by_email = _locks("email", [(a.email, a.attempted_at) for a in attempts], runtime, window)
        by_address = _locks(
            "address", [(a.address, a.attempted_at) for a in attempts], runtime, window
        )
        known = set(
            session.scalars(select(User.email).where(User.email.in_([x.key for x in by_email])))
        )
    found = [replace(lock, has_account=lock.key in known) for lock in by_email] + by_address
    return sorted(found, key=lambda lock: lock.last_failed_at, reverse=True)


def unlock(runtime: Runtime, actor: Actor, *, kind: LockKind, key: str) -> int:
    """Forget the failed sign-ins of an email or address, lifting its pause; how many."""
    require_admin(actor)
    column = LoginAttempt.email if kind == "email" else LoginAttempt.address
    now = runtime.now()
    with runtime.database.writing() as session:
        result = session.execute(delete(LoginAttempt).where(column == key))
        count = int(getattr(result, "rowcount", 0) or 0)
        if count == 0:
            raise NotFound(
                "admin.not-locked",
                f"{kind}: {key!r} has no failed sign-ins to clear.",
                "The pause may have ended by itself; reload the list.",
            )
        record_access(session, actor, action="admin.unlock", now=now, detail=f"{kind}:{key}")
        return count


def _locks(
    kind: LockKind, attempts: list[tuple[str, datetime]], runtime: Runtime, window: timedelta
) -> list[Lockout]:
    limit = runtime.settings.login_max_failures
    times: dict[str, list[datetime]] = defaultdict(list)
    for key, moment in attempts:
        times[key].append(moment)
    found = []
    for key, moments in times.items():
        if len(moments) < limit:
            continue
        ordered = sorted(moments)
        # Sign-in opens again once fewer than `limit` failures remain inside the window.
        found.append(
            Lockout(
                kind=kind,
                key=key,
                failures=len(ordered),
                last_failed_at=ordered[-1],
                locked_until=ordered[len(ordered) - limit] + window,
                has_account=False,
            )
        )
    return found
