"""Schemathesis's coverage phase: for every operation, the deterministic cases its schema
implies (each required field left out, each type broken, each string one past its limit, each
enum missed, boundary numbers, the wrong content type), sent as a role that may call it.

The random phase (api_fuzzer) samples; this phase walks the edges, the same ones every run.
"""

from __future__ import annotations

from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi

from tests.fuzz.api_fuzzer import CHECKS, CaseSource, Tally, list_operations
from tests.fuzz.api_world import FuzzWorld

CALLER_ORDER = ("clinician", "patient", "admin", "caregiver")
"""Who sends an operation's coverage cases: the first who may call it (clinicians may call the
most, admins the account routes, patients the few that are theirs alone)."""
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def cover_schema(schema: BaseSchema, *, world: FuzzWorld) -> Tally:
    """Send every coverage case of every operation; collect failures instead of stopping."""
    tally = Tally(caller="coverage")
    with asgi.get_client(schema.app) as client:
        for operation in list_operations(schema):
            source = CaseSource(operation, world)
            headers = _headers(_caller_token(source, client, world))
            generation = schema.config.generation_for(operation=operation)
            cases = schema.iter_coverage_cases(
                operation, generation_modes=MODES, generation_config=generation
            )
            for case in cases:
                _send(_aimed(case, source), client=client, headers=headers, tally=tally)
    return tally


def _caller_token(source: CaseSource, client: asgi.ASGIClient, world: FuzzWorld) -> str:
    """The token of the first role whose well-formed request on its own record is not refused
    (the probe is a real request: it may create a record, as any other case may)."""
    probes = source.explicit_cases()
    for role in CALLER_ORDER if probes else ():
        answer = probes[0].call(session=client, headers=_headers(world.tokens[role]))
        client.cookies.clear()
        if answer.status_code not in {401, 403, 404}:
            return world.tokens[role]
    return world.tokens[CALLER_ORDER[0]]


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _aimed(case: Case, source: CaseSource) -> Case:
    """The case with its path naming the caller's own records (coverage puts "0" there), so
    the body's edges meet the handler, not a 404. Coverage cases keep the path valid."""
    case.path_parameters = {**case.path_parameters, **source.own_path()}
    return case


def _send(case: Case, *, client: asgi.ASGIClient, headers: dict[str, str], tally: Tally) -> None:
    label = case.operation.label
    try:
        response = case.call(session=client, headers=headers)
        client.cookies.clear()
        tally.cases[label] += 1
        tally.statuses[(label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
    except (Exception, FailureGroup) as error:  # collected: the test reports them all
        scenario = case.meta.phase.data.description if case.meta else "coverage"  # type: ignore[union-attr]
        tally.failures.append(f"coverage: {label} ({scenario})\n{type(error).__name__}: {error}")
