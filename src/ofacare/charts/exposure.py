"""Draw a simulated course for people: drug level above, B cells below, doses marked, words under.

Arrays and strings in, a PNG or SVG file out, so the charts do not depend on the simulation classes
and every word shown (title, caption, disclaimer, labels) comes from the caller. Figures are built
with `Figure` and the Agg canvas rather than pyplot, so no global figure state leaks between calls.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter
from numpy.typing import NDArray

from ofacare.errors import InvalidInput

Series = NDArray[np.floating[Any]]
Format = Literal["png", "svg"]

FORMATS: dict[str, Format] = {".png": "png", ".svg": "svg"}
PNG_DPI = 150
WIDTH_IN = 8.0
PANELS_IN = 5.6  # both panels with title and axis labels; the wrapped words below add to it
BCELL_FLOOR = 0.1  # a log axis cannot show zero; lower counts are drawn on the floor
BAND_KEYS = ("p5", "p25", "p50", "p75", "p95")
# Words for the shaded bands (5th-95th, 25th-75th percentile, median), kept short enough that
# the key fits in two columns above the top panel.
OUTER_BAND = "9 in 10 simulated people"
INNER_BAND = "Middle half of simulated people"
MEDIAN = "Median (typical simulated person)"
OUTER_ALPHA, INNER_ALPHA = 0.18, 0.4
WEEKS_LABEL = "Weeks"

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
DRUG = "#0072B2"
BCELL = "#D55E00"
DOSE = "#000000"
GUIDE = "#555555"
KEY_GREY = "#333333"
TITLE_PT, LABEL_PT, TICK_PT, LEGEND_PT, CAPTION_PT, DISCLAIMER_PT = 16, 13, 11.5, 10.5, 11.5, 10.5
CAPTION_CHARS, DISCLAIMER_CHARS = 88, 96  # fit the 8-inch width at the sizes above
LINE_SPACING = 1.3


@dataclass(frozen=True, slots=True)
class ChartText:
    """Every word a chart shows; the caller owns them so they carry its sources and language."""

    title: str
    caption: str
    disclaimer: str
    concentration_label: str
    bcell_label: str
    threshold_labels: Mapping[float, str]
    dose_label: str

    def __post_init__(self) -> None:
        for value in self.threshold_labels:
            if not (value > 0 and math.isfinite(value)):
                raise InvalidInput(
                    "input.plot-threshold",
                    f"threshold_labels: {value!r} is not a finite count above zero, and the "
                    "B-cell axis is logarithmic.",
                    "Give each threshold as a positive count in cells/µL.",
                )


def plot_individual(
    path: Path,
    days: Series,
    *,
    total_mg_l: Series,
    bcells: Series,
    dose_days: Sequence[float],
    text: ChartText,
) -> Path:
    """Draw one person's course to `path` (.png or .svg); nothing is written if input is bad."""
    fmt = _check_target(path)
    weeks = _weeks(days)
    _check_series(len(weeks), {"total_mg_l": total_mg_l, "bcells": bcells})
    figure, conc_ax, bcell_ax = _new_figure(text)
    conc_ax.plot(weeks, total_mg_l, color=DRUG, linewidth=2.4)
    shown = _on_log_floor(bcells)
    bcell_ax.plot(weeks, shown, color=BCELL, linewidth=2.4)
    _finish(figure, conc_ax, bcell_ax, text=text, dose_days=dose_days, bcell_top=float(shown.max()))
    _add_key(conc_ax, text.dose_label, bands=False)
    return _save(figure, path, fmt, text)


