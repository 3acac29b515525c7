"""Shared pieces of the CDS Hooks tests: fixtures on disk, hook requests, golden cards, and a small
real FHIR server (a threaded http.server) for the fetch fallback."""

from __future__ import annotations

import copy
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ofacare.interop.cds_hooks.discovery import PREFETCH
from ofacare.interop.cds_hooks.fetch import render_query

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
TODAY = date(2026, 11, 23)
PATIENT_ID = "pat-1001"
ORDER_SIGN = "ofatumumab-order-sign"
PATIENT_VIEW = "ofatumumab-patient-view"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def load(name: str) -> Any:
    """A fixture, fresh each time (tests may change it)."""
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def screened_prefetch() -> dict[str, Any]:
    """The prefetch of a fully screened US patient with RRMS: every test done and negative."""
    return copy.deepcopy(load("prefetch_screened"))


def searchset(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }


def order_sign(
    prefetch: dict[str, Any] | None, *, draft: str = "draft_orders_kesimpta", **extra: Any
) -> dict[str, Any]:
    """An order-sign request body for the fixture patient."""
    body: dict[str, Any] = {
        "hook": "order-sign",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {
            "userId": "Practitioner/prac-12",
            "patientId": PATIENT_ID,
            "encounterId": "enc-77",
            "draftOrders": load(draft),
        },
        **extra,
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def patient_view(prefetch: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    """A patient-view request body for the fixture patient."""
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "5a1d7c0e-3b6e-4e51-9d55-0f7c0e0c2a11",
        "context": {"userId": "Practitioner/prac-12", "patientId": PATIENT_ID},
        **extra,
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def on_kesimpta(prefetch: dict[str, Any]) -> dict[str, Any]:
    """The prefetch with an active Kesimpta order among the medications."""
    prefetch["medications"]["entry"].append(
        {"resource": load("medication_request_kesimpta_active")}
    )
    return prefetch


def normalise(cards: list[dict[str, Any]], version: str) -> list[dict[str, Any]]:
    """Cards with uuids and the knowledge-base version replaced, for golden files."""
    text = UUID.sub("<uuid>", json.dumps(cards, ensure_ascii=False)).replace(version, "<kb>")
    result: list[dict[str, Any]] = json.loads(text)
    return result


def assert_golden(name: str, cards: list[dict[str, Any]], version: str) -> None:
    """Compare with golden/NAME.json; OFACARE_UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / f"{name}.json"
    actual = normalise(cards, version)
    if os.environ.get("OFACARE_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert actual == json.loads(path.read_text("utf-8"))


def empty_values(value: Any, where: str = "$") -> list[str]:
    """Every place holding null, "", [] or {} (the specification allows none but cards: [])."""
    if value is None or (isinstance(value, str | list | dict) and len(value) == 0):
        return [where]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in empty_values(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in empty_values(v, f"{where}[{i}]")]
    return []


@dataclass
class FhirServer:
    """A real HTTP FHIR server on 127.0.0.1 answering the prefetch queries from fixture data."""

    routes: dict[tuple[str, tuple[tuple[str, str], ...]], Any]
    url: str = ""
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)
    """Answer these paths (first segment, e.g. 'Observation') with this HTTP status instead."""

    def answer(self, raw_path: str, auth: str | None) -> tuple[int, Any]:
        self.requests.append((raw_path, auth))
        parts = urlsplit(raw_path)
        path = parts.path.removeprefix("/fhir/")
        if path.split("/")[0] in self.status:
            return self.status[path.split("/")[0]], {"resourceType": "OperationOutcome"}
        key = (path, tuple(sorted(parse_qsl(parts.query))))
        if key not in self.routes:
            return 404, {"resourceType": "OperationOutcome"}
        return 200, self.routes[key]


def fhir_routes(prefetch: dict[str, Any]) -> dict[tuple[str, tuple[tuple[str, str], ...]], Any]:
    """The server's answers: each prefetch template, filled in, serves that key's fixture data."""
    routes = {}
    for key, template in PREFETCH.items():
        if key in prefetch:
            path, _, query = render_query(template, {"patientId": PATIENT_ID}).partition("?")
            routes[(path.replace("%20", " "), tuple(sorted(parse_qsl(query))))] = prefetch[key]
    return routes


@contextmanager
def running_fhir_server(prefetch: dict[str, Any]) -> Iterator[FhirServer]:
    """Serve the prefetch data over HTTP at <url>/fhir until the block ends."""
    server_state = FhirServer(routes=fhir_routes(prefetch))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = server_state.answer(self.path, self.headers.get("Authorization"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}/fhir"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
