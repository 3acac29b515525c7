"""`ofacare triage`: the JSON contract, output that leads with the urgency, one-line errors."""

from __future__ import annotations

import json

import pytest

from ofacare.cli.main import main

JSON_KEYS = {"urgency", "advice", "call", "reasons", "matched", "citations", "knowledge_version"}


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["triage", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_prints_exactly_the_documented_keys(capsys):
    document = run_json(["my lips are swelling", "--country", "US"], capsys)
    assert set(document) == JSON_KEYS
    assert document["urgency"] == "emergency"
    assert document["call"] == "the emergency number 911 now"
    assert document["matched"] == [
        {"symptom": "lips swelling", "fact": "triage.emergency-allergy", "urgency": "emergency"}
    ]
    assert all(set(c) == {"source", "title", "section"} for c in document["citations"])
    assert all(isinstance(r, str) for r in document["reasons"])
    assert document["knowledge_version"]


def test_json_takes_the_injection_context(capsys):
    args = ["fever and chills", "--days-since-injection", "0", "--dose-number", "1"]
    assert run_json(args, capsys)["urgency"] == "self_care"
    later = ["fever and chills", "--days-since-injection", "3", "--dose-number", "1"]
    assert run_json(later, capsys)["urgency"] == "urgent"


def test_the_table_leads_with_the_urgency_and_whom_to_call(capsys):
    assert main(["triage", "cant breathe", "--country", "GB"]) == 0
    out = capsys.readouterr().out
    assert out.index("EMERGENCY") < out.index("Call: the emergency number 999 now")
    assert out.index("Call:") < out.index("Why:") < out.index("Sources:")
    assert "never replaces it" in " ".join(out.split())


@pytest.mark.parametrize(("args", "message"), [
    (["  "], "Error: text: '  ' is empty."),
    (["fever", "--days-since-injection", "-2"], "Error: days_since_injection: -2 is below 0."),
    (["fever", "--dose-number", "0"], "Error: dose_number: 0 is not a dose number."),
    (["fever", "--country", "Germany"], "Error: country: 'Germany' is not a two-letter"),
    (["fever", "--days-since-injection", "two"], "Error: Invalid value for '--days-since-inj"),
])  # fmt: skip
def test_bad_input_is_one_error_line_naming_the_field_with_exit_status_2(args, message, capsys):
    assert main(["triage", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert "Traceback" not in captured.err
