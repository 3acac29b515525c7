"""The shapes of the knowledge base: sources, citations and facts, validated as they load."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

FACT_ID = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")
SOURCE_ID = re.compile(r"^[a-z][a-z0-9-]*$")

# Units a fact may carry. A new unit is added here on purpose, never by a typo in a data file.
KNOWN_UNITS = frozenset(
    {"mg", "mL", "mg/mL", "day", "week", "month", "minute", "hour", "year",
     "celsius", "fahrenheit", "cm", "percent", "count", "cells/uL", "g/L", "ratio",
     "kDa", "mg/L", "ug*h/mL", "mg*day/L", "U/L", "umol/L"}
)  # fmt: skip


class SourceKind(StrEnum):
    """What kind of document a source is; decides its default weight in conflicts."""

    REGULATORY_LABEL = "regulatory-label"
    PATIENT_LEAFLET = "patient-leaflet"
    GUIDANCE = "guidance"
    MANUFACTURER_SITE = "manufacturer-site"
    TRIAL_PUBLICATION = "trial-publication"
    CHARITY_PAGE = "charity-page"
    COMPENDIUM = "compendium"
    CONSUMER_PAGE = "consumer-page"
    DESIGN_DECISION = "design-decision"


class Audience(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"
    BOTH = "both"


class Urgency(StrEnum):
    """How soon to act on a symptom, most to least urgent."""

    EMERGENCY = "emergency"  # call the emergency number now
    URGENT = "urgent"  # call the MS team or prescriber today
    CONTACT_TEAM = "contact_team"  # tell the MS team soon (days), or at the next contact
    SELF_CARE = "self_care"  # manage at home; tell the team if it lasts or worsens


def _check_fact_id(value: str) -> str:
    if not FACT_ID.match(value):
        raise ValueError(f"'{value}' is not a dotted lower-case id such as 'dosing.dose-amount'")
    return value


def _check_source_id(value: str) -> str:
    if not SOURCE_ID.match(value):
        raise ValueError(f"'{value}' is not a lower-case source id such as 'us-pi'")
    return value


def _check_unit(value: str | None) -> str | None:
    if value is not None and value not in KNOWN_UNITS:
        raise ValueError(f"unit '{value}' is not one of {sorted(KNOWN_UNITS)}")
    return value


FactId = Annotated[str, AfterValidator(_check_fact_id)]
SourceId = Annotated[str, AfterValidator(_check_source_id)]
Unit = Annotated[str | None, AfterValidator(_check_unit)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Source(_Frozen):
    """A document facts come from."""

    id: SourceId
    title: str = Field(min_length=3)
    publisher: str = Field(min_length=2)
    kind: SourceKind
    jurisdiction: str = Field(pattern=r"^(US|EU|UK|CH|HK|international)$")
    published_on: date | None = None
    url: str | None = None
    weight: int = Field(ge=0, le=100)
    """Higher wins where sources disagree: label > leaflet > trial > charity > consumer page."""


class Citation(_Frozen):
    """Where in a source a fact is stated."""

    source: SourceId
    section: str = Field(min_length=1)


class Range(_Frozen):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"range low {self.low} is above high {self.high}")
        return self


class Fact(_Frozen):
    """One clinical statement in ofacare's own words, with its number and its sources."""

    id: FactId
    topic: str = Field(min_length=2)
    audience: Audience
    statement: str = Field(min_length=10)
    value: float | None = None
    range: Range | None = None
    unit: Unit = None
    jurisdiction: str = Field(default="all", pattern=r"^(all|US|EU|UK|CH)$")
    rule: str | None = Field(default=None, pattern=r"^[A-Z]+-\d+$")
    """The id of the rule in the clinical rules catalogue this fact encodes (DOSE-1...)."""
    sources: tuple[Citation, ...] = Field(min_length=1)
    reviewed_on: date
    synonyms: tuple[str, ...] = ()
    urgency: Urgency | None = None
    """For symptom facts: how soon to act when one of the red flags is present."""
    red_flags: tuple[str, ...] = ()
    """For symptom facts: the signs, in patients' words, that route a question to triage."""

    @model_validator(mode="after")
    def _number_has_unit(self) -> Fact:
        if self.value is not None and self.range is not None:
            raise ValueError("give either value or range, not both")
        if (self.value is not None or self.range is not None) and self.unit is None:
            raise ValueError("a fact with a number needs a unit")
        if self.unit is not None and self.value is None and self.range is None:
            raise ValueError("a unit without a value or range")
        return self


class Claim(_Frozen):
    """What one source says on a disputed point, in ofacare's words."""

    source: SourceId
    section: str = Field(min_length=1)
    claim: str = Field(min_length=5)


class Conflict(_Frozen):
    """A point where sources disagree, each side's claim, and how ofacare resolved it."""

    id: FactId
    code: str | None = Field(default=None, pattern=r"^CONF-\d+$")
    """The conflict's id in the clinical rules catalogue (section 12), where it has one."""
    topic: str = Field(min_length=2)
    claims: tuple[Claim, ...] = Field(min_length=2)
    winner: SourceId
    resolution: str = Field(min_length=10)
    """What ofacare states, in its own words."""
    reason: str = Field(min_length=10)
    """Why that side wins (precedence: label > leaflet > trial > charity > consumer page)."""
    facts: tuple[FactId, ...] = ()
    """Facts that carry the resolved statement."""
    reviewed_on: date

    @model_validator(mode="after")
    def _winner_is_a_claimant(self) -> Conflict:
        if self.winner not in {c.source for c in self.claims}:
            raise ValueError(f"winner '{self.winner}' is not one of the claims' sources")
        return self


