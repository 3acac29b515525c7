"""Settings: reminders, timezone, caregivers, who looked, export, deleting the account.

Only the patient opens these pages (the OWN permission): a caregiver or clinician gets the
error page. Caregivers and closing the account live in patient_settings_account.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from babel import Locale
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.responses import RedirectResponse, Response

from ofacare.errors import InvalidInput
from ofacare.records.tables import Patient
from ofacare.services import fhir_exchange, patients, record_csv
from ofacare.services.access import Role
from ofacare.services.forms import PatientChanges
from ofacare.web.forms import FormProblem, parse_form, problem_from
from ofacare.web.frames import PatientFrame, open_patient_frame, render_patient_page
from ofacare.web.localisation import N_
from ofacare.web.route import PageRoute
from ofacare.web.routes import patient_settings_account
from ofacare.web.session import form_text, get_runtime, read_form, require_viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
router.include_router(patient_settings_account.router)

PREFERENCES = ("reminder_channel", "reminder_time", "timezone", "country", "email")
ACCESS_PAGE_SIZE = 50
FHIR_JSON = "application/fhir+json"
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
"""Babel's territories that are not countries (regions, pseudo-locales)."""
ACTIONS = {
    "patient.read": N_("Opened your record"),
    "patient.list": N_("Listed your record"),
    "patient.change": N_("Changed your details or settings"),
    "patient.create": N_("Created your record"),
    "account.close": N_("Closed your account"),
    "schedule.read": N_("Looked at your schedule"),
    "injections.list": N_("Looked at your injections"),
    "injections.log": N_("Logged an injection"),
    "injections.site-suggestion": N_("Looked at the suggested injection site"),
    "injections.read": N_("Looked at an injection"),
    "injections.reaction-check": N_("Looked at how your last injection went"),
    "injections.reactions": N_("Noted how an injection went"),
    "diary.list": N_("Looked at your diary"),
    "diary.create": N_("Wrote in your diary"),
    "diary.read": N_("Read a diary entry"),
    "diary.resolve": N_("Changed a diary entry"),
    "lab.read": N_("Looked at your lab results"),
    "lab.record": N_("Recorded a lab result"),
    "checklist.read": N_("Looked at your pre-treatment checklist"),
    "checklist.record": N_("Updated your pre-treatment checklist"),
    "alert.list": N_("Looked at your alerts"),
    "alert.read": N_("Looked at an alert"),
    "alert.acknowledge": N_("Acknowledged an alert"),
    "caregiver.invite": N_("Invited a caregiver"),
    "caregiver.list": N_("Looked at your caregivers"),
    "caregiver.revoke": N_("Revoked a caregiver"),
    "caregiver.accept": N_("Accepted your invitation"),
    "calendar.feed-read": N_("Read your calendar feed"),
    "calendar.feed-create": N_("Made a calendar feed address"),
    "calendar.feed-revoke": N_("Turned the calendar feed off"),
    "calendar.feed-status": N_("Looked at whether your calendar feed is on"),
    "calendar.download": N_("Downloaded your dose calendar"),
    "fhir.export": N_("Downloaded your record (FHIR)"),
    "fhir.import": N_("Imported your record"),
    "csv.export": N_("Downloaded your record (CSV)"),
    "audit.read": N_("Looked at who viewed your record"),
    "prescription.create": N_("Added a prescription"),
    "prescription.change": N_("Changed a prescription"),
    "prescription.list": N_("Looked at your prescriptions"),
    "vaccination.check": N_("Checked a vaccine"),
    "vaccination.list": N_("Looked at your vaccinations"),
    "vaccination.record": N_("Recorded a vaccination"),
    "pregnancy-plan.read": N_("Looked at pregnancy planning"),
    "pen.list": N_("Looked at your pens"),
    "pen.event-create": N_("Recorded a pen taken out of or back into the fridge"),
    "monitor.read": N_("Looked at your monitoring"),
    "simulation.run": N_("Ran a simulation of your medicine"),
    "note.create": N_("Your MS team wrote a note"),
    "note.list": N_("Your MS team read its notes"),
    "visit-summary.create": N_("Your MS team made a visit summary"),
    "admin.invitation-revoke": N_("An administrator withdrew an invitation"),
    "admin.patient-link": N_("Linked your sign-in account"),
}
ROLES = {
    "patient": N_("You"),
    "caregiver": N_("Caregiver"),
    "clinician": N_("MS team"),
    "admin": N_("Administrator"),
    "feed": N_("Calendar app"),
}


def open_settings(request: Request, patient_id: str) -> PatientFrame:
    """The patient's own settings frame: other roles get the error page."""
    viewer = require_viewer(request, Role.PATIENT)
    return open_patient_frame(request, viewer, patient_id, "settings")


