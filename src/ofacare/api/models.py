"""The shapes the API answers with: pydantic models read from records (from_attributes)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, WithJsonSchema

LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$",
            "description": "A wall-clock time in the patient's timezone, HH:MM:SS, no offset.",
        }
    ),
]
"""JSON Schema's "time" format demands a UTC offset; a reminder time is local and has none."""


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Problem(BaseModel):
    code: str
    message: str
    hint: str


class ErrorBody(BaseModel):
    """The one error shape of every failed request."""

    ok: bool = False
    error: Problem


class PatientOut(Out):
    id: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    country: str
    timezone: str
    reminder_time: LocalTime
    reminder_channel: str
    """How reminders reach the patient: email, calendar (the feed only) or none."""
    email: str | None
    phone: str | None
    ms_type: str
    can_become_pregnant: bool
    pregnant: bool
    breastfeeding: bool
    active_infection: bool
    severely_immunocompromised: bool
    active_malignancy: bool
    immunosuppressants: list[str]
    planned_start_on: date | None
    team_id: str | None


class AccessOut(Out):
    at: datetime
    who: str
    role: str
    action: str
    address: str | None


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "Not signed in"),
        (403, "Signed in, but this role may not do this"),
        (404, "No such record that you can see"),
        (409, "Conflicts with the records as they are (a key reused, a record already there)"),
        (413, "Body larger than the limit (OFACARE_MAX_BODY_BYTES)"),
        (415, "Body not sent as JSON"),
        (422, "Bad input: the message names the field and the value"),
        (429, "Too many attempts"),
    )
}
