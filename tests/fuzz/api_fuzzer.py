"""Drive schemathesis over every operation of the app's own /openapi.json, in process, as one
caller, and tally what happened.

Each operation is fuzzed with valid requests (positive) and, where it takes a body or a query,
with invalid ones (negative). Path parameters are drawn from the records the world made as
often as they are generated, and valid requests are sometimes a seed body the clinical rules
accept, so requests reach the handlers' deep code and their 2xx answers, not only 404 and 422.
Every answer is checked against the schema (status, content type, headers, body), for 5xx,
and every error against the one error shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.api_world import FuzzWorld

# A valid request may still be refused by a rule the schema cannot state (a dose in the future,
# a date before the course, an unknown timezone name): 422 is an acceptable answer to one.
# Everything else the check expects by default stays: 2xx, and 401/403/404/409/429.
VALID_REQUEST_STATUSES = ["2xx", "401", "403", "404", "409", "422", "429"]
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": VALID_REQUEST_STATUSES}}}
ERROR_KEYS = {"ok", "error"}
PROBLEM_KEYS = {"code", "message", "hint"}
METHOD_ORDER = {"GET": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 3}


def check_error_shape(ctx: Any, response: Response, case: Case) -> None:
    """Every failed request answers {"ok": false, "error": {"code", "message", "hint"}}."""
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict) and set(body) == ERROR_KEYS, f"not the error shape: {body!r}"
    assert body["ok"] is False, f"an error with ok={body['ok']!r}"
    problem = body["error"]
    assert isinstance(problem, dict) and set(problem) == PROBLEM_KEYS, f"error keys: {problem!r}"
    for key in sorted(PROBLEM_KEYS):
        assert isinstance(problem[key], str), f"error.{key} is not a string: {problem[key]!r}"
    assert problem["code"] and problem["message"], f"an error without code or message: {body!r}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
    check_error_shape,
]


@dataclass
class Tally:
    """What one caller's run did: cases per operation, statuses seen, failures found."""

    caller: str
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def reached(self, label: str, status_class: int) -> bool:
        """Whether the operation ever answered with a status in this hundred (2 for 2xx)."""
        return any(op == label and status // 100 == status_class for op, status in self.statuses)


def load_schema(app: Any) -> BaseSchema:
    """The schema as the app serves it at /openapi.json."""
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


def list_operations(schema: BaseSchema) -> list[APIOperation]:
    """Every operation: reads, then changes, then new records, then deletions, so that a run's
    own writes (a new course, a revoked caregiver, a revoked feed) hide no record from the
    operations that come before them."""
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda op: METHOD_ORDER[op.method.upper()])


def generation_modes(operation: APIOperation) -> list[GenerationMode]:
    """Negative cases need something to break: a body or a query. An unconstrained string in
    the path cannot be made invalid, and schemathesis would search in vain for one."""
    if list(operation.body) or list(operation.query):
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


