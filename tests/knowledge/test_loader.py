"""The knowledge base loads, is consistent, fails loudly when broken, and covers every cited id.

DESIGN.md, "The knowledge base is the one home of clinical facts": ids are unique, every fact has a
source, every id the code cites exists, and a broken data file names the file, the id and the field.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

import ofacare
from ofacare.errors import KnowledgeDataError, NotFound
from ofacare.knowledge import KnowledgeBase, default_knowledge, load_knowledge

PACKAGE = Path(ofacare.__file__).parent
DATA = PACKAGE / "knowledge" / "data"
CITED_ID = re.compile(
    r"^(dosing|storage|safety|vaccine|pregnancy|injection|efficacy|pharmacology|triage"
    r"|monitoring|screening|finding)\.[a-z0-9-]+$"
)


def raw_documents() -> dict[str, dict[str, Any]]:
    return {path.name: yaml.safe_load(path.read_text("utf-8")) for path in DATA.glob("*.yaml")}


def copy_data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text("utf-8")
    assert old in text, f"{name} no longer holds {old!r}; update this test"
    path.write_text(text.replace(old, new, 1), "utf-8")


def load_error(folder: Path) -> KnowledgeDataError:
    with pytest.raises(KnowledgeDataError) as caught:
        load_knowledge(folder)
    return caught.value


# --- The packaged knowledge base ---------------------------------------------------------------


def test_the_packaged_knowledge_base_loads_with_the_regimen_facts() -> None:
    kb = default_knowledge()
    assert isinstance(kb, KnowledgeBase)
    assert {"dosing.dose-amount", "dosing.maintenance-interval", "storage.refrigerate"} <= set(
        kb.facts
    )
    assert {"us-pi", "eu-smpc", "eu-pil"} <= set(kb.sources)


def test_every_fact_and_source_id_is_unique_across_the_data_files() -> None:
    ids = [
        entry["id"]
        for document in raw_documents().values()
        for key in ("facts", "sources")
        for entry in document.get(key, [])
    ]
    assert ids, "no entries found"
    assert [item for item, seen in Counter(ids).items() if seen > 1] == []


def test_every_fact_has_at_least_one_source() -> None:
    for name, document in raw_documents().items():
        for fact in document.get("facts", []):
            assert fact.get("sources"), f"{name}: fact {fact['id']} has no sources"
    assert all(len(fact.sources) >= 1 for fact in default_knowledge().facts.values())


def test_every_cited_source_exists() -> None:
    kb = default_knowledge()
    missing = {
        (fact.id, citation.source)
        for fact in kb.facts.values()
        for citation in fact.sources
        if citation.source not in kb.sources
    }
    assert missing == set()


def test_every_data_file_opens_with_a_comment_documenting_its_format() -> None:
    for path in DATA.glob("*.yaml"):
        assert path.read_text("utf-8").startswith("# "), path.name
        assert "Format" in path.read_text("utf-8").split("\n\n")[0], path.name


def cited_ids() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        # Audit actions (`action="injection.create"`) name what was done, not a fact.
        actions = {
            id(keyword.value)
            for call in ast.walk(tree)
            if isinstance(call, ast.Call)
            for keyword in call.keywords
            if keyword.arg == "action"
        }
        for node in ast.walk(tree):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and id(node) not in actions and CITED_ID.match(node.value):
                found.add(node.value)
    return found


def test_the_source_scan_finds_the_ids_the_regimen_reads() -> None:
    assert {"dosing.possible-duplicate-gap", "dosing.long-interruption"} <= cited_ids()


def test_every_knowledge_id_the_source_code_cites_exists() -> None:
    kb = default_knowledge()
    assert sorted(cited_ids() - set(kb.facts) - set(kb.advice)) == []


def test_citations_are_short_and_deduplicated() -> None:
    kb = default_knowledge()
    cited = kb.cite(["dosing.dose-amount", "dosing.loading-interval"])
    assert cited[0] == "Kesimpta US Prescribing Information §2.2"
    assert len(cited) == len(set(cited)) == 3


# --- Broken copies of the data fail naming file, id and field ---------------------------------


def test_a_copy_of_the_data_loads_like_the_packaged_data(tmp_path: Path) -> None:
    kb = load_knowledge(copy_data(tmp_path))
    assert set(kb.facts) == set(default_knowledge().facts)


def test_a_duplicate_fact_id_fails_naming_the_file_and_the_id(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    edit(folder, "storage.yaml", "id: storage.warm-up", "id: storage.refrigerate")
    error = load_error(folder)
    assert error.code == "knowledge.duplicate-id"
    assert "storage.yaml" in error.message
    assert "'storage.refrigerate'" in error.message
    assert "id" in error.message.replace("storage.refrigerate", "")


def test_a_fact_id_repeated_in_another_file_fails_naming_the_second_file(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    edit(folder, "storage.yaml", "id: storage.warm-up", "id: dosing.dose-amount")
    error = load_error(folder)
    assert (error.code, "storage.yaml" in error.message) == ("knowledge.duplicate-id", True)
    assert "dosing.dose-amount" in error.message


@pytest.mark.parametrize(
    "replacement",
    ["", "    sources: []\n"],
    ids=["missing", "empty"],
)
def test_a_fact_without_sources_fails_naming_file_id_and_field(
    tmp_path: Path, replacement: str
) -> None:
    folder = copy_data(tmp_path)
    edit(
        folder,
        "storage.yaml",
        "    sources:\n"
        '      - {source: us-pi, section: "2 Administration"}\n'
        '      - {source: eu-pil, section: "7 Instructions for use"}\n',
        replacement,
    )
    error = load_error(folder)
    assert error.code == "knowledge.invalid-entry"
    assert "storage.yaml" in error.message
    assert "'storage.warm-up'" in error.message
    assert "field 'sources'" in error.message


def test_an_unknown_unit_fails_naming_file_id_field_and_value(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    edit(folder, "dosing.yaml", "unit: mg\n", "unit: milligram\n")
    error = load_error(folder)
    assert error.code == "knowledge.invalid-entry"
    assert "dosing.yaml" in error.message
    assert "'dosing.dose-amount'" in error.message
    assert "field 'unit'" in error.message
    assert "milligram" in error.message


def test_a_number_without_a_unit_fails_naming_the_fact(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    edit(folder, "dosing.yaml", "    value: 20\n    unit: mg\n", "    value: 20\n")
    error = load_error(folder)
    assert "dosing.yaml" in error.message and "'dosing.dose-amount'" in error.message


def break_a_citation(tmp_path: Path) -> KnowledgeDataError:
    folder = copy_data(tmp_path)
    edit(
        folder,
        "storage.yaml",
        '{source: us-pi, section: "16.2"}',
        "{source: no-such-label, section: x}",
    )
    return load_error(folder)


def test_an_unknown_source_fails_naming_the_id_the_field_and_the_source(tmp_path: Path) -> None:
    error = break_a_citation(tmp_path)
    assert error.code == "knowledge.unknown-source"
    assert "'storage.refrigerate'" in error.message
    assert "field 'sources'" in error.message
    assert "no-such-label" in error.message


def test_an_unknown_source_fails_naming_the_file(tmp_path: Path) -> None:
    assert "storage.yaml" in break_a_citation(tmp_path).message


def test_malformed_yaml_fails_naming_the_file_and_the_line(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    edit(folder, "storage.yaml", "    topic: storage\n", "    topic: [storage\n")
    error = load_error(folder)
    assert error.code == "knowledge.bad-yaml"
    assert "storage.yaml" in error.message
    assert re.search(r"line \d+", error.message)


def test_a_file_that_is_not_a_mapping_fails_naming_the_file(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    (folder / "extra.yaml").write_text("- just\n- a list\n", "utf-8")
    error = load_error(folder)
    assert (error.code, "extra.yaml" in error.message) == ("knowledge.bad-file", True)


def test_a_folder_without_the_sources_file_fails(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    (folder / "sources.yaml").unlink()
    assert load_error(folder).code == "knowledge.no-sources"


# --- Version ------------------------------------------------------------------------------------


def test_the_version_is_the_same_for_the_same_content(tmp_path: Path) -> None:
    assert load_knowledge(copy_data(tmp_path)).version == default_knowledge().version


def test_the_version_changes_when_the_content_changes(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    before = load_knowledge(folder).version
    edit(folder, "storage.yaml", "in their box", "in their carton")
    assert load_knowledge(folder).version != before


def test_the_version_starts_with_the_newest_review_date() -> None:
    kb = default_knowledge()
    newest = max(fact.reviewed_on for fact in kb.facts.values())
    assert kb.version.startswith(f"{newest.isoformat()}+")


# --- Lookups check units ------------------------------------------------------------------------


def test_number_returns_the_value_in_the_unit_the_code_asks_for() -> None:
    kb = default_knowledge()
    assert kb.number("dosing.dose-amount", "mg") == 20
    assert kb.whole_number("dosing.loading-interval", "day") == 7


@pytest.mark.parametrize(
    ("fact_id", "unit"),
    [
        ("dosing.dose-amount", "mL"),
        ("dosing.missed-dose", "day"),
        ("storage.refrigerate", "celsius"),
    ],
)
def test_number_rejects_another_unit_or_a_fact_without_a_value(fact_id: str, unit: str) -> None:
    with pytest.raises(KnowledgeDataError) as caught:
        default_knowledge().number(fact_id, unit)
    assert caught.value.code == "knowledge.wrong-unit"
    assert fact_id in caught.value.message


def test_whole_number_rejects_a_fraction(tmp_path: Path) -> None:
    folder = copy_data(tmp_path)
    edit(folder, "dosing.yaml", "    value: 7\n    unit: day\n", "    value: 7.5\n    unit: day\n")
    kb = load_knowledge(folder)
    assert kb.number("dosing.loading-interval", "day") == 7.5
    with pytest.raises(KnowledgeDataError) as caught:
        kb.whole_number("dosing.loading-interval", "day")
    assert caught.value.code == "knowledge.not-whole"


def test_bounds_return_a_range_in_its_unit() -> None:
    assert default_knowledge().bounds("storage.refrigerate", "celsius") == (2, 8)


@pytest.mark.parametrize(
    ("fact_id", "unit"),
    [("storage.refrigerate", "fahrenheit"), ("dosing.dose-amount", "mg")],
)
def test_bounds_reject_another_unit_or_a_fact_without_a_range(fact_id: str, unit: str) -> None:
    with pytest.raises(KnowledgeDataError) as caught:
        default_knowledge().bounds(fact_id, unit)
    assert caught.value.code == "knowledge.wrong-unit"


def test_get_fact_raises_not_found_and_find_fact_returns_none_for_an_unknown_id() -> None:
    kb = default_knowledge()
    with pytest.raises(NotFound) as caught:
        kb.get_fact("dosing.no-such-fact")
    assert "dosing.no-such-fact" in caught.value.message
    assert kb.find_fact("dosing.no-such-fact") is None
    assert kb.find_fact("dosing.dose-amount") is kb.get_fact("dosing.dose-amount")
