"""Load and validate the knowledge base files; a broken file fails naming file, id and field."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ofacare.errors import KnowledgeDataError
from ofacare.knowledge.base import KnowledgeBase, ModelData
from ofacare.knowledge.schema import (
    Advice,
    Conflict,
    CovariateDistribution,
    Fact,
    ModelCheck,
    ModelCorrelation,
    ModelParameter,
    ParameterSet,
    Source,
)

SOURCES_FILE = "sources.yaml"

Model = TypeVar("Model", bound=BaseModel)
Entry = TypeVar("Entry")


def load_knowledge(folder: Path | None = None) -> KnowledgeBase:
    """Read every data file in the folder (the packaged data by default) and validate it."""
    root = (
        folder if folder is not None else Path(str(resources.files("ofacare.knowledge") / "data"))
    )
    files = sorted(root.glob("*.yaml"))
    if not any(f.name == SOURCES_FILE for f in files):
        raise KnowledgeDataError("knowledge.no-sources", f"{root} has no {SOURCES_FILE}.")
    digest = hashlib.sha256()
    sources: dict[str, Source] = {}
    facts: dict[str, Fact] = {}
    conflicts: dict[str, Conflict] = {}
    phrasings: dict[str, tuple[str, ...]] = {}
    advice: dict[str, Advice] = {}
    model_entries: dict[str, Any] = {}  # pk-model.yaml entries by id
    origin: dict[str, str] = {}  # fact id -> file name, so every error names its file
    for path in files:
        text = path.read_text(encoding="utf-8")
        digest.update(path.name.encode() + text.encode())
        document = _parse(path, text)
        for source in _entries(path, document, "sources", Source):
            _add_unique(path, sources, source.id, source)
        for fact in _entries(path, document, "facts", Fact):
            _add_unique(path, facts, fact.id, fact)
            origin[fact.id] = path.name
        for conflict in _entries(path, document, "conflicts", Conflict):
            _add_unique(path, conflicts, conflict.id, conflict)
            origin[conflict.id] = path.name
        for entry in _entries(path, document, "advice", Advice):
            _add_unique(path, advice, entry.id, entry)
            origin[entry.id] = path.name
        _model_entries(path, document, model_entries, origin)
        for fact_id, questions in _phrasings(path, document).items():
            phrasings[fact_id] = questions
            origin.setdefault(fact_id, path.name)
    _check_citations(facts.values(), sources, origin)
    _check_conflicts(conflicts.values(), facts, sources, origin)
    for entry in advice.values():
        for fact_id in entry.facts:
            if fact_id not in facts:
                raise KnowledgeDataError(
                    "knowledge.unknown-fact",
                    f"{origin[entry.id]}: advice '{entry.id}', field 'facts': "
                    f"unknown fact '{fact_id}'",
                )
    for fact_id in phrasings:
        if fact_id not in facts:
            raise KnowledgeDataError(
                "knowledge.unknown-fact",
                f"{origin[fact_id]}: phrasings for unknown fact '{fact_id}'",
            )
    model_data = _model_data(model_entries.values(), facts, sources, origin)
    newest = max((f.reviewed_on for f in facts.values()), default=None)
    version = f"{newest.isoformat() if newest else 'empty'}+{digest.hexdigest()[:8]}"
    return KnowledgeBase(
        facts=facts,
        sources=sources,
        version=version,
        conflicts=conflicts,
        phrasings=phrasings,
        advice=advice,
        model=model_data,
    )


@cache
def default_knowledge() -> KnowledgeBase:
    """The packaged knowledge base, loaded once per process."""
    return load_knowledge()


MODEL_SECTIONS: dict[str, type[BaseModel]] = {
    "model_parameters": ModelParameter,
    "model_correlations": ModelCorrelation,
    "covariate_distributions": CovariateDistribution,
    "parameter_sets": ParameterSet,
    "model_checks": ModelCheck,
}


def _model_entries(
    path: Path, document: dict[str, Any], into: dict[str, Any], origin: dict[str, str]
) -> None:
    for key, model in MODEL_SECTIONS.items():
        for item in _entries(path, document, key, model):
            entry_id = str(getattr(item, "id"))  # noqa: B009 - every model section has an id
            _add_unique(path, into, entry_id, item)
            origin[entry_id] = path.name


def _model_data(
    entries: Iterable[Any],
    facts: dict[str, Fact],
    sources: dict[str, Source],
    origin: dict[str, str],
) -> ModelData:
    """Gather the model sections and check every cross-reference, naming file and id."""
    items = list(entries)
    parameters = {p.symbol: p for p in items if isinstance(p, ModelParameter)}

    def fail(entry_id: str, field: str, problem: str) -> KnowledgeDataError:
        return KnowledgeDataError(
            "knowledge.invalid-entry",
            f"{origin[entry_id]}: '{entry_id}', field '{field}': {problem}",
        )

    for item in items:
        for citation in getattr(item, "sources", ()):
            if citation.source not in sources:
                raise fail(item.id, "sources", f"unknown source '{citation.source}'")
        if isinstance(item, ModelCorrelation):
            for symbol in (item.first, item.second):
                if symbol not in parameters:
                    raise fail(item.id, "first/second", f"unknown parameter '{symbol}'")
        if isinstance(item, ParameterSet):
            for symbol in [*item.overrides, *item.variability_overrides]:
                if symbol not in parameters:
                    raise fail(item.id, "overrides", f"unknown parameter '{symbol}'")
        if isinstance(item, ModelCheck):
            for fact_id in item.facts:
                if fact_id not in facts:
                    raise fail(item.id, "facts", f"unknown fact '{fact_id}'")
    _check_one_default([s for s in items if isinstance(s, ParameterSet)])
    return ModelData(
        parameters=parameters,
        correlations=tuple(c for c in items if isinstance(c, ModelCorrelation)),
        covariates={d.covariate: d for d in items if isinstance(d, CovariateDistribution)},
        parameter_sets={s.name: s for s in items if isinstance(s, ParameterSet)},
        checks=tuple(c for c in items if isinstance(c, ModelCheck)),
    )


def _check_one_default(sets: list[ParameterSet]) -> None:
    defaults = [s.name for s in sets if s.default]
    if sets and len(defaults) != 1:
        raise KnowledgeDataError(
            "knowledge.invalid-entry",
            f"parameter_sets: exactly one set must be the default, not {defaults or 'none'}",
        )


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeDataError(
            "knowledge.bad-yaml", f"{path.name}: not valid YAML: {exc}"
        ) from exc
    if not isinstance(document, dict):
        raise KnowledgeDataError(
            "knowledge.bad-file", f"{path.name}: expected a mapping at the top"
        )
    return document


def _phrasings(path: Path, document: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Example questions per fact id: a mapping of id to a list of non-empty strings."""
    raw = document.get("phrasings", {})
    if not isinstance(raw, dict):
        raise KnowledgeDataError(
            "knowledge.bad-file", f"{path.name}: 'phrasings' must map fact ids to lists"
        )
    result: dict[str, tuple[str, ...]] = {}
    for fact_id, questions in raw.items():
        if not isinstance(questions, list) or not all(
            isinstance(q, str) and q.strip() for q in questions
        ):
            raise KnowledgeDataError(
                "knowledge.invalid-entry",
                f"{path.name}: phrasings '{fact_id}', field 'phrasings': "
                "expected a list of non-empty questions",
            )
        result[str(fact_id)] = tuple(q.strip() for q in questions)
    return result


