"""Fuzzing the CDS Hooks service end to end: request bodies, prefetch and feedback, over HTTP.

Whatever an EHR sends, the service answers cards (200) or an HTTP error in the one JSON shape
(400 bad body, 404 unknown service, 412 data missing, 422 data ofacare cannot read), never a 500
and never an error dressed up as a card. Cards are well-formed CDS Hooks 2.0 cards. The FHIR
server behind `fhirServer` is one that cannot be reached, so a fetch fails like a real outage.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import parse_qsl

import httpx
from fastapi.testclient import TestClient
from hypothesis import event, example, given
from hypothesis import strategies as st

from ofacare.interop.cds_hooks import create_cds_app
from ofacare.interop.cds_hooks.discovery import PREFETCH
from ofacare.interop.cds_hooks.feedback import InMemoryFeedbackStore
from ofacare.interop.cds_hooks.fetch import FetchFailed, render_query
from tests.fuzz.parser_strategies import (
    BAD_DATES,
    DEEP_JSON_TEXT,
    EDGE_NUMBERS,
    JSON_VALUES,
    SHALLOW_NASTY,
    is_date_text,
    is_number,
    mutated,
    parser_settings,
)
from tests.interop.cds_hooks.support import (
    ORDER_SIGN,
    PATIENT_ID,
    PATIENT_VIEW,
    TODAY,
    on_kesimpta,
    order_sign,
    patient_view,
    screened_prefetch,
)

ERROR_STATUSES = {400, 404, 412, 422}
ODD_SERVERS = [
    "https://ehr.example.org/fhir/", "http://[::1", "https://", "http://exa mple.org/fhir",
    "https://ehr.example.org/fhir?x=1#y", "http://\x00host/fhir", "https://" + "a" * 5000,
    "https://ehr.example.org:99999/fhir", "https://ehr.example.org/\u2028",
]  # fmt: skip
INDICATORS = {"info", "warning", "critical"}
MAX_SUMMARY = 140  # CDS Hooks 2.0: "<140 characters"


def unscreened() -> dict[str, Any]:
    """The screened prefetch with the hepatitis B tests and IgG not done: cards to show."""
    prefetch = screened_prefetch()
    prefetch["hbsag"] = prefetch["antihbc"] = prefetch["igg"] = None
    return prefetch


REQUESTS = {
    ORDER_SIGN: [order_sign(screened_prefetch()), order_sign(unscreened())],
    PATIENT_VIEW: [patient_view(on_kesimpta(screened_prefetch())),
                   patient_view(on_kesimpta(unscreened()))],
}  # fmt: skip
FEEDBACK = {
    "feedback": [
        {
            "card": "0f7c0e0c-2a11-4e51-9d55-5a1d7c0e3b6e",
            "outcome": "overridden",
            "outcomeTimestamp": "2026-11-23T14:05:09Z",
            "overrideReason": {
                "reason": {"system": "https://ofacare.org/override", "code": "done-elsewhere"},
                "userComment": "HBV panel done at the hospital",
            },
        },
        {
            "card": "5a1d7c0e-3b6e-4e51-9d55-0f7c0e0c2a11",
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
            "outcomeTimestamp": "2026-11-23T14:06:00+01:00",
        },
    ]
}


SERVER = "https://ehr.example.org/fhir"
DOWN = FetchFailed("cds.fetch-failed", "ConnectError")


class ScriptedFhirServer:
    """A FhirReader answering each URL as the test scripted it; unknown URLs fail like a server
    that is down. Each example sets `answers`: decoded JSON, None (404), or a FetchFailed."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}

    async def read(self, url: str, *, token: str | None) -> Any:
        answer = self.answers.get(url, DOWN)
        if isinstance(answer, FetchFailed):
            raise answer
        return copy.deepcopy(answer)  # fresh JSON per read, as over HTTP


