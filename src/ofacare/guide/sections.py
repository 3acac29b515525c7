"""Build the patient guide or clinician summary from the knowledge base, as pure data.

Facts are placed into sections by their topic, id prefix or rule prefix (never by a list of ids), so
a fact file added later lands in its section without a code change. Every item carries footnote
numbers into one numbered list of references (source title and section). A section without facts
is left out; facts no section claims go to "More to know" so nothing is silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ofacare.errors import InvalidInput
from ofacare.knowledge.answer import CARE_TEAM
from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.lexicon import load_lexicon
from ofacare.knowledge.schema import Audience, Fact, Urgency
from ofacare.knowledge.search import country_jurisdiction

DAYS_PER_WEEK = 7  # calendar arithmetic, not a clinical number
HELP_HEADINGS = {
    Urgency.EMERGENCY: "Emergency: call {emergency} now",
    Urgency.URGENT: "Same day: call your MS team today",
    Urgency.CONTACT_TEAM: "Routine: tell your MS team soon",
    Urgency.SELF_CARE: "At home: look after yourself, and tell your team if it lasts",
}


@dataclass(frozen=True, slots=True)
class Reference:
    """One numbered entry in the guide's list of sources."""

    number: int
    source: str
    title: str
    section: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class GuideItem:
    """One fact as the guide shows it, with its footnote numbers."""

    fact_id: str
    text: str
    footnotes: tuple[int, ...]
    jurisdiction: str | None = None
    """Shown as a label ('US', 'EU') when the guide covers more than one label."""
    frequency: str | None = None


@dataclass(frozen=True, slots=True)
class GuideGroup:
    """A sub-heading inside a section (heading None for an untitled run of items)."""

    heading: str | None
    items: tuple[GuideItem, ...]
    tone: str | None = None
    """Where the group's facts were placed; in 'when to get help', the urgency value."""


@dataclass(frozen=True, slots=True)
class DoseRow:
    when: str
    what: str
    dose: str


@dataclass(frozen=True, slots=True)
class DosingTable:
    rows: tuple[DoseRow, ...]
    footnotes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GuideSection:
    key: str
    heading: str
    groups: tuple[GuideGroup, ...] = ()
    table: DosingTable | None = None
    note: str | None = None

    @property
    def items(self) -> tuple[GuideItem, ...]:
        return tuple(item for group in self.groups for item in group.items)