def plot_population(
    path: Path,
    days: Series,
    *,
    bcell_bands: Mapping[str, Series],
    conc_bands: Mapping[str, Series],
    dose_days: Sequence[float],
    text: ChartText,
) -> Path:
    """Draw a virtual population's spread (bands p5-p95, p25-p75 and the median) to `path`."""
    fmt = _check_target(path)
    weeks = _weeks(days)
    for field, bands in (("bcell_bands", bcell_bands), ("conc_bands", conc_bands)):
        missing = [key for key in BAND_KEYS if key not in bands]
        if missing:
            raise InvalidInput(
                "input.plot-bands",
                f"{field}: the percentile band {missing[0]!r} is missing.",
                f"Give all of {', '.join(BAND_KEYS)}.",
            )
        _check_series(len(weeks), {f"{field}[{key!r}]": bands[key] for key in BAND_KEYS})
    figure, conc_ax, bcell_ax = _new_figure(text)
    _draw_bands(conc_ax, weeks, conc_bands, DRUG)
    shown = {key: _on_log_floor(bcell_bands[key]) for key in BAND_KEYS}
    _draw_bands(bcell_ax, weeks, shown, BCELL)
    top = float(shown["p95"].max())
    _finish(figure, conc_ax, bcell_ax, text=text, dose_days=dose_days, bcell_top=top)
    _add_key(conc_ax, text.dose_label, bands=True)
    return _save(figure, path, fmt, text)


def _check_target(path: Path) -> Format:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        ending = f"ends in '{path.suffix}'" if path.suffix else "has no suffix"
        raise InvalidInput(
            "input.plot-format",
            f"plot: '{path}' {ending}, which is not a chart format.",
            "Name the file with .png (picture) or .svg (scalable drawing) at the end.",
        )
    if not path.parent.is_dir():
        raise InvalidInput(
            "input.plot-directory",
            f"plot: the folder '{path.parent}' for '{path.name}' does not exist.",
            "Create the folder first or choose a file in an existing one.",
        )
    return fmt


def _weeks(days: Series) -> Series:
    values = np.asarray(days, dtype=float)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise InvalidInput(
            "input.plot-data",
            f"days: expected a non-empty list of finite days, got shape {values.shape}.",
            "Pass the simulation's time points in days.",
        )
    return values / 7.0


def _check_series(length: int, series: Mapping[str, Series]) -> None:
    for field, values in series.items():
        shape = np.shape(values)
        if shape != (length,):
            raise InvalidInput(
                "input.plot-data",
                f"{field}: got shape {shape}, but days has {length} time points.",
                "Give one value per time point.",
            )
        if not np.all(np.isfinite(values)):
            raise InvalidInput(
                "input.plot-data",
                f"{field}: holds a value that is not a finite number (NaN or infinity).",
                "Check the simulation output; every time point needs a number.",
            )


def _on_log_floor(values: Series) -> Series:
    """Raise zeros and negatives to the floor so a depleted count still shows on the log axis."""
    floored: Series = np.maximum(np.asarray(values, dtype=float), BCELL_FLOOR)
    return floored


def _new_figure(text: ChartText) -> tuple[Figure, Axes, Axes]:
    """Two panels sharing the weeks axis, with the caption and disclaimer wrapped beneath."""
    caption = textwrap.wrap(text.caption, CAPTION_CHARS)
    disclaimer = textwrap.wrap(text.disclaimer, DISCLAIMER_CHARS)
    caption_pt = LINE_SPACING * len(caption) * CAPTION_PT
    words_pt = caption_pt + LINE_SPACING * len(disclaimer) * DISCLAIMER_PT + 30
    height_in = PANELS_IN + words_pt / 72
    point = 1 / (72 * height_in)  # one point as a fraction of the figure height
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=PNG_DPI)
    FigureCanvasAgg(figure)  # attaches itself; needed for layout and saving without pyplot
    conc_ax, bcell_ax = figure.subplots(2, 1, sharex=True)
    figure.suptitle(text.title, fontsize=TITLE_PT, fontweight="bold")
    caption_top = (words_pt - 8) * point
    figure.text(
        0.03,
        caption_top,
        "\n".join(caption),
        fontsize=CAPTION_PT,
        va="top",
        linespacing=LINE_SPACING,
    )
    figure.text(
        0.03,
        caption_top - (caption_pt + 8) * point,
        "\n".join(disclaimer),
        fontsize=DISCLAIMER_PT,
        style="italic",
        color="#333333",
        va="top",
        linespacing=LINE_SPACING,
    )
    figure.set_layout_engine("tight", rect=(0, words_pt * point, 1, 1))
    return figure, conc_ax, bcell_ax


