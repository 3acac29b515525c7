"""patient-view: modest monitoring cards for a patient with an active ofatumumab order."""

from __future__ import annotations

from tests.interop.cds_hooks.support import (
    PATIENT_VIEW,
    assert_golden,
    load,
    on_kesimpta,
    patient_view,
    screened_prefetch,
    searchset,
)

URL = f"/cds-services/{PATIENT_VIEW}"


def cards_for(client, prefetch):
    response = client.post(URL, json=patient_view(prefetch))
    assert response.status_code == 200, response.text
    return response.json()["cards"]


def topics(cards):
    return [(c["source"]["topic"]["code"], c["indicator"]) for c in cards]


def test_a_patient_without_an_active_ofatumumab_order_gets_no_cards(client):
    assert cards_for(client, screened_prefetch()) == []


def test_a_patient_not_on_ofatumumab_needs_only_the_medications_key(client):
    prefetch = {"medications": screened_prefetch()["medications"]}
    assert cards_for(client, prefetch) == []


def test_a_screened_patient_on_ofatumumab_gets_no_cards(client):
    assert cards_for(client, on_kesimpta(screened_prefetch())) == []


def test_a_live_vaccine_given_on_treatment_gives_a_warning_vax3(client, kb_version):
    prefetch = on_kesimpta(screened_prefetch())
    prefetch["immunizations"]["entry"].append({"resource": load("immunization_mmr_live")})
    cards = cards_for(client, prefetch)
    assert topics(cards) == [("finding.live-vaccine-on-treatment", "warning")]
    assert "M-M-R II" in cards[0]["detail"]
    assert_golden("patient_view_live_vaccine", cards, kb_version)


def test_a_live_vaccine_before_the_treatment_started_gives_no_card(client):
    prefetch = on_kesimpta(screened_prefetch())
    mmr = load("immunization_mmr_live")
    mmr["occurrenceDateTime"] = "2026-05-01"  # the order starts 2026-06-08
    prefetch["immunizations"]["entry"].append({"resource": mmr})
    assert cards_for(client, prefetch) == []


def test_a_missing_baseline_hbv_screen_is_a_warning_here_not_critical(client):
    prefetch = on_kesimpta(screened_prefetch())
    prefetch["hbsag"], prefetch["antihbc"] = searchset(), searchset()
    cards = cards_for(client, prefetch)
    assert topics(cards) == [("finding.hbv-missing", "warning")]
    assert len(cards[0]["suggestions"]) == 2


def test_a_positive_anti_hbc_on_record_refers_to_hepatology_ci1(client):
    prefetch = on_kesimpta(screened_prefetch())
    antihbc = prefetch["antihbc"]["entry"][0]["resource"]
    antihbc["valueCodeableConcept"] = {"text": "Reactive"}
    antihbc["interpretation"] = []
    assert topics(cards_for(client, prefetch)) == [("finding.hbv-resolved", "warning")]


def test_low_igg_on_treatment_gives_a_warning_warn5(client):
    prefetch = on_kesimpta(screened_prefetch())
    prefetch["igg"]["entry"][0]["resource"]["valueQuantity"]["value"] = 5.1  # lower limit 7.0
    assert topics(cards_for(client, prefetch)) == [("finding.ig-low-on-treatment", "warning")]


def test_missing_medications_prefetch_without_a_fhir_server_is_412(client):
    prefetch = screened_prefetch()
    del prefetch["medications"]
    response = client.post(URL, json=patient_view(prefetch))
    assert response.status_code == 412
    assert "'medications'" in response.json()["error"]["message"]


def test_patient_view_without_a_patient_id_is_400(client):
    body = patient_view(screened_prefetch())
    del body["context"]["patientId"]
    response = client.post(URL, json=body)
    assert response.status_code == 400
    assert "context.patientId" in response.json()["error"]["message"]
