"""A safety rule: a small named unit with an id, its sources, and a pure check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.search import country_jurisdiction
from ofacare.safety.finding import Finding

Subject = TypeVar("Subject")


@dataclass(frozen=True, slots=True)
class Rule(Generic[Subject]):
    """One rule: `check` returns findings (possibly none) and never raises for an outcome."""

    id: str
    rule_ids: tuple[str, ...]
    """The clinical-rules catalogue ids it encodes (PRE-1, CI-1...)."""
    check: Callable[[Subject, KnowledgeBase], list[Finding]]


def label_for(country: str | None) -> str | None:
    """Which label a country follows where US and EU/UK differ: 'US', 'EU', 'UK' or None.

    >>> label_for("DE"), label_for("gb"), label_for("US"), label_for("IN")
    ('EU', 'UK', 'US', None)
    """
    jurisdiction = country_jurisdiction(country)
    return jurisdiction if jurisdiction in {"US", "EU", "UK"} else None


def follows_eu_label(country: str | None) -> bool:
    """Whether the EU/UK label applies to this country (CONF-13: the country decides)."""
    return label_for(country) in {"EU", "UK"}