class Advice(_Frozen):
    """The words of one rule outcome (a safety finding): what the patient and the clinician read.

    Texts may hold `{placeholders}` the rule fills in (a date, a test name, a value); the clinical
    content rests on the facts listed, whose sources become the finding's citations.
    """

    id: FactId
    title: str = Field(min_length=5, max_length=120)
    patient: str = Field(min_length=10)
    clinician: str = Field(min_length=10)
    facts: tuple[FactId, ...] = Field(min_length=1)
    reviewed_on: date


# Units a model parameter may carry (pharmacology model, Yu et al. 2022 and our calibration).
MODEL_UNITS = frozenset(
    {"1/day", "1/year", "L", "L/day", "nmol/L", "nmol/L/day", "mg/L", "cells/uL", "fraction",
     "dimensionless", "kg", "year"}
)  # fmt: skip
MODEL_SYMBOL = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class Covariate(StrEnum):
    """What a covariate effect scales by: continuous ones as a power of value/reference,
    indicators as exp(effect) when present."""

    WEIGHT = "weight"
    AGE = "age"
    BASELINE_BCELLS = "baseline_bcells"
    AUTOINJECTOR = "autoinjector"
    INTRAVENOUS = "intravenous"
    STUDY_APLIOS = "study_aplios"
    STUDY_MIRROR = "study_mirror"


class RandomEffectScale(StrEnum):
    LOG = "log"  # P_i = P * exp(eta)
    LOGIT = "logit"  # logit(P_i) = logit(P) + eta, for fractions such as bioavailability


class Variability(_Frozen):
    """Inter-individual variability: the SD of the random effect on its scale."""

    sd: float = Field(gt=0, le=5)
    scale: RandomEffectScale = RandomEffectScale.LOG


class CovariateEffect(_Frozen):
    covariate: Covariate
    effect: float
    """Power exponent for a continuous covariate; log-scale shift for an indicator."""


def _check_model_unit(value: str) -> str:
    if value not in MODEL_UNITS:
        raise ValueError(f"unit '{value}' is not one of {sorted(MODEL_UNITS)}")
    return value


ModelUnit = Annotated[str, AfterValidator(_check_model_unit)]


class ModelParameter(_Frozen):
    """One parameter of the PK/B-cell model: typical value, unit, variability, covariates."""

    id: FactId
    symbol: str = Field(pattern=MODEL_SYMBOL.pattern)
    name: str = Field(min_length=3)
    value: float = Field(gt=0)
    unit: ModelUnit
    fixed: bool = False
    """Fixed in the published fit (not estimated)."""
    variability: Variability | None = None
    covariates: tuple[CovariateEffect, ...] = ()
    sources: tuple[Citation, ...] = Field(min_length=1)
    note: str | None = None
    reviewed_on: date

    @model_validator(mode="after")
    def _fraction_in_range(self) -> ModelParameter:
        if self.unit == "fraction" and not 0 < self.value < 1:
            raise ValueError(f"a fraction must lie between 0 and 1, not {self.value}")
        return self


class ModelCorrelation(_Frozen):
    """The correlation of two parameters' random effects (one entry of a block)."""

    id: FactId
    first: str = Field(pattern=MODEL_SYMBOL.pattern)
    second: str = Field(pattern=MODEL_SYMBOL.pattern)
    rho: float = Field(gt=-1, lt=1)
    sources: tuple[Citation, ...] = Field(min_length=1)
    note: str | None = None
    reviewed_on: date


class CovariateDistribution(_Frozen):
    """How a covariate is drawn for a virtual trial population, and its reference value."""

    id: FactId
    covariate: Covariate
    unit: ModelUnit
    reference: float = Field(gt=0)
    """The value at which the typical parameters hold (the covariate model's denominator)."""
    median: float = Field(gt=0)
    spread: float = Field(gt=0)
    """SD on the log scale (log-normal) or on the natural scale (normal), as `shape` says."""
    shape: str = Field(pattern=r"^(log-normal|normal)$")
    low: float
    high: float
    """Published range of the trial population; draws are clipped to it."""
    sources: tuple[Citation, ...] = Field(min_length=1)
    note: str | None = None
    reviewed_on: date

    @model_validator(mode="after")
    def _median_inside(self) -> CovariateDistribution:
        if not self.low <= self.median <= self.high:
            raise ValueError(f"median {self.median} is outside {self.low}-{self.high}")
        return self


class ParameterSet(_Frozen):
    """A named set of typical values: the published one, or a calibration that overrides some."""

    id: FactId
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: str = Field(min_length=5)
    overrides: dict[str, float] = Field(default_factory=dict)
    """Typical values replaced, by parameter symbol; the rest are the published values."""
    variability_overrides: dict[str, float] = Field(default_factory=dict)
    """Random-effect SDs replaced, by parameter symbol (on the parameter's own scale)."""
    description: str = Field(min_length=10)
    default: bool = False
    """The set simulations use unless told otherwise: the one that reproduces the published data
    best (`ofacare simulate validate` shows the scores; a test keeps this true)."""
    sources: tuple[Citation, ...] = Field(min_length=1)
    reviewed_on: date


class ModelCheck(_Frozen):
    """A published number the model is validated against, with the tolerance we accept."""

    id: FactId
    metric: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    facts: tuple[FactId, ...] = Field(min_length=1)
    """The facts that state the published value; with several (two trials, say), the published
    range runs from the lowest to the highest and the tolerance applies outside it."""
    tolerance: float = Field(gt=0)
    relative: bool
    """True: tolerance is a fraction of the published value; False: in the fact's unit."""
    note: str = Field(min_length=5)
    reviewed_on: date
