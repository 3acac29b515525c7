"""`ofacare simulate`: the JSON contracts, the disclaimer everywhere, and one-line errors."""

from __future__ import annotations

import json

import pytest

from ofacare.cli.main import main

INDIVIDUAL_KEYS = {
    "days", "conc_total_mg_per_l", "conc_free_mg_per_l", "b_cells", "intervals", "days_below",
    "repletion_weeks",
}  # fmt: skip
POPULATION_KEYS = {
    "days", "b_cells", "pct_below_10", "pct_below_40", "conc_total_mg_per_l", "repletion_weeks",
}  # fmt: skip
ABOUT_KEYS = {"disclaimer", "care_team", "parameter_set", "sources", "knowledge_version"}


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["simulate", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_individual_json_has_the_documented_keys_and_daily_series(capsys):
    document = run_json(["individual", "--start", "2026-01-05", "--until-week", "12"], capsys)
    assert set(document) >= INDIVIDUAL_KEYS | ABOUT_KEYS
    assert document["days"] == list(range(85))
    assert len(document["b_cells"]) == len(document["conc_total_mg_per_l"]) == 85
    assert set(document["days_below"]) == {"8", "10", "40"}
    first = document["intervals"][0]
    assert set(first) == {
        "start_day", "end_day", "auc_mg_day_per_l", "cmax_mg_per_l", "ctrough_mg_per_l"
    }  # fmt: skip
    assert (first["start_day"], first["end_day"]) == (0, 7)
    assert document["repletion_weeks"] is None  # dosing continues
    assert "not for choosing or changing a dose" in document["disclaimer"]
    assert "MS nurse" in document["care_team"]


def test_stopping_gives_recovery_weeks_and_taken_dates_are_used(capsys):
    late = ["--taken", "2026-01-05", "--taken", "2026-01-12", "--taken", "2026-01-19",
            "--taken", "2026-02-12"]  # fmt: skip
    on_time = run_json(
        ["individual", "--start", "2026-01-05", "--until-week", "40", "--stop-after-dose", "4"],
        capsys,
    )
    delayed = run_json(
        ["individual", "--start", "2026-01-05", "--until-week", "40", "--stop-after-dose", "4",
         *late],
        capsys,
    )  # fmt: skip
    assert on_time["repletion_weeks"] > 4
    assert [d["day"] for d in delayed["doses"]] == [0, 7, 14, 38]
    assert all(d["taken"] for d in delayed["doses"])
    assert delayed["intervals"][2]["end_day"] == 38


def test_covariates_change_the_answer(capsys):
    light = run_json(["individual", "--start", "2026-01-05", "--until-week", "8",
                      "--weight", "50"], capsys)  # fmt: skip
    heavy = run_json(["individual", "--start", "2026-01-05", "--until-week", "8",
                      "--weight", "110"], capsys)  # fmt: skip
    assert light["intervals"][3]["auc_mg_day_per_l"] > heavy["intervals"][3]["auc_mg_day_per_l"]


def test_population_json_has_the_documented_keys(capsys):
    document = run_json(
        ["population", "--n", "60", "--seed", "3", "--until-week", "30", "--stop-after-dose", "5"],
        capsys,
    )
    assert set(document) >= POPULATION_KEYS | ABOUT_KEYS
    assert set(document["b_cells"]) == {"p5", "p25", "p50", "p75", "p95"}
    assert set(document["conc_total_mg_per_l"]) == {"p5", "p25", "p50", "p75", "p95"}
    assert len(document["pct_below_40"]) == 211
    assert {"median", "p25", "p75"} <= set(document["repletion_weeks"])
    again = run_json(
        ["population", "--n", "60", "--seed", "3", "--until-week", "30", "--stop-after-dose", "5"],
        capsys,
    )
    assert again["b_cells"] == document["b_cells"]


def test_population_while_dosing_continues_has_no_recovery(capsys):
    document = run_json(["population", "--n", "20", "--until-week", "10"], capsys)
    assert document["repletion_weeks"] is None


def test_text_output_ends_with_the_disclaimer_and_who_to_call(capsys):
    assert main(["simulate", "individual", "--start", "2026-01-05", "--until-week", "6"]) == 0
    out = capsys.readouterr().out
    assert "Week by week" in out
    assert "not for choosing or changing" in " ".join(out.split())
    assert "MS nurse" in out


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["individual", "--start", "2026-13-01"], "start"),
        (["individual", "--start", "2026-01-05", "--until-week", "0"], "until-week: 0"),
        (["individual", "--start", "2026-01-05", "--regimen", "weekly"], "regimen: 'weekly'"),
        (["individual", "--start", "2026-01-05", "--weight", "900"], "weight: 900"),
        (["individual", "--start", "2026-01-05", "--baseline-bcells", "-4"], "baseline-bcells"),
        (["individual", "--start", "2026-01-05", "--parameters", "mine"], "parameter set: 'mine'"),
        (["population", "--n", "0"], "n: 0"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(args, named, capsys):
    assert main(["simulate", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ")
    assert named in err
    assert "Traceback" not in err


def test_a_plot_is_written_and_a_bad_format_writes_nothing(tmp_path, capsys):
    chart = tmp_path / "course.png"
    assert main(["simulate", "individual", "--start", "2026-01-05", "--until-week", "8",
                 "--plot", str(chart)]) == 0  # fmt: skip
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = tmp_path / "course.jpg"
    assert main(["simulate", "individual", "--start", "2026-01-05", "--plot", str(wrong)]) == 2
    assert "plot" in capsys.readouterr().err
    assert not wrong.exists()


def test_export_sbml_writes_a_model_that_libroadrunner_agrees_with(tmp_path, capsys):
    target = tmp_path / "model.xml"
    assert main(["simulate", "export-sbml", "-o", str(target), "--until-week", "20"]) == 0
    out = capsys.readouterr().out
    assert target.read_text("utf-8").startswith("<?xml")
    worst = float(out.split("worst relative difference ")[1].split(".\n")[0])
    assert worst < 1e-4
    assert "not for choosing or changing a dose" in out
