"""The records the API fuzzer aims at: a small world made through the services, each role's
token, the ids a path parameter can name, and one well-formed body per operation that takes one.

Random ids only ever reach "not found"; the known ids below let generated requests reach the
handlers' deep code (a real schedule, a real alert to acknowledge, a real caregiver to revoke).
The clock is fixed, so the seed bodies' dates stay valid: before it, after the course started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ofacare.handling.sites import Injector, Site
from ofacare.handling.storage import PenEventKind
from ofacare.records.tables import CaregiverLink, Patient
from ofacare.services import (
    accounts,
    alerts,
    calendar_feed,
    caregivers,
    diary,
    fhir_exchange,
    injections,
    labs,
    patients,
    pens,
    prescriptions,
)
from ofacare.services.caregivers import InvitationForm
from ofacare.services.diary import DiaryForm
from ofacare.services.forms import PatientForm
from ofacare.services.injections import InjectionForm
from ofacare.services.labs import LabForm
from ofacare.services.pens import PenEventForm
from ofacare.services.prescriptions import PrescriptionForm
from ofacare.services.runtime import Runtime
from tests.people import PASSWORD, World, build_world

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""The fuzzed app's clock: a month after the course started, with doses 2 and 3 overdue."""
COURSE_START = date(2026, 2, 2)
ROLES = ("patient", "caregiver", "clinician", "admin")
PREFIX = "/api/v1"


@dataclass(frozen=True)
class FuzzWorld:
    """What a fuzzing run knows: each role's token, ids per path parameter, seed bodies."""

    role: str
    """The caller the records are arranged for (its spare token, the accounts it may change)."""
    tokens: dict[str, str]
    path_ids: dict[str, tuple[str, ...]]
    seed_bodies: dict[tuple[str, str], tuple[Any, ...]]

    @property
    def token(self) -> str:
        return self.tokens[self.role]


def build_fuzz_world(runtime: Runtime, role: str) -> FuzzWorld:
    """Fill an empty, migrated database for fuzzing, arranged for `role` as the caller."""
    world = build_world(runtime)
    own = _fill_patient(runtime, world, world.patient_id, "own")
    other = _fill_patient(runtime, world, world.other_patient_id, "other")
    actor = getattr(world, role)
    tokens = {
        name: accounts.create_token(runtime, getattr(world, name), name="fuzz").token
        for name in ROLES
    }
    # A second token of the caller's for DELETE /tokens/{id}: revoking the one the fuzzer sends
    # would turn the rest of the run into 401s.
    spare = accounts.create_token(runtime, actor, name="spare").id
    patient_token = accounts.create_token(runtime, world.patient, name="someone else's").id
    invitation = caregivers.invite_caregiver(
        runtime, world.patient, world.patient_id, InvitationForm(email="uncle@example.org")
    )
    feed = _feed_token(runtime, world)
    # Not the caller's own account: an admin deactivating itself would end its own run.
    users = [u for u in _user_ids(world) if u != actor.user_id]
    # Real records only: the fuzzer's own generated value stands for "random" beside them.
    path_ids = {
        "patient_id": (world.patient_id, world.other_patient_id),
        "prescription_id": (own["prescription"], other["prescription"]),
        "entry_id": (own["entry"], other["entry"]),
        "alert_id": (own["alert"], other["alert"]),
        "link_id": (invitation.link.id, own["link"], other["link"]),
        "user_id": tuple(users),
        "team_id": (world.team_id,),
        "token_id": (spare, patient_token),
        "token": (feed,),
    }
    bundle = _departed_patient_bundle(runtime, world)
    return FuzzWorld(
        role=role,
        tokens=tokens,
        path_ids=path_ids,
        seed_bodies=_seed_bodies(
            world, email=world.emails[role], invitation_code=invitation.code, bundle=bundle
        ),
    )


def _fill_patient(runtime: Runtime, world: World, patient_id: str, suffix: str) -> dict[str, str]:
    """A course with dose 1 given, a lab, a pen out of the fridge, a diary entry, an alert."""
    clinician = (
        world.outsider_clinician if patient_id == world.other_patient_id else world.clinician
    )
    rx = prescriptions.create_prescription(
        runtime,
        clinician,
        patient_id,
        PrescriptionForm(start_on=COURSE_START),
        idempotency_key=None,
    )
    injections.log_injection(
        runtime,
        clinician,
        patient_id,
        InjectionForm(
            given_at=datetime(2026, 2, 2, 10, 0, tzinfo=UTC),
            site=Site.THIGH_LEFT,
            injected_by=Injector.CLINICIAN,
        ),
        idempotency_key=None,
    )
    labs.record_lab(
        runtime,
        clinician,
        patient_id,
        LabForm(
            test="IgG",
            value=9.0,
            unit="g/L",
            reference_low=7.0,
            reference_high=16.0,
            collected_on=date(2026, 1, 20),
        ),
        idempotency_key=None,
    )
    pens.record_pen_event(
        runtime,
        clinician,
        patient_id,
        PenEventForm(pen="SN-1", kind=PenEventKind.OUT_OF_FRIDGE, occurred_at=NOW.replace(hour=7)),
        idempotency_key=None,
    )
    entry = diary.record_diary_entry(
        runtime,
        clinician,
        patient_id,
        DiaryForm(text="fever and chills since last night"),
        idempotency_key=None,
    ).entry
    with runtime.database.writing() as session:
        alert = alerts.raise_alert(
            session,
            patient_id=patient_id,
            key=f"fuzz-{suffix}",
            code="alert.overdue-dose",
            severity="refer",
            title="Dose overdue",
            message="Dose 2 is overdue.",
            facts=[],
            raised_on=NOW.date(),
            now=NOW,
        )
        link = CaregiverLink(
            patient_id=patient_id,
            email=f"friend-{suffix}@example.org",
            created_at=NOW,
            invite_expires_at=NOW,
        )
        session.add(link)
        session.flush()
        assert alert is not None
        return {"prescription": rx.id, "entry": entry.id, "alert": alert.id, "link": link.id}


