"""Locked accounts: who is paused by failed sign-ins, until when, and lifting the pause."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ofacare.errors import NotAllowed, NotFound, NotSignedIn, TooManyAttempts
from ofacare.records.tables import AuditEntry
from ofacare.services import accounts
from ofacare.services.lockouts import list_lockouts, unlock
from tests.people import PASSWORD, build_world


def fail(runtime, email: str, address: str, times: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        with pytest.raises((NotSignedIn, TooManyAttempts)):
            accounts.sign_in(runtime, email=email, password="not the password", address=address)


def test_an_email_and_an_address_over_the_limit_are_listed_until_the_window_passes(runtime, clock):
    world = build_world(runtime)
    limit = runtime.settings.login_max_failures
    first = runtime.now()
    fail(runtime, world.emails["patient"], "192.0.2.7", limit)
    locks = {(lock.kind, lock.key): lock for lock in list_lockouts(runtime, world.admin)}
    assert set(locks) == {("email", world.emails["patient"]), ("address", "192.0.2.7")}
    lock = locks[("email", world.emails["patient"])]
    window = timedelta(minutes=runtime.settings.login_window_minutes)
    assert (lock.failures, lock.has_account, lock.locked_until) == (limit, True, first + window)
    clock.advance(minutes=runtime.settings.login_window_minutes, seconds=1)
    assert list_lockouts(runtime, world.admin) == []


def test_one_failure_short_of_the_limit_is_not_a_lock(runtime):
    world = build_world(runtime)
    fail(runtime, world.emails["patient"], "192.0.2.7", runtime.settings.login_max_failures - 1)
    assert list_lockouts(runtime, world.admin) == []


def test_unlocking_an_email_lets_the_person_sign_in_again_and_is_audited(runtime):
    world = build_world(runtime)
    email = world.emails["patient"]
    fail(runtime, email, "192.0.2.7", runtime.settings.login_max_failures)
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(runtime, email=email, password=PASSWORD, address="192.0.2.8")
    assert (
        unlock(runtime, world.admin, kind="email", key=email) == runtime.settings.login_max_failures
    )
    accounts.sign_in(runtime, email=email, password=PASSWORD, address="192.0.2.8")
    with runtime.database.reading() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "admin.unlock"))
    assert entry is not None and entry.detail == f"email:{email}"


def test_unlocking_what_is_not_locked_says_so(runtime):
    world = build_world(runtime)
    with pytest.raises(NotFound):
        unlock(runtime, world.admin, kind="address", key="192.0.2.99")


def test_only_an_admin_sees_or_lifts_locks(runtime):
    world = build_world(runtime)
    with pytest.raises(NotAllowed):
        list_lockouts(runtime, world.clinician)
    with pytest.raises(NotAllowed):
        unlock(runtime, world.patient, kind="email", key=world.emails["patient"])
