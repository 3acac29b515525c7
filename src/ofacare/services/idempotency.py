"""Idempotency keys: a retried create returns the record made the first time, never a second one.

The key is remembered in the same transaction as the record it created, so either both are stored
or neither is. Two requests with one key that arrive together run in turn (claim_key), so the
second finds what the first made instead of failing on the key's primary key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from ofacare.errors import Conflict, InvalidInput
from ofacare.records.tables import IdempotentRequest, Patient
from ofacare.records.unit_of_work import lock_name
from ofacare.services.access import Actor, Permission, open_patient
from ofacare.services.runtime import Runtime

MAX_KEY_LENGTH = 200


def fingerprint(action: str, payload: Any) -> str:
    """A digest of what was asked, so a key reused for different content is caught."""
    canonical = json.dumps([action, payload], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            "input.bad-idempotency-key",
            f"Idempotency-Key: {key[:40]!r} must be 1 to {MAX_KEY_LENGTH} printable characters.",
            "Send a fresh random value (a UUID) for each new record and the same one on a retry.",
        )
    return key


def claim_key(session: Session, actor: Actor, key: str | None) -> None:
    """Wait here while another transaction holding the same key is open; hold it until the end.

    Without this, on PostgreSQL two requests with one key both find no earlier record, both
    create one, and the second fails on the key's primary key (a 500) once the first commits.
    """
    if key is not None:
        lock_name(session, f"idempotency-key\n{actor.user_id}\n{key}")


def find_replay(session: Session, actor: Actor, key: str | None, digest: str) -> str | None:
    """The id of the record this key created before, or None for a new key."""
    if key is None:
        return None
    claim_key(session, actor, key)  # a no-op when open_create claimed it already
    row = session.get(IdempotentRequest, (actor.user_id, key))
    if row is None:
        return None
    if row.fingerprint != digest:
        raise Conflict(
            "input.idempotency-key-reused",
            f"Idempotency-Key: {key[:40]!r} was already used for a different request.",
            "Use a new key for a new record; reuse a key only to retry the same request.",
        )
    return str(row.body["id"])


def remember(
    session: Session,
    runtime: Runtime,
    actor: Actor,
    key: str | None,
    *,
    digest: str,
    record_id: str,
) -> None:
    if key is None:
        return
    session.add(
        IdempotentRequest(
            user_id=actor.user_id,
            key=key,
            fingerprint=digest,
            status=201,
            body={"id": record_id},
            created_at=runtime.now(),
        )
    )
    session.flush()


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A create use case, opened: the patient, the request's digest, and an earlier record's id."""

    patient: Patient
    digest: str
    replayed: str | None
    """The id of the record this key created before; None for a new request."""


def open_create(
    session: Session,
    runtime: Runtime,
    actor: Actor,
    patient_id: str,
    *,
    permission: Permission,
    action: str,
    form: BaseModel,
    key: str | None,
    lock: bool = False,
) -> CreateRequest:
    """Open the patient for a create (access check and audit entry), lock its row when writes
    must be handed out in turn, and find what an earlier request with the same key made."""
    # The key before the patient's row, always in this order, so that two creates sharing a key
    # (or a patient) cannot each hold the lock the other waits for.
    claim_key(session, actor, key)
    patient = open_patient(
        session, actor, patient_id, permission=permission, action=action, now=runtime.now()
    )
    if lock:
        session.refresh(patient, with_for_update=True)
    digest = fingerprint(action, [patient_id, form.model_dump(mode="json")])
    return CreateRequest(patient, digest, find_replay(session, actor, key, digest))