@dataclass(frozen=True, slots=True)
class Guide:
    """The whole guide: title, ordered sections, numbered references and knowledge version."""

    audience: Audience
    country: str | None
    jurisdiction: str | None
    title: str
    sections: tuple[GuideSection, ...]
    references: tuple[Reference, ...]
    knowledge_version: str
    knowledge_date: date | None
    care_team: str
    emergency_number: str


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where facts go: a section key and group heading, and what facts it claims."""

    section: str
    heading: str | None
    topics: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    """When set, the fact id must also contain one of these words (narrows a topic or prefix)."""

    def claims(self, fact: Fact, by: str) -> bool:
        if self.marks and not any(mark in fact.id for mark in self.marks):
            return False
        if by == "topic":
            return fact.topic.lower() in self.topics
        if by == "prefix":
            return fact.id.startswith(self.prefixes)
        return fact.rule is not None and fact.rule.startswith(self.rules)


def _slot(section: str, heading: str | None, topics: str = "", **more: tuple[str, ...]) -> _Slot:
    names = frozenset(t.strip() for t in topics.split(",") if t.strip())
    return _Slot(section, heading, names, **more)


# Replies the triage engine gives about a description ("could not tell what these symptoms
# are"); they make sense only as an answer to someone's words, not in a guide.
TRIAGE_REPLIES = frozenset({"triage.unrecognised", "triage.nothing-current"})
SECTION_HEADINGS = {
    "about": "What Kesimpta is and how it works",
    "who": "Who it is for",
    "dosing": "Your doses",
    "injecting": "Injecting",
    "storage": "Storage and travel",
    "before": "Before you start",
    "during": "During treatment",
    "side-effects": "Side effects",
    "help": "When to get help",
    "evidence": "What the trials showed",
    "comparisons": "How it compares, and its cost",
    "more": "More to know",
    "conflicts": "Where sources disagree",
    "disclaimer": "About this guide",
}
SLOTS = (
    _slot("about", None, "about,mechanism,how it works,what it is,b cells",
          prefixes=("mechanism.",)),
    _slot("about", None, prefixes=("about.", "pharmacology.")),
    _slot("who", None, "who it is for,indication", prefixes=("indication.",)),
    _slot("who", "Who should not use it", "contraindications,contraindication", rules=("CI",)),
    _slot("who", "Switching from another medicine", "switching", prefixes=("switching.",)),
    _slot("dosing", None, "dosing", prefixes=("dosing.",), rules=("DOSE",)),
    _slot("dosing", "Missed or late doses", "missed dose,missed doses"),
    _slot("injecting", "Getting the pen ready", "storage", marks=("warm",)),
    _slot("injecting", None, "injection,injecting,injection sites", prefixes=("injection.",)),
    _slot("injecting", None, rules=("INJ",)),
    _slot("storage", "Room temperature and travel", "storage,travel",
          marks=("room-temperature", "return-to-fridge", "excursion", "removal-date", "travel")),
    _slot("storage", None, "storage", prefixes=("storage.",), rules=("STORE",)),
    _slot("storage", "Travel", "travel", prefixes=("travel.",)),
    _slot("storage", "Disposal", "disposal"),
    _slot("before", "Tests", "tests before starting,screening", prefixes=("screening.",),
          rules=("PRE",)),
    _slot("before", "Vaccines", "vaccines,vaccine,vaccination", marks=("before",)),
    _slot("during", "Infections", "infections,infection,hepatitis b,pml"),
    _slot("during", "Vaccines", "vaccines,vaccine,vaccination", prefixes=("vaccine.",),
          rules=("VAX",)),
    _slot("during", "Pregnancy, contraception and breastfeeding",
          "pregnancy,contraception,breastfeeding,reproduction",
          prefixes=("pregnancy.", "reproduction."), rules=("REPRO",)),
    _slot("during", "Other safety points",
          "warnings,precautions,immunoglobulins,liver,monitoring",
          prefixes=("warning.", "monitoring.", "safety."), rules=("WARN",)),
    _slot("side-effects", None, "side effects,adverse effects,injection reactions",
          prefixes=("adverse.", "side-effect."), rules=("AE",)),
    _slot("evidence", None, "efficacy,evidence,trial results,trials",
          prefixes=("efficacy.", "trial."), rules=("EFF",)),
    _slot("comparisons", None, "comparison,comparisons,alternatives,cost,price",
          prefixes=("comparison.", "compare.")),
    _slot("help", "More about getting help", "triage,symptoms", prefixes=("triage.",),
          rules=("TRIAGE",)),
    _slot("disclaimer", None, "disclaimer,care team,about ofacare", prefixes=("disclaimer.",)),
)  # fmt: skip


def build_guide(kb: KnowledgeBase, *, audience: Audience, country: str | None = None) -> Guide:
    """Assemble the guide for an audience and a country (None: every label, each fact labelled).

    The patient guide leaves out clinician-only facts; the clinician summary keeps everything.
    """
    if audience is Audience.BOTH:
        raise InvalidInput(
            "guide.unknown-audience",
            "audience: 'both' is not a guide.",
            "Use patient or clinician.",
        )
    jurisdiction = country_jurisdiction(country)
    facts = [
        f
        for f in kb.facts.values()
        if is_for_reader(f, audience, jurisdiction) and f.id not in TRIAGE_REPLIES
    ]
    footnotes = Footnotes(kb)
    placed = _place(facts)
    sections: list[GuideSection] = []
    for key, heading in SECTION_HEADINGS.items():
        if key == "conflicts":
            section = _conflict_section(kb, footnotes) if audience is Audience.CLINICIAN else None
        else:
            section = _section(
                kb,
                key,
                heading=heading,
                placed=placed,
                footnotes=footnotes,
                jurisdiction=jurisdiction,
            )
        if section is not None:
            sections.append(section)
    return Guide(
        audience=audience,
        country=country.upper() if country else None,
        jurisdiction=jurisdiction,
        title=_title(audience),
        sections=tuple(sections),
        references=footnotes.references(),
        knowledge_version=kb.version,
        knowledge_date=max((f.reviewed_on for f in kb.facts.values()), default=None),
        care_team=CARE_TEAM,
        emergency_number=_emergency_number(jurisdiction),
    )


def is_for_reader(fact: Fact, audience: Audience, jurisdiction: str | None) -> bool:
    """Whether a fact belongs in this audience's guide for this label (None: every label)."""
    if audience is Audience.PATIENT and fact.audience is Audience.CLINICIAN:
        return False
    if fact.jurisdiction == "all" or jurisdiction is None:
        return True
    if jurisdiction == "UK":
        return fact.jurisdiction in {"UK", "EU"}
    return fact.jurisdiction == jurisdiction