FHIR_SERVER = ScriptedFhirServer()
STORE = InMemoryFeedbackStore()
CLIENT = TestClient(
    create_cds_app(clock=lambda: TODAY, fhir_client=FHIR_SERVER, feedback_store=STORE),
    raise_server_exceptions=False,
)


def to_body(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


BODIES = {
    service: st.sampled_from(requests).flatmap(
        lambda request: st.one_of(
            mutated(request, most=4, values=SHALLOW_NASTY),
            mutated(request, most=3, values=BAD_DATES, at=is_date_text),
            mutated(request, most=3, values=EDGE_NUMBERS, at=is_number),
        )
    )
    for service, requests in REQUESTS.items()
}
ANY_BODY = st.one_of(
    JSON_VALUES.map(to_body),
    DEEP_JSON_TEXT.map(str.encode),
    st.binary(max_size=300),
)


def assert_error_shape(response: Any) -> None:
    assert response.status_code in ERROR_STATUSES, (response.status_code, response.text[:500])
    body = response.json()
    assert body["ok"] is False and set(body) == {"ok", "error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "hint"}, error
    assert all(isinstance(error[key], str) for key in error), error
    assert "." in error["code"] and error["message"], error
    assert len(error["message"]) <= 2_000, len(error["message"])


def assert_cards(response: Any) -> None:
    body = response.json()
    assert set(body) == {"cards"} and isinstance(body["cards"], list), body
    for card in body["cards"]:
        assert card["uuid"] and card["source"]["label"], card
        assert card["indicator"] in INDICATORS, card
        assert 0 < len(card["summary"]) < MAX_SUMMARY, card["summary"]


def call(service: str, content: bytes) -> None:
    response = CLIENT.post(
        f"/cds-services/{service}", content=content, headers={"content-type": "application/json"}
    )
    event(f"HTTP {response.status_code}")
    FHIR_SERVER.answers = {}
    if response.status_code == 200:
        event("cards" if response.json()["cards"] else "no cards")
        assert_cards(response)
    else:
        assert_error_shape(response)


@parser_settings(ci=120)
@given(service=st.sampled_from(sorted(REQUESTS)), data=st.data())
def test_a_damaged_hook_request_gets_cards_or_an_error_in_the_one_shape(
    service: str, data: st.DataObject
) -> None:
    call(service, to_body(data.draw(BODIES[service])))


@parser_settings(ci=60)
@given(service=st.sampled_from([*sorted(REQUESTS), "no-such-service"]), content=ANY_BODY)
@example(service=ORDER_SIGN, content=b"[" * 100_000 + b"]" * 100_000)  # was a RecursionError (500)
@example(service=ORDER_SIGN, content=to_body({**REQUESTS[ORDER_SIGN][0], "hook": "x" * 5_000}))
def test_any_body_to_any_service_gets_an_answer_never_a_server_error(
    service: str, content: bytes
) -> None:
    call(service, content)


@parser_settings(ci=80)
@given(
    content=st.one_of(
        mutated(FEEDBACK, most=2, values=SHALLOW_NASTY).map(to_body),
        mutated(FEEDBACK, most=2, values=BAD_DATES, at=is_date_text).map(to_body),
        ANY_BODY,
    )
)
def test_feedback_is_kept_whole_or_refused_in_the_one_shape(content: bytes) -> None:
    before = len(STORE.list())
    response = CLIENT.post(
        f"/cds-services/{ORDER_SIGN}/feedback",
        content=content,
        headers={"content-type": "application/json"},
    )
    kept = len(STORE.list()) - before
    event(f"HTTP {response.status_code}")
    FHIR_SERVER.answers = {}
    if response.status_code == 200:
        assert kept == len(json.loads(content)["feedback"]) > 0
    else:
        assert_error_shape(response)
        assert kept == 0


def fetch_url(key: str) -> str:
    """The URL the service fetches a prefetch key from, for the fixture patient."""
    path, _, query = render_query(PREFETCH[key], {"patientId": PATIENT_ID}).partition("?")
    return str(httpx.URL(f"{SERVER}/{path}", params=parse_qsl(query)))


SCREENED = screened_prefetch()
NEXT_PAGE = f"{SERVER}/page-2"
PLAIN_ANSWERS = {fetch_url(key): value for key, value in SCREENED.items()}


def linked_conditions(link: Any) -> dict[str, Any]:
    """The conditions searchset with `link` in place of its links."""
    return {**SCREENED["conditions"], "link": link}


SERVER_VALUES = st.one_of(
    SHALLOW_NASTY,
    st.just({"resourceType": "OperationOutcome", "issue": []}),
    st.just(DOWN),
    st.none(),
)


@st.composite
def server_answers(draw: st.DrawFn) -> dict[str, Any]:
    """What the FHIR server answers for each query: the screened data, a few answers damaged or
    replaced by anything (an outage, a 404, an OperationOutcome), some with a next page."""
    answers = {fetch_url(key): json.loads(json.dumps(value)) for key, value in SCREENED.items()}
    for key in draw(st.lists(st.sampled_from(sorted(SCREENED)), max_size=3, unique=True)):
        url = fetch_url(key)
        if draw(st.booleans()):
            answers[url] = draw(SERVER_VALUES)
        else:
            answers[url] = draw(mutated(answers[url], most=2, values=SHALLOW_NASTY))
    for url in draw(st.lists(st.sampled_from(sorted(answers)), max_size=3, unique=True)):
        if isinstance(answers[url], dict):
            answers[url]["link"] = draw(
                st.just([{"relation": "next", "url": NEXT_PAGE}]) | SHALLOW_NASTY
            )
    answers[NEXT_PAGE] = draw(
        st.just({"resourceType": "Bundle", "link": [{"relation": "next", "url": NEXT_PAGE}]})
        | mutated(SCREENED["conditions"], most=2, values=SHALLOW_NASTY)
    )
    return answers


@parser_settings(ci=80)
@given(
    service=st.sampled_from(sorted(REQUESTS)),
    answers=server_answers(),
    server=st.one_of(*[st.just(SERVER)] * 4, st.sampled_from(ODD_SERVERS)),
)
# Found by fuzzing (each was a 500): a next link that is not a list of objects, a page whose entry
# is not a list, a fhirServer httpx cannot make a URL of.
@example(
    service=ORDER_SIGN,
    answers=PLAIN_ANSWERS | {fetch_url("conditions"): linked_conditions(5)},
    server=SERVER,
)
@example(
    service=ORDER_SIGN,
    answers=PLAIN_ANSWERS | {fetch_url("conditions"): linked_conditions(["x"])},
    server=SERVER,
)
@example(
    service=ORDER_SIGN,
    answers=PLAIN_ANSWERS
    | {
        fetch_url("conditions"): linked_conditions([{"relation": "next", "url": NEXT_PAGE}]),
        NEXT_PAGE: {"resourceType": "Bundle", "entry": 7},
    },
    server=SERVER,
)
@example(service=ORDER_SIGN, answers=PLAIN_ANSWERS, server="http://[::1")
def test_whatever_the_fhir_server_answers_the_hook_gets_cards_or_an_error_in_the_one_shape(
    service: str, answers: dict[str, Any], server: str
) -> None:
    request = json.loads(json.dumps(REQUESTS[service][0]))
    request.pop("prefetch", None)
    if service == PATIENT_VIEW:  # the Kesimpta order comes from the server's medications
        answers[fetch_url("medications")] = on_kesimpta(screened_prefetch())["medications"]
    request["fhirServer"] = server
    request["fhirAuthorization"] = {
        "access_token": "token", "token_type": "Bearer", "expires_in": 300,
        "scope": "patient/*.read", "subject": "ofacare",
    }  # fmt: skip
    FHIR_SERVER.answers = answers
    call(service, to_body(request))