def _entries(path: Path, document: dict[str, Any], key: str, model: type[Model]) -> list[Model]:
    raw = document.get(key, [])
    if not isinstance(raw, list):
        raise KnowledgeDataError("knowledge.bad-file", f"{path.name}: '{key}' must be a list")
    entries = []
    for index, item in enumerate(raw):
        entry_id = item.get("id", f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
        try:
            entries.append(model.model_validate(item))
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(str(part) for part in problem["loc"]) or "(entry)"
            raise KnowledgeDataError(
                "knowledge.invalid-entry",
                f"{path.name}: {key.removesuffix('s')} '{entry_id}', field '{field}': "
                f"{problem['msg']}",
            ) from exc
    return entries


def _add_unique(path: Path, into: dict[str, Entry], entry_id: str, entry: Entry) -> None:
    if entry_id in into:
        raise KnowledgeDataError("knowledge.duplicate-id", f"{path.name}: id '{entry_id}' twice")
    into[entry_id] = entry


def _check_citations(
    facts: Iterable[Fact], sources: dict[str, Source], origin: dict[str, str]
) -> None:
    for fact in facts:
        for citation in fact.sources:
            if citation.source not in sources:
                raise KnowledgeDataError(
                    "knowledge.unknown-source",
                    f"{origin[fact.id]}: fact '{fact.id}', field 'sources': "
                    f"unknown source '{citation.source}'",
                )


def _check_conflicts(
    conflicts: Iterable[Conflict],
    facts: dict[str, Fact],
    sources: dict[str, Source],
    origin: dict[str, str],
) -> None:
    for conflict in conflicts:
        where = f"{origin[conflict.id]}: conflict '{conflict.id}'"
        for claim in conflict.claims:
            if claim.source not in sources:
                raise KnowledgeDataError(
                    "knowledge.unknown-source",
                    f"{where}, field 'claims': unknown source '{claim.source}'",
                )
        for fact_id in conflict.facts:
            if fact_id not in facts:
                raise KnowledgeDataError(
                    "knowledge.unknown-fact",
                    f"{where}, field 'facts': unknown fact '{fact_id}'",
                )