def build_dosing_table(kb: KnowledgeBase, footnotes: Footnotes) -> DosingTable | None:
    """The dose schedule as rows, every number read from the dosing facts by id."""
    ids = ("dosing.dose-amount", "dosing.loading-dose-count", "dosing.loading-interval",
           "dosing.first-maintenance-gap", "dosing.maintenance-interval")  # fmt: skip
    if any(kb.find_fact(fact_id) is None for fact_id in ids):
        return None
    dose = f"{kb.number(ids[0], 'mg'):g} mg"
    count = kb.whole_number(ids[1], "count")
    step_days = kb.whole_number(ids[2], "day")
    last_loading = (count - 1) * step_days
    first_monthly = last_loading + kb.whole_number(ids[3], "day")
    months = kb.number(ids[4], "month")
    rows = [
        DoseRow(_day_label(i * step_days), f"Starting dose {i + 1}", dose) for i in range(count)
    ]
    gap_start = last_loading + DAYS_PER_WEEK
    rows += [
        DoseRow(_day_label(day), "No injection this week", "none")
        for day in range(gap_start, first_monthly, DAYS_PER_WEEK)
    ]
    rows.append(DoseRow(_day_label(first_monthly), "First monthly dose", dose))
    every = "every month" if months == 1 else f"every {months:g} months"
    rows.append(DoseRow(f"Then {every}", "Monthly dose, for as long as you take it", dose))
    return DosingTable(tuple(rows), footnotes.numbers(kb.get_fact(f) for f in ids))


def _day_label(days: int) -> str:
    weeks, rest = divmod(days, DAYS_PER_WEEK)
    return f"Week {weeks}" if rest == 0 else f"Day {days}"


