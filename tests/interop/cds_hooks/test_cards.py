"""Findings as cards: indicator per severity, summary length, detail, what makes no card."""

from __future__ import annotations

from datetime import date

import pytest

from ofacare.interop.cds_hooks.cards import (
    CardContext,
    build_card,
    build_summary,
    select_findings,
)
from ofacare.interop.cds_hooks.orders import OrderContext
from ofacare.knowledge import default_knowledge
from ofacare.safety.finding import Action, Severity, build_finding

KB = default_knowledge()


def context(hook="order-sign"):
    return CardContext(hook=hook, order=OrderContext("pat-1"), knowledge_version=KB.version)


def finding(advice_id, severity, **values):
    return build_finding(KB, advice_id, severity, rule="test", values=values or None)


@pytest.mark.parametrize(
    ("severity", "indicator"),
    [
        (Severity.DO_NOT_START, "critical"),
        (Severity.REFER, "warning"),
        (Severity.WAIT, "warning"),
        (Severity.CAUTION, "info"),
    ],
)
def test_the_indicator_follows_the_severity(severity, indicator):
    card = build_card(finding("finding.hypersensitivity", severity), context())
    assert card["indicator"] == indicator


def test_a_missing_hbv_screen_is_critical_on_order_sign_and_a_warning_on_patient_view():
    missing = finding("finding.hbv-missing", Severity.WAIT, tests="HBsAg")
    assert build_card(missing, context("order-sign"))["indicator"] == "critical"
    assert build_card(missing, context("patient-view"))["indicator"] == "warning"


def test_info_findings_make_no_card_and_missing_test_findings_need_their_key():
    clear = finding("finding.hbv-clear", Severity.INFO, date=date(2026, 11, 2))
    ig = finding("finding.ig-missing", Severity.WAIT, tests="IgG and IgM")
    assert select_findings([clear, ig], {"igg", "igm"}) == [ig]
    assert select_findings([clear, ig], {"igg"}) == []


def test_a_long_summary_is_cut_at_a_word_boundary_below_140_characters():
    title = "Hepatitis B screening incomplete: " + "anti-HBc and HBsAg and " * 8 + "done"
    summary = build_summary(title)
    assert len(summary) < 140
    assert summary.endswith("…")
    assert title.startswith(summary[:-1])
    assert summary[:-1] == summary[:-1].rstrip() and not summary[:-1].endswith(" and a")


def test_the_detail_carries_the_clinician_message_the_date_the_label_and_the_sources():
    live = build_finding(
        KB,
        "finding.live-vaccine-too-recent",
        Severity.WAIT,
        rule="test",
        values={
            "vaccine": "MMR",
            "date": date(2026, 11, 17),
            "until": date(2026, 12, 15),
            "weeks": 4,
        },
        until=date(2026, 12, 15),
        label="US",
    )
    detail = build_card(live, context())["detail"]
    assert live.clinician_message in detail
    assert "Earliest start: **2026-12-15**." in detail and "Label followed: US." in detail
    assert all(f"- {c.title} §{c.section}" in detail for c in live.citations)
    assert KB.version in detail


def test_tests_ofacare_cannot_order_make_no_suggestion():
    odd = build_finding(
        KB,
        "finding.hbv-missing",
        Severity.WAIT,
        rule="test",
        values={"tests": "HBV DNA"},
        actions=[Action("order-test", "HBV DNA", "Order HBV DNA")],
    )
    card = build_card(odd, context())
    assert "suggestions" not in card and "selectionBehavior" not in card
    assert [r["code"] for r in card["overrideReasons"]] == [
        "benefit-outweighs-risk",
        "record-out-of-date",
        "does-not-apply",
    ]
