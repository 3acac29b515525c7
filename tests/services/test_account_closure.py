"""Closing a patient's account ends every way in and leaves the team's clinical record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ofacare.errors import InvalidInput, NotAllowed, NotFound, NotSignedIn
from ofacare.records.tables import ApiToken, AuditEntry, CaregiverLink, Patient, User
from ofacare.services import accounts, patients
from ofacare.services.account_closure import CONFIRMATION_PHRASE, ClosureForm, close_account
from ofacare.services.calendar_feed import create_feed
from tests.people import PASSWORD, build_world


def confirmed(password: str = PASSWORD, phrase: str = CONFIRMATION_PHRASE) -> ClosureForm:
    return ClosureForm(confirmation=phrase, password=password)


def test_after_closing_the_person_cannot_sign_in_and_their_tokens_are_gone(runtime):
    world = build_world(runtime)
    email = world.emails["patient"]
    signed = accounts.sign_in(runtime, email=email, password=PASSWORD, address="192.0.2.1")
    token = accounts.create_token(runtime, world.patient, name="script")
    close_account(runtime, world.patient, world.patient_id, confirmed())
    with pytest.raises(NotSignedIn):
        accounts.sign_in(runtime, email=email, password=PASSWORD, address="192.0.2.1")
    assert accounts.find_session_actor(runtime, signed.session_token, "192.0.2.1") is None
    assert accounts.find_token_actor(runtime, token.token, "192.0.2.1") is None
    with runtime.database.reading() as session:
        assert session.scalar(select(User).where(User.email == email)) is None
        assert session.scalar(select(ApiToken)) is None


def test_the_clinical_record_stays_with_the_team_unlinked_and_without_a_feed(runtime):
    world = build_world(runtime)
    create_feed(runtime, world.patient, world.patient_id)
    close_account(runtime, world.patient, world.patient_id, confirmed())
    record = patients.get_patient(runtime, world.clinician, world.patient_id)
    assert (record.user_id, record.feed_token_hash, record.reminder_channel) == (None, None, "none")


def test_caregivers_lose_access_and_their_links_stay_for_the_audit_trail(runtime):
    world = build_world(runtime)
    close_account(runtime, world.patient, world.patient_id, confirmed())
    with pytest.raises(NotFound):
        patients.get_patient(runtime, world.caregiver, world.patient_id)
    with runtime.database.reading() as session:
        link = session.scalar(select(CaregiverLink))
    assert link is not None and link.revoked_at == runtime.now()


def test_closing_is_audited_and_the_log_shows_a_removed_account(runtime):
    world = build_world(runtime)
    close_account(runtime, world.patient, world.patient_id, confirmed())
    with runtime.database.reading() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "account.close"))
    assert entry is not None and entry.patient_id == world.patient_id
    assert entry.user_id == world.patient.user_id


@pytest.mark.parametrize(
    ("form", "field"),
    [(confirmed(phrase="delete"), "confirmation"), (confirmed(password="wrong guess"), "password")],
)
def test_a_wrong_phrase_or_password_deletes_nothing(runtime, form, field):
    world = build_world(runtime)
    with pytest.raises(InvalidInput) as refused:
        close_account(runtime, world.patient, world.patient_id, form)
    assert refused.value.message.startswith(f"{field}:")
    with runtime.database.reading() as session:
        assert session.scalar(select(Patient.user_id).where(Patient.id == world.patient_id))
        assert session.scalar(select(CaregiverLink.revoked_at)) is None


def test_the_phrase_is_accepted_whatever_its_case_and_spaces(runtime):
    world = build_world(runtime)
    close_account(
        runtime, world.patient, world.patient_id, confirmed(phrase="  Delete My Account ")
    )
    with runtime.database.reading() as session:
        assert session.scalar(select(Patient.user_id).where(Patient.id == world.patient_id)) is None


def test_only_the_patient_can_close_their_account(runtime):
    world = build_world(runtime)
    for actor in (world.caregiver, world.clinician, world.admin):
        with pytest.raises(NotAllowed):
            close_account(runtime, actor, world.patient_id, confirmed())