class Footnotes:
    """Numbers each (source, section) pair in order of first use."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._numbers: dict[tuple[str, str], int] = {}

    def numbers(self, facts: Iterable[Fact]) -> tuple[int, ...]:
        pairs = [(c.source, c.section) for fact in facts for c in fact.sources]
        return self.pairs(pairs)

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> tuple[int, ...]:
        found: dict[int, None] = {}
        for pair in pairs:
            found[self._numbers.setdefault(pair, len(self._numbers) + 1)] = None
        return tuple(found)

    def references(self) -> tuple[Reference, ...]:
        return tuple(
            Reference(
                number,
                source,
                self._kb.sources[source].title,
                section,
                self._kb.sources[source].url,
            )
            for (source, section), number in self._numbers.items()
        )


def _place(facts: Sequence[Fact]) -> dict[tuple[str, str | None], list[Fact]]:
    """Give each fact one home: symptom facts to 'help', then narrow slots, topic, prefix, rule."""
    placed: dict[tuple[str, str | None], list[Fact]] = {}
    for fact in facts:
        placed.setdefault(_home(fact), []).append(fact)
    return placed


def _home(fact: Fact) -> tuple[str, str | None]:
    if fact.urgency is not None:
        return "help", fact.urgency.value
    narrow = [slot for slot in SLOTS if slot.marks]
    broad = [slot for slot in SLOTS if not slot.marks]
    for slots, by in ((narrow, "topic"), (narrow, "prefix"), (broad, "topic"), (broad, "prefix"),
                      (broad, "rule")):  # fmt: skip
        for slot in slots:
            if slot.claims(fact, by):
                return slot.section, slot.heading
    return "more", None


def _section(
    kb: KnowledgeBase,
    key: str,
    *,
    heading: str,
    placed: dict[tuple[str, str | None], list[Fact]],
    footnotes: Footnotes,
    jurisdiction: str | None,
) -> GuideSection | None:
    # The table comes before the items, so its footnotes are numbered first.
    table = build_dosing_table(kb, footnotes) if key == "dosing" else None
    groups = [
        GuideGroup(heading, _items(placed[(key, tone)], footnotes, jurisdiction, key), tone)
        for heading, tone in _group_keys(key, jurisdiction)
        if placed.get((key, tone))
    ]
    note = _disclaimer_note(jurisdiction) if key == "disclaimer" else None
    if not groups and table is None and note is None:
        return None
    return GuideSection(key, heading, tuple(groups), table, note)


def _group_keys(key: str, jurisdiction: str | None) -> list[tuple[str | None, str | None]]:
    """(heading, placement key) of each group in a section, in the order they are shown."""
    order = [s.heading for s in SLOTS if s.section == key]
    titled = [h for i, h in enumerate(order) if h is not None and h not in order[:i]]
    if key != "help":
        return [(None, None)] + [(h, h) for h in titled]  # the untitled run first
    emergency = _emergency_number(jurisdiction)
    levels: list[tuple[str | None, str | None]] = [
        (HELP_HEADINGS[level].format(emergency=emergency), level.value) for level in Urgency
    ]
    return levels + [(h, h) for h in titled]


def _items(
    facts: Sequence[Fact], footnotes: Footnotes, jurisdiction: str | None, key: str
) -> tuple[GuideItem, ...]:
    return tuple(
        GuideItem(
            fact_id=fact.id,
            text=fact.statement,
            footnotes=footnotes.numbers([fact]),
            jurisdiction=fact.jurisdiction
            if jurisdiction is None and fact.jurisdiction != "all"
            else None,
            frequency=_frequency(fact) if key == "side-effects" else None,
        )
        for fact in facts
    )


def _frequency(fact: Fact) -> str | None:
    """The trial frequency of an AE-rule fact ('39%'); other percentages are not frequencies."""
    if fact.unit != "percent" or not (fact.rule or "").startswith("AE"):
        return None
    if fact.value is not None:
        return f"{fact.value:g}%"
    if fact.range is not None:
        return f"{fact.range.low:g}–{fact.range.high:g}%"
    return None


def _conflict_section(kb: KnowledgeBase, footnotes: Footnotes) -> GuideSection | None:
    items = []
    for conflict in kb.conflicts.values():
        winning = [(c.source, c.section) for c in conflict.claims if c.source == conflict.winner]
        text = f"{conflict.topic.capitalize()}: {conflict.resolution} Why: {conflict.reason}"
        items.append(GuideItem(conflict.id, text, footnotes.pairs(winning)))
    if not items:
        return None
    return GuideSection(
        "conflicts", SECTION_HEADINGS["conflicts"], (GuideGroup(None, tuple(items)),)
    )


def _disclaimer_note(jurisdiction: str | None) -> str:
    emergency = _emergency_number(jurisdiction)
    return (
        "ofacare supports your MS team and never replaces it. This guide explains the medicine "
        "in general; your own plan comes from your neurologist and MS nurse. If something worries "
        f"you, call {CARE_TEAM}. In an emergency, call {emergency}."
    )


def _emergency_number(jurisdiction: str | None) -> str:
    # One list of emergency numbers for every door: lexicon.yaml.
    country = {"UK": "GB", "EU": None}.get(jurisdiction or "", jurisdiction)
    return load_lexicon().emergency_number(country)


def _title(audience: Audience) -> str:
    if audience is Audience.PATIENT:
        return "Kesimpta (ofatumumab): your guide"
    return "Kesimpta (ofatumumab): clinician summary"
