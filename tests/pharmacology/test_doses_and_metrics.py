"""Dose histories from the regimen engine, and the metrics read off a course."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ofacare.errors import InvalidInput
from ofacare.pharmacology import metrics
from ofacare.pharmacology.doses import dose_history, parse_regimen
from ofacare.regimen import IntervalMode

START = date(2026, 1, 5)


def test_the_label_regimen_gives_weeks_0_1_2_then_monthly_from_week_4():
    doses = dose_history(START, [], until_day=100)
    assert [d.isoformat() for d in doses.dates] == [
        "2026-01-05", "2026-01-12", "2026-01-19", "2026-02-02", "2026-03-02", "2026-04-02",
    ]  # fmt: skip
    assert doses.history.days.tolist() == [0, 7, 14, 28, 56, 87]
    assert not any(doses.taken)


def test_the_trial_regimen_is_every_28_days():
    doses = dose_history(START, [], until_day=120, interval=IntervalMode.FOUR_WEEKLY)
    assert doses.history.days.tolist() == [0, 7, 14, 28, 56, 84, 112]


def test_a_late_taken_dose_moves_the_planned_ones_after_it():
    taken = [START, date(2026, 1, 12), date(2026, 1, 19), date(2026, 2, 12)]  # dose 4 ten days late
    doses = dose_history(START, taken, until_day=100, interval=IntervalMode.FOUR_WEEKLY)
    assert doses.history.days.tolist() == [0, 7, 14, 38, 66, 94]
    assert doses.taken == (True, True, True, True, False, False)


def test_stop_after_dose_ends_the_course():
    doses = dose_history(START, [], until_day=400, stop_after_dose=5)
    assert doses.history.days.size == 5
    with pytest.raises(InvalidInput, match="stop-after-dose: 0"):
        dose_history(START, [], until_day=400, stop_after_dose=0)
    with pytest.raises(InvalidInput, match="stop-after-dose: 1"):
        dose_history(START, [START, date(2026, 1, 12)], until_day=400, stop_after_dose=1)


def test_an_unknown_regimen_names_the_value():
    assert parse_regimen("Trial") is IntervalMode.FOUR_WEEKLY
    with pytest.raises(InvalidInput, match="regimen: 'weekly'"):
        parse_regimen("weekly")


def test_interval_metrics_use_the_exact_running_auc():
    days = np.arange(0.0, 11.0)
    total = np.array([0, 4, 3, 2, 1, 0, 5, 4, 3, 2, 1], dtype=float)
    auc = np.cumsum(np.r_[0, np.full(10, 2.0)])  # 2 mg*day/L per day, whatever `total` says
    result = metrics.interval_metrics(days, total, auc, np.array([0.0, 5.0]), 10)
    assert [(i.start_day, i.end_day) for i in result] == [(0, 5), (5, 10)]
    assert result[0].auc_mg_day_per_l == 10.0
    assert result[0].cmax_mg_per_l == 4.0
    assert result[0].ctrough_mg_per_l == 0.0
    assert result[1].cmax_mg_per_l == 5.0
    assert result[1].ctrough_mg_per_l == 1.0


def test_first_day_below_and_repletion():
    days = np.arange(0.0, 10.0)
    b = np.array(
        [[200, 100, 30, 5, 5, 5, 20, 45, 60, 80], [200, 150, 120, 100, 90, 80, 70, 60, 50, 45]]
    )
    assert metrics.first_day_below(days, b, 10).tolist()[0] == 3
    assert np.isnan(metrics.first_day_below(days, b, 10)[1])
    weeks = metrics.repletion_weeks(days, b, last_dose_day=4, threshold=40)
    assert weeks[0] == pytest.approx(3 / 7)
    assert weeks[1] == 0.0  # never below the limit at the last dose
    never = metrics.repletion_weeks(days, np.full((1, 10), 5.0), last_dose_day=2, threshold=40)
    assert never[0] == np.inf


def test_half_life_of_an_exponential_fall():
    days = np.arange(0.0, 60.0)
    conc = 3.0 * np.exp(-np.log(2) / 16.0 * days)
    assert metrics.half_life_days(days, conc, 10, 40) == pytest.approx(16.0)
