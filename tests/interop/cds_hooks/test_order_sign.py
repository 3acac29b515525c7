"""order-sign: real hook requests with FHIR R4 prefetch through the ASGI app (TestClient).

Rules and sources are those of the safety engine (clinical-rules.md PRE-1/CI-1, PRE-2, VAX-1);
these tests pin what an EHR sees: cards, golden files, HTTP statuses for errors.
"""

from __future__ import annotations

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.interop.cds_hooks.support import (
    ORDER_SIGN,
    assert_golden,
    empty_values,
    load,
    order_sign,
    screened_prefetch,
    searchset,
)

URL = f"/cds-services/{ORDER_SIGN}"


def post(client, body):
    return client.post(URL, json=body)


def cards_for(client, prefetch):
    response = post(client, order_sign(prefetch))
    assert response.status_code == 200, response.text
    return response.json()["cards"]


def topics(cards):
    return [(c["source"]["topic"]["code"], c["indicator"]) for c in cards]


def test_a_fully_screened_patient_gets_no_cards(client):
    response = post(client, order_sign(screened_prefetch()))
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_hbsag_positive_gives_one_critical_do_not_start_card_pre1_ci1(client, kb_version):
    prefetch = screened_prefetch()
    prefetch["hbsag"] = searchset(load("observation_hbsag_positive"))
    cards = cards_for(client, prefetch)
    assert topics(cards) == [("finding.hbv-active", "critical")]
    assert "do not start" in cards[0]["summary"].lower()
    assert "Kesimpta US Prescribing Information" in cards[0]["detail"]
    assert cards[0]["source"]["label"] == f"ofacare (knowledge base {kb_version})"
    assert_golden("order_sign_hbsag_positive", cards, kb_version)


@pytest.mark.parametrize("empty", [None, searchset()], ids=["null", "empty-bundle"])
def test_missing_hbsag_and_anti_hbc_give_a_critical_card_that_orders_both(
    client, kb_version, empty
):
    prefetch = screened_prefetch()
    prefetch["hbsag"], prefetch["antihbc"] = empty, empty
    cards = cards_for(client, prefetch)
    assert topics(cards) == [("finding.hbv-missing", "critical")]
    card = cards[0]
    assert card["selectionBehavior"] == "any"
    ordered = [
        action["resource"]["code"]["coding"][0]["code"]
        for suggestion in card["suggestions"]
        for action in suggestion["actions"]
    ]
    assert ordered == ["5196-1", "16933-4"]
    assert_golden("order_sign_hbv_missing", cards, kb_version)


def test_suggested_orders_are_valid_fhir_service_requests_for_the_patient(client):
    prefetch = screened_prefetch()
    prefetch["hbsag"], prefetch["antihbc"], prefetch["liver"] = None, None, None
    cards = cards_for(client, prefetch)
    actions = [a for c in cards for s in c.get("suggestions", []) for a in s["actions"]]
    assert {a["resource"]["code"]["coding"][0]["code"] for a in actions} == {
        "5196-1",
        "16933-4",
        "1742-6",
        "1920-8",
        "6768-6",
        "1975-2",
    }
    for action in actions:
        request = ServiceRequest.model_validate(action["resource"])
        assert action["type"] == "create"
        assert request.status == "draft"
        assert request.subject.reference == "Patient/pat-1001"
        assert request.encounter.reference == "Encounter/enc-77"


def test_live_vaccine_two_weeks_before_the_start_waits_with_the_earliest_date_vax1(
    client, kb_version
):
    prefetch = screened_prefetch()
    prefetch["immunizations"]["entry"].append({"resource": load("immunization_mmr_live")})
    cards = cards_for(client, prefetch)
    live = [c for c in cards if c["source"]["topic"]["code"] == "finding.live-vaccine-too-recent"]
    assert [c["indicator"] for c in live] == ["warning"]
    # MMR on 2026-11-17, first dose planned 2026-12-01: 4 weeks after the vaccine is 2026-12-15.
    assert "2026-12-15" in live[0]["summary"]
    assert "Earliest start: **2026-12-15**" in live[0]["detail"]
    assert_golden("order_sign_live_vaccine", cards, kb_version)


def test_live_vaccine_four_weeks_before_the_start_gives_no_card_vax1(client):
    prefetch = screened_prefetch()
    mmr = load("immunization_mmr_live")
    mmr["occurrenceDateTime"] = "2026-11-03"  # exactly 4 weeks before 2026-12-01
    prefetch["immunizations"]["entry"].append({"resource": mmr})
    assert cards_for(client, prefetch) == []


