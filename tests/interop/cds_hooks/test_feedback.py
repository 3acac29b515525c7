"""`POST /cds-services/{id}/feedback`: accepted and overridden cards are kept; bad feedback is 400."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ofacare.interop.cds_hooks import create_cds_app
from ofacare.interop.cds_hooks.feedback import InMemoryFeedbackStore
from tests.interop.cds_hooks.support import ORDER_SIGN, TODAY, order_sign, screened_prefetch

URL = f"/cds-services/{ORDER_SIGN}/feedback"
WHEN = "2026-11-23T14:05:09Z"


@pytest.fixture
def store():
    return InMemoryFeedbackStore()


@pytest.fixture
def client(store):
    return TestClient(create_cds_app(clock=lambda: TODAY, feedback_store=store))


def missing_hbv_card(client):
    prefetch = screened_prefetch()
    prefetch["hbsag"], prefetch["antihbc"] = None, None
    response = client.post(f"/cds-services/{ORDER_SIGN}", json=order_sign(prefetch))
    return response.json()["cards"][0]


def test_accepting_a_suggestion_of_a_card_is_kept_with_the_suggestion_id(client, store):
    card = missing_hbv_card(client)
    suggestion = card["suggestions"][0]["uuid"]
    item = {
        "card": card["uuid"],
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": suggestion}],
        "outcomeTimestamp": WHEN,
    }
    response = client.post(URL, json={"feedback": [item]})
    assert response.status_code == 200
    [record] = store.list(ORDER_SIGN)
    assert (record.card_uuid, record.outcome, record.accepted_suggestions) == (
        card["uuid"],
        "accepted",
        (suggestion,),
    )
    assert record.outcome_at.isoformat() == "2026-11-23T14:05:09+00:00"


def test_overriding_a_card_keeps_the_reason_and_the_comment(client, store):
    card = missing_hbv_card(client)
    reason = card["overrideReasons"][0]
    item = {
        "card": card["uuid"],
        "outcome": "overridden",
        "outcomeTimestamp": WHEN,
        "overrideReason": {"reason": reason, "userComment": "HBV panel done at the hospital"},
    }
    assert client.post(URL, json={"feedback": [item]}).status_code == 200
    [record] = store.list()
    assert (record.outcome, record.override_code, record.override_display) == (
        "overridden",
        "result-elsewhere",
        "Result available outside this EHR",
    )
    assert record.user_comment == "HBV panel done at the hospital"


def test_several_outcomes_in_one_request_are_all_kept(client, store):
    items = [
        {"card": f"card-{n}", "outcome": "overridden", "outcomeTimestamp": WHEN} for n in range(3)
    ]
    assert client.post(URL, json={"feedback": items}).status_code == 200
    assert [r.card_uuid for r in store.list(ORDER_SIGN)] == ["card-0", "card-1", "card-2"]
    assert store.list("ofatumumab-patient-view") == []


@pytest.mark.parametrize(
    ("feedback", "named"),
    [
        ({"feedback": []}, "feedback"),
        ({}, "feedback"),
        (
            {"feedback": [{"card": "c", "outcome": "ignored", "outcomeTimestamp": WHEN}]},
            "feedback.0.outcome",
        ),
        (
            {"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": WHEN}]},
            "acceptedSuggestions is required",
        ),
        ({"feedback": [{"card": "c", "outcome": "overridden"}]}, "feedback.0.outcomeTimestamp"),
        (
            {
                "feedback": [
                    {
                        "card": "c",
                        "outcome": "overridden",
                        "outcomeTimestamp": "2026-11-23T14:05:09",
                    }
                ]
            },
            "outcomeTimestamp",
        ),
        ({"feedback": [{"outcome": "overridden", "outcomeTimestamp": WHEN}]}, "feedback.0.card"),
        ([], "request body"),
    ],
    ids=[
        "empty",
        "no-feedback",
        "bad-outcome",
        "accepted-without-suggestions",
        "no-timestamp",
        "timestamp-without-zone",
        "no-card",
        "not-an-object",
    ],
)
def test_invalid_feedback_is_400_with_a_message_naming_the_field(client, store, feedback, named):
    response = client.post(URL, json=feedback)
    assert response.status_code == 400
    assert named in response.json()["error"]["message"]
    assert store.list() == []


def test_feedback_for_an_unknown_service_is_404(client):
    item = {"card": "c", "outcome": "overridden", "outcomeTimestamp": WHEN}
    response = client.post("/cds-services/nope/feedback", json={"feedback": [item]})
    assert response.status_code == 404


def test_the_memory_store_keeps_only_the_newest_records():
    store = InMemoryFeedbackStore(max_kept=2)
    client = TestClient(create_cds_app(clock=lambda: TODAY, feedback_store=store))
    for n in range(3):
        item = {"card": f"card-{n}", "outcome": "overridden", "outcomeTimestamp": WHEN}
        client.post(URL, json={"feedback": [item]})
    assert [r.card_uuid for r in store.list()] == ["card-1", "card-2"]