class CaseSource:
    """Hypothesis strategies for one operation's cases, aimed at the world's records."""

    def __init__(self, operation: APIOperation, world: FuzzWorld) -> None:
        self.operation = operation
        self.world = world
        self.seeds = world.seed_bodies.get((operation.method.upper(), operation.path), ())
        self._cache: dict[tuple[Any, ...], st.SearchStrategy[Case]] = {}

    def strategy(self, mode: GenerationMode) -> st.SearchStrategy[Case]:
        choices = {
            p.name: st.sampled_from((None, *self.world.path_ids[p.name]))
            for p in self.operation.path_parameters
            if p.name in self.world.path_ids
        }
        fixed = st.fixed_dictionaries(choices)
        generated = fixed.flatmap(lambda ids: self._cases(mode, ids, None))
        if mode is GenerationMode.NEGATIVE or not self.seeds:
            return generated
        seeded = st.tuples(fixed, st.integers(0, len(self.seeds) - 1)).flatmap(
            lambda drawn: self._cases(mode, drawn[0], drawn[1])
        )
        return st.one_of(generated, seeded)

    def own_path(self) -> dict[str, str]:
        """The first record of each path parameter: the caller's own patient and its records."""
        return {
            p.name: self.world.path_ids[p.name][0]
            for p in self.operation.path_parameters
            if p.name in self.world.path_ids
        }

    def explicit_cases(self) -> list[Case]:
        """Each seed body (or none) sent to the caller's own records: the deep path runs in
        every run, not only when the dice agree."""
        own = self.own_path()
        if not self.seeds:
            return [] if list(self.operation.body) else [self.operation.Case(path_parameters=own)]
        return [self.operation.Case(path_parameters=own, body=body) for body in self.seeds]

    def _cases(
        self, mode: GenerationMode, ids: dict[str, str | None], seed: int | None
    ) -> st.SearchStrategy[Case]:
        known = {name: value for name, value in ids.items() if value is not None}
        key = (mode, tuple(sorted(known.items())), seed)
        if key not in self._cache:
            extra: dict[str, Any] = {} if seed is None else {"body": self.seeds[seed]}
            self._cache[key] = self.operation.as_strategy(
                generation_mode=mode, path_parameters=known or None, **extra
            )
        return self._cache[key]


def fuzz_operation(
    operation: APIOperation,
    *,
    source: CaseSource,
    client: asgi.ASGIClient,
    headers: dict[str, str],
    examples: int,
    tally: Tally,
) -> None:
    """Run up to `examples` cases per generation mode; record a failure instead of stopping."""
    for mode in generation_modes(operation):

        def send(case: Case) -> None:
            response = case.call(session=client, headers=headers)
            client.cookies.clear()  # a sign-in's cookie must not ride along on later cases
            tally.cases[operation.label] += 1
            tally.statuses[(operation.label, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        test = given(case=source.strategy(mode))(send)
        if mode is GenerationMode.POSITIVE:
            for case in source.explicit_cases():
                test = example(case=case)(test)
        run = settings(
            max_examples=examples,
            deadline=None,  # a slow case is not a failure here; the suite's time budget is
            database=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )(test)
        try:
            run()
        except (Exception, FailureGroup) as error:  # collected: the test reports them all
            tally.failures.append(describe_failure(tally.caller, operation, mode, error))


def describe_failure(
    caller: str, operation: APIOperation, mode: GenerationMode, error: BaseException
) -> str:
    """The operation, what went wrong, and Hypothesis's notes (the case and how to replay it)."""
    notes = "\n".join(getattr(error, "__notes__", []))
    return f"{caller}: {operation.label} ({mode.value})\n{type(error).__name__}: {error}\n{notes}"


def fuzz_schema(
    schema: BaseSchema, *, world: FuzzWorld, headers: dict[str, str], examples: int, caller: str
) -> Tally:
    """Fuzz every operation of the schema as one caller."""
    tally = Tally(caller=caller)
    # One in-process client for the run: schemathesis would otherwise open one per request.
    with asgi.get_client(schema.app) as client:
        for operation in list_operations(schema):
            fuzz_operation(
                operation,
                source=CaseSource(operation, world),
                client=client,
                headers=headers,
                examples=examples,
                tally=tally,
            )
    return tally


def status_table(tallies: list[Tally]) -> Iterator[str]:
    """Lines for the terminal: cases per caller and how the statuses fell."""
    for tally in tallies:
        by_class: Counter[str] = Counter()
        for (_, status), count in tally.statuses.items():
            by_class[f"{status // 100}xx"] += count
        spread = ", ".join(f"{k} {v}" for k, v in sorted(by_class.items()))
        succeeded = sum(tally.reached(label, 2) for label in tally.cases)
        yield (
            f"{tally.caller:>10}: {tally.total:5d} cases over {len(tally.cases)} operations, "
            f"{succeeded} of them answered 2xx ({spread})"
        )