def test_low_igg_against_the_laboratory_range_gives_a_refer_warning_pre2(client):
    prefetch = screened_prefetch()
    igg = prefetch["igg"]["entry"][0]["resource"]
    igg["valueQuantity"]["value"] = 6.2  # the laboratory's lower limit is 7.0 g/L
    assert topics(cards_for(client, prefetch)) == [("finding.ig-low", "warning")]


def test_another_immunosuppressant_gives_an_info_card_with_the_switching_note_ci8(client):
    prefetch = screened_prefetch()
    aubagio = {
        "resourceType": "MedicationRequest",
        "id": "medrx-aub",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/pat-1001"},
        "medicationCodeableConcept": {"text": "Aubagio 14 mg tablet"},
    }
    prefetch["medications"]["entry"].append({"resource": aubagio})
    cards = cards_for(client, prefetch)
    assert topics(cards) == [("finding.other-immunosuppressants", "info")]
    assert "teriflunomide" in cards[0]["detail"]


def test_an_order_for_another_medicine_gets_no_cards_even_without_prefetch(client):
    response = post(client, order_sign(None, draft="draft_orders_other"))
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_missing_required_prefetch_without_a_fhir_server_is_412_not_a_card(client):
    prefetch = screened_prefetch()
    del prefetch["hbsag"], prefetch["patient"]
    response = post(client, order_sign(prefetch))
    assert response.status_code == 412
    error = response.json()["error"]
    assert error["code"] == "cds.missing-data"
    assert "'hbsag'" in error["message"] and "'patient'" in error["message"]
    assert "no fhirServer" in error["message"]
    assert "cards" not in response.json()


def test_missing_optional_prefetch_drops_the_cards_that_would_claim_a_missing_test(client):
    prefetch = screened_prefetch()
    del prefetch["igg"], prefetch["igm"], prefetch["liver"]
    assert cards_for(client, prefetch) == []


def test_every_card_has_a_short_summary_a_uuid_and_no_empty_field(client):
    prefetch = screened_prefetch()
    for key in ("hbsag", "antihbc", "igg", "igm", "liver", "pregnancy"):
        prefetch[key] = None
    prefetch["immunizations"]["entry"].append({"resource": load("immunization_mmr_live")})
    body = post(client, order_sign(prefetch)).json()
    assert len(body["cards"]) == 5
    for card in body["cards"]:
        assert len(card["summary"]) < 140
        assert card["uuid"] and card["indicator"] in {"info", "warning", "critical"}
        assert all(s["uuid"] for s in card.get("suggestions", []))
    assert empty_values(body) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b["context"].pop("draftOrders"), "context.draftOrders"),
        (lambda b: b["context"].pop("patientId"), "context.patientId"),
        (
            lambda b: b.update(
                fhirAuthorization={
                    "access_token": "t",
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "scope": "patient/*.read",
                    "subject": "cds",
                }
            ),
            "fhirServer",
        ),
        (lambda b: b.update(hook="patient-view"), "hook"),
        (lambda b: b["context"].update(draftOrders={"resourceType": "Patient"}), "draftOrders"),
        (
            lambda b: b["prefetch"]["hbsag"]["entry"][0]["resource"].pop("status"),
            "prefetch.hbsag.entry[0].resource (Observation): field 'status'",
        ),
        (lambda b: b["prefetch"]["patient"].update(birthDate="02/04/1990"), "birthDate"),
    ],
    ids=[
        "no-hookInstance",
        "no-draftOrders",
        "no-patientId",
        "token-without-server",
        "wrong-hook",
        "draftOrders-not-a-bundle",
        "invalid-observation",
        "bad-birthDate",
    ],
)
def test_a_bad_request_body_is_400_with_a_message_naming_the_field(client, change, named):
    body = order_sign(screened_prefetch())
    change(body)
    response = post(client, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert named in error["message"]
    assert set(response.json()) == {"ok", "error"} and set(error) == {"code", "message", "hint"}


def test_a_body_that_is_not_json_is_400(client):
    response = client.post(URL, content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "request body: not valid JSON" in response.json()["error"]["message"]


def test_prefetch_of_another_patient_is_400(client):
    prefetch = screened_prefetch()
    prefetch["patient"]["id"] = "pat-9999"
    response = post(client, order_sign(prefetch))
    assert response.status_code == 400
    assert "Patient/pat-9999" in response.json()["error"]["message"]


def test_an_immunoglobulin_unit_ofacare_cannot_convert_is_422_not_a_guess(client):
    prefetch = screened_prefetch()
    igg = prefetch["igg"]["entry"][0]["resource"]
    igg["valueQuantity"].update(unit="IU/mL", code="[IU]/mL")
    response = post(client, order_sign(prefetch))
    assert response.status_code == 422
    assert "Observation/obs-igg-1 (IgG)" in response.json()["error"]["message"]
