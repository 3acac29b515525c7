"""The screening profile: who the person is, their tests, vaccines and conditions before starting.

Read from JSON (docs/screening.md). A bad field fails with InvalidInput naming the field and the
value; extra fields are allowed and kept out of the rules.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from ofacare.errors import InvalidInput, quote_value
from ofacare.regimen.schedule import EARLIEST_RECORD_DATE, LATEST_DATE
from ofacare.safety.lab_tests import LabTest, find_lab_test

MsType = Literal["CIS", "RRMS", "active-SPMS", "non-active-SPMS", "PPMS"]


def _plausible(value: date) -> date:
    if not EARLIEST_RECORD_DATE <= value <= LATEST_DATE:
        raise ValueError(f"is not a date between {EARLIEST_RECORD_DATE} and {LATEST_DATE}")
    return value


Day = Annotated[date, AfterValidator(_plausible)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A laboratory number: finite and not negative (a concentration, a count, an activity)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow", str_strip_whitespace=True)


class LabResult(_Model):
    """One test result: a word (negative/positive/normal) or a value with its unit."""

    test: str = Field(min_length=1)
    result: str | None = None
    value: Amount | None = None
    unit: str | None = None
    on: Day
    reference_low: Amount | None = None
    """The lower limit of normal the laboratory gave with the result, in `unit`."""
    reference_high: Amount | None = None

    @field_validator("test")
    @classmethod
    def _known_test(cls, value: str) -> str:
        if find_lab_test(value) is None:
            raise ValueError("is not a test ofacare knows (use a name such as HBsAg, or LOINC)")
        return value

    @property
    def lab_test(self) -> LabTest:
        test = find_lab_test(self.test)
        assert test is not None  # checked by the validator
        return test


class Vaccination(_Model):
    """A vaccine given (or booked) and whether it is live."""

    name: str = Field(min_length=1)
    live: bool
    on: Day


class ScreeningProfile(_Model):
    """What the screening rules need to know before the first dose."""

    birth_date: Day
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    can_become_pregnant: bool = False
    pregnant: bool = False
    breastfeeding: bool = False
    country: str = Field(default="US", min_length=2, max_length=2)
    ms_type: MsType
    planned_start_on: Day
    labs: tuple[LabResult, ...] = ()
    vaccinations: tuple[Vaccination, ...] = ()
    active_infection: bool = False
    severely_immunocompromised: bool = False
    active_malignancy: bool = False
    hypersensitivity_to_ofatumumab: bool = False
    immunosuppressants: tuple[str, ...] = ()

    @field_validator("country")
    @classmethod
    def _upper_country(cls, value: str) -> str:
        if not (value.isascii() and value.isalpha()):
            raise ValueError("must be a two-letter country code such as US, GB or DE")
        return value.upper()

    def latest(self, test_name: str, *, on_or_before: date | None = None) -> LabResult | None:
        """The newest result of a test (by ofacare name), optionally no later than a date."""
        results = [
            lab
            for lab in self.labs
            if lab.lab_test.name == test_name and (on_or_before is None or lab.on <= on_or_before)
        ]
        return max(results, key=lambda lab: lab.on, default=None)


Sign = Literal[
    "jaundice", "dark-urine", "worsening-tiredness", "new-weakness", "clumsiness",
    "vision-change", "confusion", "memory-change", "personality-change", "speech-change",
]  # fmt: skip
LIVER_SIGNS = frozenset({"jaundice", "dark-urine", "worsening-tiredness"})


class TreatmentStatus(_Model):
    """What the monitoring rules need during treatment: dates, infection, recent labs, signs."""

    country: str = Field(default="US", min_length=2, max_length=2)
    as_of: Day
    last_dose_on: Day | None = None
    next_dose_on: Day | None = None
    active_infection: bool = False
    labs: tuple[LabResult, ...] = ()
    signs: tuple[Sign, ...] = ()

    @field_validator("country")
    @classmethod
    def _upper_country(cls, value: str) -> str:
        return ScreeningProfile._upper_country(value)

    def latest(self, test_name: str) -> LabResult | None:
        """The newest result of a test (by ofacare name) up to the as-of date."""
        results = [
            lab for lab in self.labs if lab.lab_test.name == test_name and lab.on <= self.as_of
        ]
        return max(results, key=lambda lab: lab.on, default=None)


def parse_profile(raw: Any) -> ScreeningProfile:
    """Validate a decoded JSON screening profile; InvalidInput names the bad field and value."""
    return _parse(ScreeningProfile, raw, what="profile", doc="docs/screening.md")


def parse_status(raw: Any) -> TreatmentStatus:
    """Validate a decoded JSON treatment status; InvalidInput names the bad field and value."""
    return _parse(TreatmentStatus, raw, what="status", doc="docs/screening.md#monitoring")


Parsed = TypeVar("Parsed", bound=_Model)


def _parse(model: type[Parsed], raw: Any, *, what: str, doc: str) -> Parsed:
    if not isinstance(raw, dict):
        raise InvalidInput(
            f"input.bad-{what}",
            f"{what}: expected a JSON object, got {type(raw).__name__}.",
            f"See {doc} for the format.",
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or what
        if problem["type"] == "missing":
            raise InvalidInput(
                f"input.bad-{what}",
                f"{what} field '{field}' is missing.",
                f"See {doc} for the format.",
            ) from exc
        raise InvalidInput(
            f"input.bad-{what}",
            f"{what} field '{field}': {quote_value(problem.get('input'))} "
            f"{_reason(problem['msg'])}.",
            f"See {doc} for the format.",
        ) from exc


def _reason(message: str) -> str:
    text = message.removeprefix("Value error, ")
    return text[0].lower() + text[1:] if text else "is not valid"
