"""The fhirServer fallback against a real HTTP FHIR server (http.server on 127.0.0.1): missing
prefetch keys are fetched with the bearer token; a server that cannot answer gives 412."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ofacare.interop.cds_hooks import create_cds_app
from tests.interop.cds_hooks.support import (
    ORDER_SIGN,
    PATIENT_VIEW,
    TODAY,
    load,
    on_kesimpta,
    order_sign,
    patient_view,
    running_fhir_server,
    screened_prefetch,
    searchset,
)

TOKEN = "eyJhbGciOiJub25lIn0.test-token"


def auth(server_url):
    return {
        "fhirServer": server_url,
        "fhirAuthorization": {
            "access_token": TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "ofacare-cds",
        },
    }


def test_with_no_prefetch_every_key_is_fetched_with_the_bearer_token(client):
    data = screened_prefetch()
    data["hbsag"] = searchset(load("observation_hbsag_positive"))
    with running_fhir_server(data) as server:
        response = client.post(
            f"/cds-services/{ORDER_SIGN}", json=order_sign(None, **auth(server.url))
        )
    assert response.status_code == 200, response.text
    codes = [c["source"]["topic"]["code"] for c in response.json()["cards"]]
    assert codes == ["finding.hbv-active"]
    assert len(server.requests) == 10
    assert {header for _, header in server.requests} == {f"Bearer {TOKEN}"}
    assert any(path == "/fhir/Patient/pat-1001" for path, _ in server.requests)


def test_only_the_keys_not_prefetched_are_fetched(client):
    data = screened_prefetch()
    prefetch = {key: value for key, value in data.items() if key not in {"igg", "igm"}}
    with running_fhir_server(data) as server:
        body = order_sign(prefetch, **auth(server.url))
        response = client.post(f"/cds-services/{ORDER_SIGN}", json=body)
    assert response.json() == {"cards": []}
    paths = [path for path, _ in server.requests]
    assert len(paths) == 2
    assert any("2465-3" in p for p in paths) and any("2472-9" in p for p in paths)


def test_fetched_data_gives_the_same_cards_as_prefetched_data(client):
    data = screened_prefetch()
    data["hbsag"], data["antihbc"] = searchset(), searchset()
    data["immunizations"]["entry"].append({"resource": load("immunization_mmr_live")})
    prefetched = client.post(f"/cds-services/{ORDER_SIGN}", json=order_sign(data)).json()
    with running_fhir_server(data) as server:
        fetched = client.post(
            f"/cds-services/{ORDER_SIGN}", json=order_sign(None, **auth(server.url))
        ).json()

    def shape(cards):
        return [(c["summary"], c["indicator"], len(c.get("suggestions", []))) for c in cards]

    assert shape(fetched["cards"]) == shape(prefetched["cards"])


def test_a_server_that_refuses_the_token_is_412_naming_the_keys_and_the_status(client):
    with running_fhir_server(screened_prefetch()) as server:
        server.status["Observation"] = 401
        prefetch = {"patient": screened_prefetch()["patient"]}
        response = client.post(
            f"/cds-services/{ORDER_SIGN}", json=order_sign(prefetch, **auth(server.url))
        )
    assert response.status_code == 412
    message = response.json()["error"]["message"]
    assert "'antihbc', 'hbsag'" in message and "HTTP 401" in message


def test_an_unreachable_server_is_412(client):
    with running_fhir_server({}) as server:
        url = server.url
    response = client.post(f"/cds-services/{ORDER_SIGN}", json=order_sign(None, **auth(url)))
    assert response.status_code == 412
    assert "ConnectError" in response.json()["error"]["message"]


def test_a_patient_the_server_does_not_know_is_412(client):
    data = screened_prefetch()
    del data["patient"]
    with running_fhir_server(data) as server:
        response = client.post(
            f"/cds-services/{ORDER_SIGN}", json=order_sign(None, **auth(server.url))
        )
    assert response.status_code == 412
    assert "Patient" in response.json()["error"]["message"]


def test_search_results_on_several_pages_are_all_read(client):
    data = on_kesimpta(screened_prefetch())
    immunizations = data["immunizations"]
    immunizations["entry"].append({"resource": load("immunization_mmr_live")})
    with running_fhir_server(data) as server:
        first = dict(
            immunizations,
            entry=immunizations["entry"][:1],
            link=[{"relation": "next", "url": f"{server.url}/Immunization?page=2"}],
        )
        second = dict(immunizations, entry=immunizations["entry"][1:], link=[])
        server.routes[("Immunization", (("patient", "pat-1001"),))] = first
        server.routes[("Immunization", (("page", "2"),))] = second
        response = client.post(
            f"/cds-services/{PATIENT_VIEW}", json=patient_view(None, **auth(server.url))
        )
    codes = [c["source"]["topic"]["code"] for c in response.json()["cards"]]
    assert codes == ["finding.live-vaccine-on-treatment"]


def test_next_links_to_another_server_are_not_followed_with_the_token(client):
    data = on_kesimpta(screened_prefetch())
    immunizations = data["immunizations"]
    immunizations["link"] = [{"relation": "next", "url": "http://127.0.0.2:9/Immunization?p=2"}]
    with running_fhir_server(data) as server:
        response = client.post(
            f"/cds-services/{PATIENT_VIEW}", json=patient_view(None, **auth(server.url))
        )
    assert response.status_code == 200
    assert len(server.requests) == 10


class BrokenReader:
    """A FhirReader whose server library fails in a way nobody planned for."""

    async def read(self, url, *, token):
        raise RuntimeError("secret connection string in the message")


def test_an_unexpected_failure_is_500_with_a_request_id_and_never_the_exception_text():
    app = create_cds_app(fhir_client=BrokenReader(), clock=lambda: TODAY)
    client = TestClient(app, raise_server_exceptions=False)
    response = client.post(
        f"/cds-services/{ORDER_SIGN}", json=order_sign(None, **auth("http://127.0.0.1:9/fhir"))
    )
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "cds.unexpected" and "request id" in error["message"]
    assert "secret" not in response.text
