"""What frames every page: the navigation for the viewer's role and, on a patient's pages, the
patient's card (name, timezone, and who to call) and the reader that formats for them."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ofacare.services.access import Role
from ofacare.services.patient_card import PatientCard, get_patient_card
from ofacare.web.localisation import N_, Reader
from ofacare.web.rendering import reader_for, render
from ofacare.web.session import Viewer, get_runtime


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    label: str
    key: str


@dataclass(frozen=True, slots=True)
class PatientFrame:
    """A patient's page: whose it is, who looks, how to format, and the section shown."""

    viewer: Viewer
    patient: PatientCard
    reader: Reader
    section: str

    @property
    def nav(self) -> list[NavItem]:
        return patient_nav(self.patient.id, self.viewer.role)

    @property
    def base(self) -> str:
        return f"/p/{self.patient.id}"


def patient_nav(patient_id: str, role: Role) -> list[NavItem]:
    base = f"/p/{patient_id}"
    items = [
        NavItem(base, N_("Home"), "home"),
        NavItem(f"{base}/inject", N_("Log injection"), "inject"),
        NavItem(f"{base}/schedule", N_("Schedule"), "schedule"),
        NavItem(f"{base}/symptoms", N_("Check a symptom"), "symptoms"),
        NavItem(f"{base}/diary", N_("Diary"), "diary"),
        NavItem(f"{base}/plan", N_("Plan ahead"), "plan"),
        NavItem(f"{base}/learn", N_("Learn"), "learn"),
    ]
    if role is Role.PATIENT:
        items.append(NavItem(f"{base}/settings", N_("Settings"), "settings"))
    if role is Role.CLINICIAN:
        items.insert(0, NavItem(f"/team/patients/{patient_id}", N_("Team view"), "team"))
    return items


TEAM_NAV = [
    NavItem("/team", N_("Panel"), "panel"),
    NavItem("/team/patients/new", N_("New patient"), "new-patient"),
]
ADMIN_NAV = [
    NavItem("/admin", N_("Overview"), "overview"),
    NavItem("/admin/users", N_("Users"), "users"),
    NavItem("/admin/teams", N_("Care teams"), "teams"),
]


def open_patient_frame(
    request: Request, viewer: Viewer, patient_id: str, section: str
) -> PatientFrame:
    """The frame of a patient's page; 404 (as for a missing one) when the viewer may not see it."""
    card = get_patient_card(get_runtime(request), viewer.actor, patient_id)
    reader = reader_for(request, country=card.country, timezone=card.timezone)
    return PatientFrame(viewer=viewer, patient=card, reader=reader, section=section)


def render_patient_page(
    request: Request, frame: PatientFrame, template: str, *, status: int = 200, **context: object
) -> HTMLResponse:
    """A page about one patient, framed with their navigation and their team's phone."""
    return render(
        request,
        template,
        viewer=frame.viewer,
        reader=frame.reader,
        status=status,
        frame=frame,
        patient=frame.patient,
        call=frame.patient.call,
        nav=frame.nav,
        current=frame.section,
        **context,
    )
