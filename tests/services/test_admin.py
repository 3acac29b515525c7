"""Administration use cases added for the admin pages: roles, activation, teams, invitations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ofacare.errors import Conflict, InvalidInput, NotAllowed, NotFound
from ofacare.records.tables import AuditEntry
from ofacare.services import accounts, admin
from ofacare.services.access import Role
from ofacare.services.admin import UserForm
from ofacare.services.caregivers import (
    AcceptForm,
    InvitationForm,
    accept_invitation,
    invite_caregiver,
    list_caregiver_entries,
)
from tests.people import PASSWORD, build_world


def new_user(runtime, world, role: Role = Role.CLINICIAN):  # type: ignore[no-untyped-def]
    form = UserForm(email="fresh@example.org", display_name="Fresh", role=role, password=PASSWORD)
    return admin.create_user(runtime, world.admin, form)


def test_an_unlinked_account_changes_role_and_signs_in_again(runtime):
    world = build_world(runtime)
    user = new_user(runtime, world)
    signed = accounts.sign_in(runtime, email=user.email, password=PASSWORD, address="192.0.2.1")
    assert admin.change_role(runtime, world.admin, user.id, Role.ADMIN).role == "admin"
    assert accounts.find_session_actor(runtime, signed.session_token, "192.0.2.1") is None


def test_a_linked_account_or_ones_own_keeps_its_role(runtime):
    world = build_world(runtime)
    for actor in (world.patient, world.clinician, world.caregiver):
        with pytest.raises(Conflict):
            admin.change_role(runtime, world.admin, actor.user_id, Role.ADMIN)
    with pytest.raises(InvalidInput):
        admin.change_role(runtime, world.admin, world.admin.user_id, Role.CLINICIAN)


def test_an_admin_cannot_deactivate_their_own_account(runtime):
    world = build_world(runtime)
    with pytest.raises(InvalidInput):
        admin.set_user_active(runtime, world.admin, world.admin.user_id, active=False)
    user = new_user(runtime, world)
    assert not admin.set_user_active(runtime, world.admin, user.id, active=False).active
    assert admin.set_user_active(runtime, world.admin, user.id, active=True).active


def test_teams_are_listed_with_their_members(runtime):
    world = build_world(runtime)
    teams = {
        entry.team.name: entry for entry in admin.list_teams_with_members(runtime, world.admin)
    }
    assert [m.email for m in teams["North MS Centre"].members] == [world.emails["clinician"]]
    assert teams["North MS Centre"].team.phone == "+44 161 555 0100"


def test_open_invitations_show_no_patient_and_expire(runtime, clock):
    world = build_world(runtime)
    invite_caregiver(
        runtime, world.patient, world.patient_id, InvitationForm(email="new@example.org")
    )
    (invitation,) = admin.list_invitations(runtime, world.admin)
    assert (invitation.email, invitation.status) == ("new@example.org", "pending")
    assert not hasattr(invitation, "patient_id")
    clock.advance(days=15)
    assert admin.list_invitations(runtime, world.admin)[0].status == "expired"


def test_a_withdrawn_invitation_code_no_longer_works_and_the_patient_sees_it(runtime):
    world = build_world(runtime)
    made = invite_caregiver(
        runtime, world.patient, world.patient_id, InvitationForm(email="new@example.org")
    )
    admin.revoke_invitation(runtime, world.admin, made.link.id)
    assert admin.list_invitations(runtime, world.admin) == []
    with pytest.raises(InvalidInput):
        accept_invitation(
            runtime, AcceptForm(code=made.code, display_name="New", password=PASSWORD), address="x"
        )
    with runtime.database.reading() as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "admin.invitation-revoke")
        )
    assert entry is not None and entry.patient_id == world.patient_id
    with pytest.raises(NotFound):
        admin.revoke_invitation(runtime, world.admin, made.link.id)


def test_only_admins_use_the_new_admin_functions(runtime):
    world = build_world(runtime)
    with pytest.raises(NotAllowed):
        admin.list_invitations(runtime, world.clinician)
    with pytest.raises(NotAllowed):
        admin.list_teams_with_members(runtime, world.patient)
    with pytest.raises(NotAllowed):
        admin.change_role(runtime, world.clinician, world.patient.user_id, Role.ADMIN)


def test_the_patients_caregiver_list_names_those_who_accepted(runtime, clock):
    world = build_world(runtime)
    clock.advance(minutes=1)
    invite_caregiver(
        runtime, world.patient, world.patient_id, InvitationForm(email="new@example.org")
    )
    entries = list_caregiver_entries(runtime, world.patient, world.patient_id)
    assert [(e.link.email, e.name) for e in entries] == [
        ("caregiver@example.org", "Caregiver"), ("new@example.org", None),
    ]  # fmt: skip
    with pytest.raises(NotAllowed):
        list_caregiver_entries(runtime, world.caregiver, world.patient_id)
