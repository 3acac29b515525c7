"""Exposure charts: real PNG and SVG files, words a person can find, and bad input caught first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ofacare.charts.exposure import ChartText, Series, plot_individual, plot_population
from ofacare.errors import InvalidInput

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DAYS = np.linspace(0.0, 168.0, 337)
DOSE_DAYS = [0.0, 7.0, 14.0, 28.0, 56.0, 84.0, 112.0, 140.0]
TEXT = ChartText(
    title="Drug level and B cells over six months",
    caption="The drug level rises after each pen and falls before the next; B cells stay low.",
    disclaimer="Educational picture, not a dosing tool. Ask your MS team.",
    concentration_label="Ofatumumab in blood (mg/L)",
    bcell_label="B cells (cells/µL)",
    threshold_labels={40.0: "Lower limit of normal", 10.0: "Ten cells per microlitre"},
    dose_label="Dose",
)


def sawtooth() -> Series:
    since_dose = DAYS - np.array([max(d for d in DOSE_DAYS if d <= t) for t in DAYS])
    level: Series = 0.5 * np.exp(-since_dose / 10.0)
    return level


def decaying_bcells() -> Series:
    return 200.0 * np.exp(-DAYS / 5.0) + 1.0


def bands(median: Series) -> dict[str, Series]:
    factors = {"p5": 0.3, "p25": 0.7, "p50": 1.0, "p75": 1.4, "p95": 3.0}
    return {key: median * factor for key, factor in factors.items()}


def draw_individual(path: Path, bcells: Series | None = None) -> Path:
    return plot_individual(
        path,
        DAYS,
        total_mg_l=sawtooth(),
        bcells=decaying_bcells() if bcells is None else bcells,
        dose_days=DOSE_DAYS,
        text=TEXT,
    )


def test_individual_chart_is_written_as_a_real_png(tmp_path: Path) -> None:
    path = draw_individual(tmp_path / "course.png")
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 20_000  # a drawn chart, not an empty canvas


def test_svg_carries_the_title_a_threshold_label_and_the_disclaimer(tmp_path: Path) -> None:
    svg = draw_individual(tmp_path / "course.svg").read_text("utf-8")
    assert svg.lstrip().startswith("<?xml")
    assert TEXT.title in svg
    assert "Lower limit of normal" in svg
    assert TEXT.disclaimer in svg


def test_the_suffix_is_read_without_regard_to_case(tmp_path: Path) -> None:
    assert draw_individual(tmp_path / "course.PNG").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize("name", ["course.jpg", "course"])
def test_a_format_other_than_png_or_svg_is_refused_and_nothing_is_written(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        draw_individual(tmp_path / name)
    assert caught.value.code == "input.plot-format"
    assert caught.value.message.startswith("plot:")
    assert name in caught.value.message
    assert "png" in caught.value.hint
    assert "svg" in caught.value.hint
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_refused_with_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "not-there"
    with pytest.raises(InvalidInput) as caught:
        draw_individual(folder / "course.png")
    assert caught.value.code == "input.plot-directory"
    assert str(folder) in caught.value.message
    assert not folder.exists()


def test_zero_and_negative_bcell_counts_still_draw_on_the_log_axis(tmp_path: Path) -> None:
    bcells = decaying_bcells() - 1.0
    bcells[100:] = 0.0
    bcells[200:] = -3.0
    path = draw_individual(tmp_path / "depleted.png", bcells=bcells)
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_series_of_the_wrong_length_are_refused_before_drawing(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        draw_individual(tmp_path / "course.png", bcells=decaying_bcells()[:-1])
    assert caught.value.code == "input.plot-data"
    assert caught.value.message.startswith("bcells:")
    assert list(tmp_path.iterdir()) == []


def test_a_not_a_number_value_is_refused(tmp_path: Path) -> None:
    bcells = decaying_bcells()
    bcells[5] = np.nan
    with pytest.raises(InvalidInput, match="bcells"):
        draw_individual(tmp_path / "course.png", bcells=bcells)


def test_a_threshold_at_or_below_zero_cannot_go_on_a_log_axis() -> None:
    with pytest.raises(InvalidInput) as caught:
        ChartText(
            title="t",
            caption="c",
            disclaimer="d",
            concentration_label="mg/L",
            bcell_label="cells/µL",
            threshold_labels={0.0: "zero"},
            dose_label="Dose",
        )
    assert caught.value.code == "input.plot-threshold"


def test_population_chart_draws_its_bands_and_names_them_in_words(tmp_path: Path) -> None:
    path = plot_population(
        tmp_path / "population.svg",
        DAYS,
        bcell_bands=bands(decaying_bcells()),
        conc_bands=bands(sawtooth()),
        dose_days=DOSE_DAYS,
        text=TEXT,
    )
    svg = path.read_text("utf-8")
    assert "Middle half of simulated people" in svg
    assert "9 in 10 simulated people" in svg
    assert "Median" in svg


def test_population_chart_is_written_as_a_png(tmp_path: Path) -> None:
    path = plot_population(
        tmp_path / "population.png",
        DAYS,
        bcell_bands=bands(decaying_bcells()),
        conc_bands=bands(sawtooth()),
        dose_days=DOSE_DAYS,
        text=TEXT,
    )
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_a_missing_percentile_band_is_named(tmp_path: Path) -> None:
    partial = bands(sawtooth())
    del partial["p75"]
    with pytest.raises(InvalidInput) as caught:
        plot_population(
            tmp_path / "population.png",
            DAYS,
            bcell_bands=bands(decaying_bcells()),
            conc_bands=partial,
            dose_days=DOSE_DAYS,
            text=TEXT,
        )
    assert caught.value.code == "input.plot-bands"
    assert "conc_bands" in caught.value.message
    assert "p75" in caught.value.message
