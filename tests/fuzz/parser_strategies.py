"""What the parser fuzz tests share: their Hypothesis settings, hostile JSON, and mutation of valid
documents (a good skeleton with a few parts replaced by wrong types, huge or non-finite numbers,
impossible dates, deep nesting or removed fields).

Settings: `parser_settings(ci=N)` runs N examples per test in CI. HYPOTHESIS_PROFILE=long selects
the long profile (LONG_FACTOR times the examples) for a longer run on purpose:

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/fuzz/test_parsers_*.py -q

The settings are applied per test, never loaded globally, so other tests keep their own.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ofacare.errors import OfacareError

F = TypeVar("F", bound=Callable[..., Any])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
LONG_FACTOR = 25
DEADLINE_MS = 5_000
"""A hang guard per input, not a timing assertion: a slow but healthy input takes well under
a second on a loaded 2-core machine; a runaway loop or regex takes forever."""

settings.register_profile(
    "parsers-ci",
    deadline=DEADLINE_MS,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "parsers-long",
    deadline=DEADLINE_MS,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def parser_settings(*, ci: int, suppress: tuple[HealthCheck, ...] = ()) -> Callable[[F], F]:
    """The settings of one fuzz test: `ci` examples in CI, LONG_FACTOR times more when long."""
    long_run = PROFILE == "long"
    base = settings.get_profile("parsers-long" if long_run else "parsers-ci")
    chosen: Callable[[F], F] = settings(
        base,
        max_examples=ci * LONG_FACTOR if long_run else ci,
        suppress_health_check=[*base.suppress_health_check, *suppress],
    )
    return chosen


# --- Hostile values ----------------------------------------------------------------------------

HUGE_INTS = st.sampled_from([2**31, 2**63, 2**64 + 1, -(2**63) - 1, 10**30, -(10**30), 10**400])
ODD_FLOATS = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0])
BAD_DATES = st.sampled_from(
    [
        "0001-01-01", "0001", "9999-12-31", "9999", "2026-02-30", "2025-02-29", "2026-13-01",
        "2026-00-10", "2026-1-5", "26-01-05", "2026/01/05", "05.01.2026", "2026-01-05T25:00:00Z",
        "2026-01-05T10:00:00", "2026-01-05T10:00:00+25:00", "2026-01-05T10:00:00-14:00",
        "+2026-01-05", "2026-01-05\n", "２０２６-０１-０５", "", " ", "tomorrow", "1e9",
    ]
)  # fmt: skip
CONTROL_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn"]),
    max_size=20,
)
ANY_TEXT = st.text(max_size=40) | CONTROL_TEXT
LONG_TEXT = st.builds(
    lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(1_000, 40_000)
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | HUGE_INTS
    | st.floats()
    | ODD_FLOATS
    | ANY_TEXT
    | BAD_DATES
)


class Deep(list[Any]):
    """Nested lists and objects that print as how they were made (a failing example stays short)."""

    def __init__(self, depth: int) -> None:
        value: Any = 1
        for level in range(depth - 1):
            value = [value] if level % 2 else {"x": value}
        super().__init__([value])
        self.depth = depth

    def __repr__(self) -> str:
        return f"Deep({self.depth})"


def deep_nesting(depth: int) -> Any:
    """`depth` lists or objects inside each other, built without recursion."""
    return Deep(depth)


DEEP = st.builds(deep_nesting, st.sampled_from([50, 500, 5_000]))
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
SHALLOW_NASTY = SCALARS | JSON_VALUES | LONG_TEXT | st.just([]) | st.just({})
NASTY = SHALLOW_NASTY | DEEP
DEEP_JSON_TEXT = st.builds(lambda n: "[" * n + "]" * n, st.sampled_from([500, 5_000, 100_000]))
"""Nesting as JSON text, deeper than json.dumps could write."""


# --- Mutation of a valid document --------------------------------------------------------------

Path = tuple[Any, ...]


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every place in a JSON document, as the keys and indexes leading to it."""
    found: list[Path] = [prefix] if prefix else []
    stack = [(value, prefix)]
    while stack:
        node, at = stack.pop()
        children = (
            node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list)
            else ()
        )  # fmt: skip
        for key, child in children:
            found.append((*at, key))
            stack.append((child, (*at, key)))
    return found


def _apply(document: Any, where: Path, action: str, value: Any) -> None:
    parent = document
    for key in where[:-1]:
        parent = parent[key]
    key = where[-1]
    if action == "delete":
        del parent[key]
    elif action == "wrap":
        parent[key] = [parent[key]]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(key, parent[key])  # the same object twice: JSON cannot tell
    else:
        parent[key] = value


@st.composite
def mutated(
    draw: st.DrawFn,
    skeleton: Any,
    *,
    most: int = 3,
    values: st.SearchStrategy[Any] = NASTY,
    at: Callable[[Any], bool] | None = None,
) -> Any:
    """A copy of `skeleton` with 0..`most` places deleted, wrapped, duplicated or replaced.

    With `at`, only places whose current value passes `at` are replaced (by `values`): aim the
    damage at dates, numbers or codes.
    """
    document = copy.deepcopy(skeleton)
    for _ in range(draw(st.integers(0 if at is None else 1, most))):
        places = paths(document)
        if at is not None:
            places = [p for p in places if at(_get(document, p))]
        if not places:
            break
        where = draw(st.sampled_from(places))
        actions = ["replace"] if at else ["delete", "replace", "replace", "wrap", "duplicate"]
        action = draw(st.sampled_from(actions))
        _apply(document, where, action, draw(values) if action == "replace" else None)
    return document


DELETE = object()


def changed(document: Any, where: Path, value: Any) -> Any:
    """A copy of `document` with one place set to `value` (or removed, for DELETE): a pinned
    example of a bug the fuzzing found, so it stays fixed."""
    result = copy.deepcopy(document)
    _apply(result, where, "delete" if value is DELETE else "replace", value)
    return result


def _get(document: Any, where: Path) -> Any:
    for key in where:
        document = document[key]
    return document


def is_date_text(value: Any) -> bool:
    """A string that looks like a FHIR date or dateTime."""
    return isinstance(value, str) and len(value) >= 4 and value[:4].isdigit()


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


EDGE_NUMBERS = HUGE_INTS | ODD_FLOATS | st.sampled_from([0, -1, -0.5, 1e-9])


# --- What a refusal must look like ----------------------------------------------------------------


def assert_names_a_field(error: OfacareError, *fields: str) -> None:
    """The refusal is an ofacare error with a dotted code, a message and a bounded length."""
    assert error.code and "." in error.code, error.code
    assert error.message, error
    assert len(error.message) <= 2_000, f"message of {len(error.message)} characters"
    assert any(field in error.message for field in fields), (fields, error.message)
