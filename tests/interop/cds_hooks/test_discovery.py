"""`GET /cds-services`: the services, their hooks and prefetch templates (codes.md section 4)."""

from __future__ import annotations

import re

from tests.interop.cds_hooks.support import ORDER_SIGN, PATIENT_VIEW, empty_values

KEYS = {
    "patient",
    "conditions",
    "hbsag",
    "antihbc",
    "igg",
    "igm",
    "liver",
    "pregnancy",
    "immunizations",
    "medications",
}


def test_discovery_lists_an_order_sign_and_a_patient_view_service(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    services = {s["id"]: s for s in response.json()["services"]}
    assert {sid: s["hook"] for sid, s in services.items()} == {
        ORDER_SIGN: "order-sign",
        PATIENT_VIEW: "patient-view",
    }
    for service in services.values():
        assert service["title"] and service["description"]


def test_each_service_asks_for_the_ten_prefetch_keys_of_codes_md(client):
    for service in client.get("/cds-services").json()["services"]:
        assert set(service["prefetch"]) == KEYS
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert service["prefetch"]["hbsag"] == (
            "Observation?patient={{context.patientId}}&code=http://loinc.org|5196-1"
            "&_sort=-date&_count=1"
        )


def test_observation_templates_use_one_loinc_code_each_to_stay_in_the_prefetch_subset(client):
    service = client.get("/cds-services").json()["services"][0]
    codes = {
        key: re.findall(r"code=http://loinc.org\|([0-9-]+)(,|&|$)", query)
        for key, query in service["prefetch"].items()
        if query.startswith("Observation?")
    }
    assert {key: [c for c, _ in found] for key, found in codes.items()} == {
        "hbsag": ["5196-1"],
        "antihbc": ["16933-4"],
        "igg": ["2465-3"],
        "igm": ["2472-9"],
        "liver": ["1742-6"],
        "pregnancy": ["2118-8"],
    }
    assert all(sep != "," for found in codes.values() for _, sep in found)


def test_the_discovery_document_holds_no_null_or_empty_value(client):
    assert empty_values(client.get("/cds-services").json()) == []


def test_a_service_url_is_the_base_url_plus_its_id(client):
    for service in client.get("/cds-services").json()["services"]:
        response = client.post(f"/cds-services/{service['id']}", json={})
        assert response.status_code == 400  # the service exists and reads the body
    assert client.post("/cds-services/no-such-service", json={}).status_code == 404
