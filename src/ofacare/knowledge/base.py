"""The loaded knowledge base: facts and sources by id, and the citations everything carries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ofacare.errors import KnowledgeDataError, NotFound
from ofacare.knowledge.schema import (
    Advice,
    Conflict,
    Covariate,
    CovariateDistribution,
    Fact,
    ModelCheck,
    ModelCorrelation,
    ModelParameter,
    ParameterSet,
    Source,
)


@dataclass(frozen=True, slots=True)
class CitationRef:
    """One cited place: the source's id and title, and the section."""

    source: str
    title: str
    section: str


@dataclass(frozen=True, slots=True, eq=False)
class ModelData:
    """The pharmacology model's numbers (pk-model.yaml): parameters by symbol, the correlation
    blocks, covariate distributions, named parameter sets and the validation checks."""

    parameters: Mapping[str, ModelParameter] = field(default_factory=dict)
    correlations: tuple[ModelCorrelation, ...] = ()
    covariates: Mapping[Covariate, CovariateDistribution] = field(default_factory=dict)
    parameter_sets: Mapping[str, ParameterSet] = field(default_factory=dict)
    checks: tuple[ModelCheck, ...] = ()

    def parameter(self, symbol: str) -> ModelParameter:
        found = self.parameters.get(symbol)
        if found is None:
            raise NotFound(
                "knowledge.unknown-parameter",
                f"model parameter: '{symbol}' is not in the knowledge base.",
                "Add it to knowledge/data/pk-model.yaml.",
            )
        return found

    @property
    def default_set(self) -> str:
        """The name of the parameter set simulations use unless told otherwise."""
        return next(s.name for s in self.parameter_sets.values() if s.default)

    def parameter_set(self, name: str) -> ParameterSet:
        found = self.parameter_sets.get(name)
        if found is None:
            names = ", ".join(sorted(self.parameter_sets))
            raise NotFound(
                "knowledge.unknown-parameter-set",
                f"parameter set: '{name}' is not known.",
                f"Use one of: {names}.",
            )
        return found


@dataclass(frozen=True, slots=True, eq=False)
class KnowledgeBase:
    """Every clinical fact ofacare uses, with its sources; looked up by stable id."""

    facts: Mapping[str, Fact]
    sources: Mapping[str, Source]
    version: str
    conflicts: Mapping[str, Conflict]
    phrasings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Example questions each fact answers (phrasings.yaml): retrieval text, never answer text."""
    advice: Mapping[str, Advice] = field(default_factory=dict)
    """The words of safety findings (findings.yaml), by id."""
    model: ModelData = field(default_factory=ModelData)
    """The pharmacology model's parameters and checks (pk-model.yaml)."""

    def get_advice(self, advice_id: str) -> Advice:
        """Return the finding texts with this id; raise NotFound for an unknown id."""
        found = self.advice.get(advice_id)
        if found is None:
            raise NotFound(
                "knowledge.unknown-advice",
                f"advice id: '{advice_id}' is not in the knowledge base.",
                "Add it to knowledge/data/findings.yaml.",
            )
        return found

    def get_fact(self, fact_id: str) -> Fact:
        """Return the fact with this id; raise NotFound for an unknown id."""
        fact = self.facts.get(fact_id)
        if fact is None:
            raise NotFound(
                "knowledge.unknown-fact",
                f"fact id: '{fact_id}' is not in the knowledge base.",
                "List the ids with `ofacare facts`.",
            )
        return fact

    def find_fact(self, fact_id: str) -> Fact | None:
        return self.facts.get(fact_id)

    def number(self, fact_id: str, unit: str) -> float:
        """Return a fact's value, checking it is stated in the unit the caller works in."""
        fact = self.get_fact(fact_id)
        if fact.value is None or fact.unit != unit:
            raise KnowledgeDataError(
                "knowledge.wrong-unit",
                f"Fact '{fact_id}' holds {fact.value} {fact.unit}; the code reads it in {unit}.",
            )
        return fact.value

    def whole_number(self, fact_id: str, unit: str) -> int:
        value = self.number(fact_id, unit)
        if not value.is_integer():
            raise KnowledgeDataError(
                "knowledge.not-whole",
                f"Fact '{fact_id}' holds {value} {unit}; the code needs a whole number.",
            )
        return int(value)

    def bounds(self, fact_id: str, unit: str) -> tuple[float, float]:
        """Return a range fact's (low, high) in the given unit."""
        fact = self.get_fact(fact_id)
        if fact.range is None or fact.unit != unit:
            raise KnowledgeDataError(
                "knowledge.wrong-unit",
                f"Fact '{fact_id}' is not a range in {unit}.",
            )
        return fact.range.low, fact.range.high

    def statement(self, fact_id: str) -> str:
        return self.get_fact(fact_id).statement

    def citations(self, fact_ids: Iterable[str]) -> list[CitationRef]:
        """Return each (source, section) the facts cite once, in order of first citation."""
        seen: dict[tuple[str, str], CitationRef] = {}
        for fact_id in fact_ids:
            for cited in self.get_fact(fact_id).sources:
                title = self.sources[cited.source].title
                seen.setdefault(
                    (cited.source, cited.section), CitationRef(cited.source, title, cited.section)
                )
        return list(seen.values())

    def cite(self, fact_ids: Iterable[str]) -> list[str]:
        """Return one citation per source, its sections joined ('Kesimpta US PI §2.2, §16.2')."""
        sections: dict[str, list[str]] = {}
        for ref in self.citations(fact_ids):
            sections.setdefault(ref.source, []).append(ref.section)
        return [
            f"{self.sources[source].title} " + ", ".join(f"§{s}" for s in cited)
            for source, cited in sections.items()
        ]