def _draw_bands(ax: Axes, weeks: Series, bands: Mapping[str, Series], colour: str) -> None:
    ax.fill_between(weeks, bands["p5"], bands["p95"], color=colour, alpha=OUTER_ALPHA, linewidth=0)
    ax.fill_between(weeks, bands["p25"], bands["p75"], color=colour, alpha=INNER_ALPHA, linewidth=0)
    ax.plot(weeks, bands["p50"], color=colour, linewidth=2.4)


def _finish(
    figure: Figure,
    conc_ax: Axes,
    bcell_ax: Axes,
    *,
    text: ChartText,
    dose_days: Sequence[float],
    bcell_top: float,
) -> None:
    _mark_doses(conc_ax, bcell_ax, dose_days)
    conc_ax.set_ylabel(_wrapped_label(text.concentration_label), fontsize=LABEL_PT)
    conc_ax.set_ylim(bottom=0, top=conc_ax.get_ylim()[1] * 1.12)  # headroom for the dose marks
    _draw_thresholds(bcell_ax, text.threshold_labels)
    bcell_ax.set_yscale("log")
    highest = max([bcell_top, *text.threshold_labels.keys()])
    bcell_ax.set_ylim(BCELL_FLOOR, 10 ** math.ceil(math.log10(highest * 2)))
    bcell_ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    bcell_ax.yaxis.set_minor_formatter(NullFormatter())
    bcell_ax.set_ylabel(_wrapped_label(text.bcell_label), fontsize=LABEL_PT)
    bcell_ax.set_xlabel(WEEKS_LABEL, fontsize=LABEL_PT)
    for ax in (conc_ax, bcell_ax):
        ax.tick_params(labelsize=TICK_PT)
        ax.spines[["top", "right"]].set_visible(False)
    figure.align_ylabels([conc_ax, bcell_ax])


def _mark_doses(conc_ax: Axes, bcell_ax: Axes, dose_days: Sequence[float]) -> None:
    """Mark doses with a shape and a line so they read without colour, in both panels."""
    weeks = np.asarray(dose_days, dtype=float) / 7.0
    for ax in (conc_ax, bcell_ax):
        for week in weeks:
            ax.axvline(week, color=GUIDE, linewidth=0.6, alpha=0.5, zorder=0)
    conc_ax.plot(
        weeks,
        np.ones_like(weeks),
        linestyle="none",
        marker="v",
        markersize=8,
        color=DOSE,
        transform=conc_ax.get_xaxis_transform(),
        clip_on=False,
    )


def _add_key(ax: Axes, dose_label: str, *, bands: bool) -> None:
    """One key above the top panel; grey band swatches so it explains both coloured panels."""
    handles: list[Artist] = [
        Line2D([], [], color=DOSE, marker="v", markersize=8, linewidth=0.6, label=dose_label)
    ]
    if bands:
        handles += [
            Line2D([], [], color=KEY_GREY, linewidth=2.4, label=MEDIAN),
            Patch(color=KEY_GREY, alpha=INNER_ALPHA, linewidth=0, label=INNER_BAND),
            Patch(color=KEY_GREY, alpha=OUTER_ALPHA, linewidth=0, label=OUTER_BAND),
        ]
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.04),
        ncols=2,
        fontsize=LEGEND_PT,
        frameon=False,
        borderaxespad=0,
    )


def _draw_thresholds(ax: Axes, labels: Mapping[float, str]) -> None:
    """Dashed line per threshold, named in words above it at the right edge."""
    for value, label in labels.items():
        ax.axhline(value, color=GUIDE, linestyle="--", linewidth=1.3)
        ax.text(
            0.99,
            value * 1.08,
            label,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=LEGEND_PT,
            color="#222222",
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
        )


def _wrapped_label(label: str) -> str:
    return "\n".join(textwrap.wrap(label, 20))


def _save(figure: Figure, path: Path, fmt: Format, text: ChartText) -> Path:
    """Render to memory first, so a failure leaves no half-written file behind."""
    buffer = io.BytesIO()
    # The words also go in as metadata: readable by screen readers and search, unlike SVG paths.
    metadata = {"Title": text.title, "Description": f"{text.caption} {text.disclaimer}"}
    figure.savefig(buffer, format=fmt, dpi=PNG_DPI, metadata=metadata)
    path.write_bytes(buffer.getvalue())
    return path