def _departed_patient_bundle(runtime: Runtime, world: World) -> dict[str, Any]:
    """The chart of a patient no longer in this database: a Bundle a clinician can import."""
    form = PatientForm(given_name="Alex", family_name="Moved", birth_date=date(1985, 4, 2))
    moved = patients.create_patient(runtime, world.clinician, form)
    _fill_patient(runtime, world, moved.id, "moved")
    bundle = fhir_exchange.export_bundle(runtime, world.clinician, moved.id)
    with runtime.database.writing() as session:
        session.delete(session.get(Patient, moved.id))
    return bundle


def _feed_token(runtime: Runtime, world: World) -> str:
    url = calendar_feed.create_feed(runtime, world.patient, world.patient_id).url
    return url.rsplit("/", 1)[-1].removesuffix(".ics")


def _user_ids(world: World) -> list[str]:
    """Every account in the world, the patient's first (the one a user_id names by default)."""
    return [
        world.patient.user_id,
        world.caregiver.user_id,
        world.clinician.user_id,
        world.outsider_clinician.user_id,
        world.admin.user_id,
    ]


def _seed_bodies(
    world: World, *, email: str, invitation_code: str, bundle: dict[str, Any]
) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Well-formed bodies the clinical rules accept on the fixed clock, keyed by operation."""
    given_at = NOW.replace(hour=8).isoformat()
    screening = {
        "ms_type": "RRMS",
        "planned_start_on": None,
        "can_become_pregnant": True,
        "pregnant": False,
        "breastfeeding": False,
        "active_infection": False,
        "severely_immunocompromised": False,
        "active_malignancy": False,
        "immunosuppressants": [],
    }
    patient = f"{PREFIX}/patients/{{patient_id}}"
    bodies: dict[tuple[str, str], tuple[Any, ...]] = {
        ("POST", f"{PREFIX}/session"): (
            {"email": email, "password": PASSWORD},
            {"email": email, "password": "not the password"},
        ),
        ("POST", f"{PREFIX}/tokens"): ({"name": "backup script"},),
        ("POST", f"{PREFIX}/patients"): (
            {"given_name": "Sam", "family_name": "New", "birth_date": "1990-01-01"},
        ),
        ("PATCH", patient): ({"timezone": "Europe/Paris"}, {"reminder_time": "20:30:00"}),
        ("POST", f"{patient}/prescriptions"): (
            {"start_on": "2026-03-02", "interval_mode": "4-weekly"},
        ),
        ("PATCH", f"{patient}/prescriptions/{{prescription_id}}"): ({"stopped_on": "2026-03-02"},),
        ("POST", f"{patient}/injections"): (
            {"given_at": given_at, "site": "abdomen-right", "injected_by": "self"},
            {"given_at": given_at, "site": "upper-arm-left", "injected_by": "caregiver"},
        ),
        ("POST", f"{patient}/pens/events"): (
            {"pen": "SN-1", "kind": "back-in-fridge", "occurred_at": given_at},
            {"pen": "SN-2", "kind": "above-30c", "occurred_at": given_at},
        ),
        ("POST", f"{patient}/diary"): (
            {"text": "red and itchy where I injected"},
            {"text": "", "choices": ["headache", "fever"]},
        ),
        ("PATCH", f"{patient}/diary/{{entry_id}}"): ({"resolved": True}, {"resolved": False}),
        ("POST", f"{patient}/labs"): (
            {"test": "IgM", "value": 0.3, "unit": "g/L", "collected_on": "2026-02-27"},
            {"test": "HBsAg", "result": "negative", "collected_on": "2026-01-10"},
        ),
        ("PUT", f"{patient}/screening"): (screening,),
        ("POST", f"{patient}/alerts/{{alert_id}}/acknowledge"): (
            {"reason": "Called the patient; dose booked for tomorrow."},
        ),
        ("POST", f"{patient}/vaccines/check"): (
            {"name": "influenza", "live": False, "planned_on": "2026-04-01"},
            {"name": "yellow fever", "live": True, "planned_on": "2026-03-20"},
        ),
        ("POST", f"{patient}/vaccinations"): (
            {"name": "influenza", "live": False, "given_on": "2026-01-10"},
        ),
        ("POST", f"{PREFIX}/ask"): (
            {"question": "How should I store the pens?"},
            {"question": "I have a high fever and a stiff neck"},
        ),
        ("POST", f"{patient}/simulation"): ({"until_week": 8}, {"until_week": 3, "step": "day"}),
        ("POST", f"{PREFIX}/fhir/import"): (bundle,),
        ("POST", f"{patient}/caregivers"): ({"email": "aunt@example.org"},),
        ("POST", f"{PREFIX}/invitations/accept"): (
            {"code": invitation_code, "display_name": "Uncle", "password": "a long passphrase"},
        ),
        ("POST", f"{PREFIX}/admin/users"): (
            {
                "email": "new@example.org",
                "display_name": "New",
                "role": "caregiver",
                "password": "a long enough password",
            },
        ),
        ("PATCH", f"{PREFIX}/admin/users/{{user_id}}"): (
            {"display_name": "Renamed"},
            {"unlock": True},
        ),
        ("POST", f"{PREFIX}/admin/teams"): ({"name": "East MS Centre", "phone": "+44 1 555"},),
    }
    return bodies