@router.get("/p/{patient_id}/settings")
def settings_page(request: Request, patient_id: str, saved: bool = False) -> Response:
    frame = open_settings(request, patient_id)
    record = patients.get_patient(get_runtime(request), frame.viewer.actor, patient_id)
    return _settings(request, frame, record, current_values(record), {}, saved=saved)


@router.post("/p/{patient_id}/settings")
async def save_settings(request: Request, patient_id: str) -> Response:
    """Reminder channel and time, timezone, country and the email reminders go to."""
    form = await read_form(request, require_viewer(request, Role.PATIENT))
    frame = open_settings(request, patient_id)
    values = {name: form_text(form, name) for name in PREFERENCES}
    runtime = get_runtime(request)
    try:
        changes = parse_form(PatientChanges, {**values, "email": values["email"] or None})
        patients.change_patient(runtime, frame.viewer.actor, patient_id, changes)
    except FormProblem as problem:
        return _problem(request, frame, values, problem)
    except InvalidInput as exc:
        return _problem(request, frame, values, problem_from(exc, PREFERENCES))
    return RedirectResponse(f"{frame.base}/settings?saved=true", status_code=303)


def _problem(
    request: Request, frame: PatientFrame, values: dict[str, str], problem: FormProblem
) -> Response:
    record = patients.get_patient(get_runtime(request), frame.viewer.actor, frame.patient.id)
    return _settings(request, frame, record, values, problem.errors, status=422)


def _settings(
    request: Request,
    frame: PatientFrame,
    record: Patient,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    saved: bool = False,
    status: int = 200,
) -> Response:
    return render_patient_page(
        request,
        frame,
        "patient/settings.html",
        status=status,
        title=N_("Settings"),
        values=values,
        errors=errors,
        saved=saved,
        record=record,
        email_works=bool(get_runtime(request).settings.smtp_host),
        timezones=timezone_names(),
        countries=country_names(frame.reader.language),
        today=frame.reader.local(get_runtime(request).now()).date(),
    )


def current_values(record: Patient) -> dict[str, str]:
    return {
        "reminder_channel": record.reminder_channel,
        "reminder_time": record.reminder_time.strftime("%H:%M"),
        "timezone": record.timezone,
        "country": record.country,
        "email": record.email or "",
    }


@cache
def timezone_names() -> tuple[str, ...]:
    """IANA zones people live in (Region/City), plus UTC; not the legacy aliases."""
    zones = (z for z in available_timezones() if "/" in z and z.split("/")[0][0].isupper())
    skip = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/")
    return ("UTC", *sorted(z for z in zones if not z.startswith(skip)))


@cache
def country_names(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country, by name in the reader's language."""
    territories = Locale.parse(language).territories
    countries = (
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )
    return tuple(sorted(countries, key=lambda item: item[1]))


@router.get("/p/{patient_id}/settings/access")
def access_page(
    request: Request,
    patient_id: str,
    page: Annotated[int, Query(ge=1, le=100)] = 1,
    others: bool = False,
) -> Response:
    """Who looked at or changed the record, in the patient's timezone, newest first."""
    frame = open_settings(request, patient_id)
    entries = patients.list_record_access(get_runtime(request), frame.viewer.actor, patient_id)
    if others:
        entries = [e for e in entries if e.role != Role.PATIENT.value]
    start = (page - 1) * ACCESS_PAGE_SIZE
    return render_patient_page(
        request,
        frame,
        "patient/settings_access.html",
        title=N_("Who viewed my record"),
        entries=entries[start : start + ACCESS_PAGE_SIZE],
        total=len(entries),
        page=page,
        pages=max(1, -(-len(entries) // ACCESS_PAGE_SIZE)),
        others=others,
        actions=ACTIONS,
        roles=ROLES,
        limit=patients.MAX_AUDIT_ROWS,
    )


@router.get("/p/{patient_id}/settings/record.fhir.json")
def export_fhir(request: Request, patient_id: str) -> Response:
    """The whole record as a FHIR R4 Bundle, saved as a file."""
    frame = open_settings(request, patient_id)
    runtime = get_runtime(request)
    bundle = fhir_exchange.export_bundle(runtime, frame.viewer.actor, patient_id)
    day = frame.reader.local(runtime.now()).date().isoformat()
    return JSONResponse(
        bundle,
        media_type=FHIR_JSON,
        headers={
            "Content-Disposition": f'attachment; filename="ofacare-record-{day}.fhir.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/p/{patient_id}/settings/record.zip")
def export_csv(request: Request, patient_id: str) -> Response:
    """Injections, diary, labs and vaccinations as CSV files in one zip."""
    frame = open_settings(request, patient_id)
    files = record_csv.export_record_csv(get_runtime(request), frame.viewer.actor, patient_id)
    return Response(
        files.content,
        media_type=files.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{files.filename}"',
            "Cache-Control": "no-store",
        },
    )
