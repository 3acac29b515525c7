"""Ask over HTTP: any signed-in person, the answer with sources and the knowledge version."""

from __future__ import annotations

from ofacare.knowledge.answer import MAX_QUESTION_CHARS
from tests.people import build_world, signed_in


def test_a_signed_in_person_gets_an_answer_with_its_sources(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["caregiver"])
    answer = client.post(
        "/api/v1/ask", json={"question": "how often do i take kesimpta"}, headers=headers
    )
    assert answer.status_code == 200
    body = answer.json()
    assert not body["abstained"] and body["facts"] and body["urgency"] is None
    assert {"source", "title", "section"} == set(body["citations"][0])
    assert body["knowledge_version"] == runtime.kb.version and body["who_to_call"]


def test_a_red_flag_question_leads_with_its_urgency(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    answer = client.post(
        "/api/v1/ask",
        headers=headers,
        json={"question": "my throat is swelling after my injection", "country": "US"},
    )
    assert answer.json()["urgency"] == "emergency" and "911" in answer.json()["who_to_call"]


def test_an_over_long_question_is_422_naming_the_field(client, runtime):
    world = build_world(runtime)
    headers = signed_in(client, world.emails["patient"])
    answer = client.post(
        "/api/v1/ask", json={"question": "q" * (MAX_QUESTION_CHARS + 1)}, headers=headers
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["message"].startswith("question:")
    empty = client.post("/api/v1/ask", json={"question": " "}, headers=headers)
    assert empty.status_code == 422 and empty.json()["error"]["message"].startswith("question:")


def test_asking_needs_a_sign_in(client, runtime):
    answer = client.post("/api/v1/ask", json={"question": "how often"})
    assert answer.status_code == 401
