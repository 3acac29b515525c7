"""Injection sites: which are allowed for who injects, which to use next, and what is wrong.

The rule (clinical-rules.md INJ-1..INJ-6; facts injection.sites, injection.abdomen-navel-distance,
injection.upper-arm-caregiver, injection.rotate-sites, injection.skin-to-avoid): the lower belly
left or right, away from the navel by the distance the knowledge base gives; the front of either
thigh; the outer upper arms only when someone else (a caregiver or clinician) gives the injection;
never the site used last time. CONF-10 (conflict.injection-sites) keeps the arm, which one seed page
leaves out, because the label lists it.

Suggestion order (injection.site-suggestion-order): the allowed site used longest ago, a site never
used counting as oldest; ties go to the thighs first (injection.thigh-first-choice), then the belly,
then the arms, left before right: the order of `Site`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from ofacare.errors import InvalidInput
from ofacare.knowledge.base import KnowledgeBase

ARM_RULE = "injection.upper-arm-caregiver"
ROTATE_RULE = "injection.rotate-sites"
NAVEL_RULE = "injection.abdomen-navel-distance"
SKIN_RULE = "injection.skin-to-avoid"
ORDER_RULE = "injection.site-suggestion-order"


class Injector(StrEnum):
    """Who gives the injection; only someone other than the patient may use the arm."""

    SELF = "self"
    CAREGIVER = "caregiver"
    CLINICIAN = "clinician"


class Site(StrEnum):
    """An injection site; the ids are stable (API, database). Declared in the tie-break order."""

    THIGH_LEFT = "thigh-left"
    THIGH_RIGHT = "thigh-right"
    ABDOMEN_LEFT = "abdomen-left"
    ABDOMEN_RIGHT = "abdomen-right"
    UPPER_ARM_LEFT = "upper-arm-left"
    UPPER_ARM_RIGHT = "upper-arm-right"

    @property
    def is_arm(self) -> bool:
        return self in {Site.UPPER_ARM_LEFT, Site.UPPER_ARM_RIGHT}

    @property
    def side(self) -> str:
        return "left" if self.value.endswith("-left") else "right"


Choice = TypeVar("Choice", "Site", "Injector")


@dataclass(frozen=True, slots=True)
class SiteGuidance:
    """One line of plain-language guidance and the facts it rests on."""

    text: str
    fact_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SiteSuggestion:
    """Where to inject next, the sites allowed for this injector, the last site, and why."""

    site: Site
    allowed: tuple[Site, ...]
    last_site: Site | None
    guidance: tuple[SiteGuidance, ...]


@dataclass(frozen=True, slots=True)
class SiteProblem:
    """Something wrong with a chosen site, as data: the caller decides how to show it."""

    code: str
    message: str
    fact_ids: tuple[str, ...]


def parse_site(text: str) -> Site:
    """Read a site id such as 'thigh-left'; InvalidInput names the field and lists the ids.

    >>> parse_site(" Abdomen-Right ")
    <Site.ABDOMEN_RIGHT: 'abdomen-right'>
    """
    return _parse(Site, text, field="site", code="handling.unknown-site")


def parse_injector(text: str) -> Injector:
    """Read who injects ('self', 'caregiver', 'clinician'); InvalidInput names the field.

    >>> parse_injector("caregiver")
    <Injector.CAREGIVER: 'caregiver'>
    """
    return _parse(Injector, text, field="injector", code="handling.unknown-injector")


def allowed_sites(injector: Injector) -> tuple[Site, ...]:
    """Return the sites this injector may use, in the tie-break order (INJ-1, INJ-4).

    >>> [s.value for s in allowed_sites(Injector.SELF)]
    ['thigh-left', 'thigh-right', 'abdomen-left', 'abdomen-right']
    """
    if injector is Injector.SELF:
        return tuple(site for site in Site if not site.is_arm)
    return tuple(Site)


def suggest_site(
    recent: Sequence[Site], *, injector: Injector, kb: KnowledgeBase
) -> SiteSuggestion:
    """Suggest the allowed site used longest ago, never the last one (`recent`: newest first).

    >>> from ofacare.knowledge import default_knowledge
    >>> kb = default_knowledge()
    >>> suggest_site([], injector=Injector.SELF, kb=kb).site.value
    'thigh-left'
    >>> recent = [Site.THIGH_LEFT, Site.ABDOMEN_LEFT, Site.THIGH_RIGHT, Site.ABDOMEN_RIGHT]
    >>> suggest_site(recent, injector=Injector.SELF, kb=kb).site.value
    'abdomen-right'
    >>> suggest_site(recent, injector=Injector.CAREGIVER, kb=kb).site.value
    'upper-arm-left'
    """
    allowed = allowed_sites(injector)
    last_site = recent[0] if recent else None
    # Position of each site's latest use; a site never used ranks older than any used one.
    last_used = {site: len(recent) for site in Site}
    for position, site in reversed(list(enumerate(recent))):
        last_used[site] = position
    candidates = [site for site in allowed if site != last_site]
    # max() keeps the first of equal keys, and `allowed` is in the tie-break order.
    site = max(candidates, key=lambda s: last_used[s])
    return SiteSuggestion(
        site=site,
        allowed=allowed,
        last_site=last_site,
        guidance=_guidance(site, last_site, kb),
    )


def check_site(
    site: Site, *, injector: Injector, last_site: Site | None, kb: KnowledgeBase
) -> tuple[SiteProblem, ...]:
    """Return what is wrong with injecting here: an arm for a self-injector, the last site again.

    >>> from ofacare.knowledge import default_knowledge
    >>> kb = default_knowledge()
    >>> [p.code for p in check_site(Site.UPPER_ARM_LEFT, injector=Injector.SELF,
    ...                             last_site=Site.UPPER_ARM_LEFT, kb=kb)]
    ['handling.arm-self-injection', 'handling.same-site-as-last']
    >>> check_site(Site.THIGH_RIGHT, injector=Injector.SELF, last_site=Site.THIGH_LEFT, kb=kb)
    ()
    """
    problems = []
    if site.is_arm and injector is Injector.SELF:
        problems.append(
            SiteProblem(
                "handling.arm-self-injection",
                f"site: '{site.value}' is for when someone else gives the injection. "
                + kb.statement(ARM_RULE),
                (ARM_RULE,),
            )
        )
    if site == last_site:
        problems.append(
            SiteProblem(
                "handling.same-site-as-last",
                f"site: '{site.value}' was also used last time. " + kb.statement(ROTATE_RULE),
                (ROTATE_RULE,),
            )
        )
    return tuple(problems)


def describe_site(site: Site, *, kb: KnowledgeBase) -> str:
    """Say where a site is in plain words; the belly's distance from the navel is read from facts.

    >>> from ofacare.knowledge import default_knowledge
    >>> describe_site(Site.ABDOMEN_LEFT, kb=default_knowledge())
    'the left side of your lower belly, at least 5 cm from your belly button'
    """
    if site in {Site.ABDOMEN_LEFT, Site.ABDOMEN_RIGHT}:
        distance = kb.number(NAVEL_RULE, "cm")
        return (
            f"the {site.side} side of your lower belly, "
            f"at least {distance:g} cm from your belly button"
        )
    if site.is_arm:
        return f"the outer part of your {site.side} upper arm"
    return f"the front of your {site.side} thigh"


def _guidance(site: Site, last_site: Site | None, kb: KnowledgeBase) -> tuple[SiteGuidance, ...]:
    where = f"Next injection: {describe_site(site, kb=kb)}."
    where_facts = [ORDER_RULE, "injection.sites"]
    if site in {Site.ABDOMEN_LEFT, Site.ABDOMEN_RIGHT}:
        where_facts.append(NAVEL_RULE)
    lines = [SiteGuidance(where, tuple(where_facts))]
    if last_site is not None:
        lines.append(
            SiteGuidance(
                f"Last time you used {describe_site(last_site, kb=kb)}. "
                + kb.statement(ROTATE_RULE),
                (ROTATE_RULE,),
            )
        )
    if site.is_arm:
        lines.append(SiteGuidance(kb.statement(ARM_RULE), (ARM_RULE,)))
    lines.append(SiteGuidance(kb.statement(SKIN_RULE), (SKIN_RULE,)))
    return tuple(lines)


def _parse(choices: type[Choice], text: str, *, field: str, code: str) -> Choice:
    cleaned = text.strip().lower()
    for choice in choices:
        if choice.value == cleaned:
            return choice
    ids = ", ".join(choice.value for choice in choices)
    raise InvalidInput(
        code,
        f"{field}: '{text}' is not one ofacare knows.",
        f"Use one of: {ids}.",
    )
