"""Latency of the CDS Hooks service: order-sign with a full FHIR prefetch, through the ASGI app.

Posts real hook requests with FastAPI's TestClient (HTTP semantics, no network) and prints the
median and 95th percentile per request. The aim is under 100 ms; EHRs wait about 500 ms at most.
Set OFACARE_BENCH_CDS_CALLS to change the number of timed calls (default 300).
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ofacare.interop.cds_hooks import create_cds_app

FIXTURES = Path(__file__).parent.parent / "tests" / "interop" / "cds_hooks" / "fixtures"
TODAY = date(2026, 11, 23)
WARM_UP = 20


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def order_sign_body(prefetch: dict[str, Any]) -> dict[str, Any]:
    return {
        "hook": "order-sign",
        "hookInstance": "0b6c2f1e-5d0e-4a9a-9f43-3c1c8a7d9e10",
        "context": {
            "userId": "Practitioner/prac-12",
            "patientId": "pat-1001",
            "draftOrders": fixture("draft_orders_kesimpta"),
        },
        "prefetch": prefetch,
    }


def scenarios() -> dict[str, tuple[str, dict[str, Any]]]:
    screened = fixture("prefetch_screened")
    with_cards = copy.deepcopy(screened)
    with_cards["immunizations"]["entry"].append({"resource": fixture("immunization_mmr_live")})
    with_cards["hbsag"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": fixture("observation_hbsag_positive")}],
    }
    viewed = copy.deepcopy(screened)
    viewed["medications"]["entry"].append(
        {"resource": fixture("medication_request_kesimpta_active")}
    )
    view_body = {
        "hook": "patient-view",
        "hookInstance": "7d0f",
        "prefetch": viewed,
        "context": {"userId": "Practitioner/prac-12", "patientId": "pat-1001"},
    }
    return {
        "order-sign, full prefetch, 2 cards": (
            "ofatumumab-order-sign",
            order_sign_body(with_cards),
        ),
        "order-sign, full prefetch, no card": ("ofatumumab-order-sign", order_sign_body(screened)),
        "patient-view, full prefetch": ("ofatumumab-patient-view", view_body),
    }


def time_calls(client: TestClient, service: str, body: dict[str, Any], calls: int) -> list[float]:
    for _ in range(WARM_UP):
        client.post(f"/cds-services/{service}", json=body).raise_for_status()
    timings = []
    for _ in range(calls):
        began = time.perf_counter()
        response = client.post(f"/cds-services/{service}", json=body)
        timings.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return timings


def main() -> None:
    calls = int(os.environ.get("OFACARE_BENCH_CDS_CALLS", "300"))
    client = TestClient(create_cds_app(clock=lambda: TODAY))
    print(f"CDS Hooks service: {calls} calls each through the ASGI app (aim: under 100 ms)")
    for name, (service, body) in scenarios().items():
        timings = time_calls(client, service, body, calls)
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"  {name:38s} median {median:6.1f} ms   p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
