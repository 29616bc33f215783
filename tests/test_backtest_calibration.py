"""The back-test of the crisis scenario on the shipped record stays within the bands the
README states ("Back-test against the 2025–26 blockade"). One 181-day solve (~15 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

import supplynet as sn

README = Path(__file__).resolve().parents[1] / "README.md"
CRISIS = "examples/scenarios/crisis_2025.toml"
#: the bands, as the README states them
BANDS = {
    "bamako_week_calibration": 0.05,
    "bamako_week_held_out": 0.20,
    "mali_month_held_out": 0.15,
    "mali_total_held_out": 0.15,
}
PHRASES = (
    "Bamako's calibration and\nheld-out months within their ranges",
    "Bamako's calibration weeks at most 5% mean |error|\nand its held-out weeks at most 20%",
    "Mali's held-out months at most 15% mean |error| and\nthe held-out total within ±15%",
    "Bamako served better than the regions in both parts",
)


@pytest.fixture(scope="module")
def results() -> dict[str, sn.BacktestResult]:
    net = sn.load_network()
    sc = sn.Scenario.from_file(CRISIS)
    timeline = sn.simulate_supply(net, sc)
    return {
        place: sn.backtest(net, sc, place=place, timeline=timeline) for place in ("bamako", "Mali")
    }


def test_the_readme_states_these_bands() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Back-test against the 2025–26 blockade", 1)[1].split("\n## ", 1)[0]
    flat = " ".join(section.split())
    for phrase in PHRASES:
        assert " ".join(phrase.split()) in flat, phrase


def test_bamako_months_are_within_their_ranges(results) -> None:
    errors = results["bamako"].errors.loc["month"]
    for part in ("calibration", "held-out"):
        assert errors.loc[part, "periods"] >= 1
        assert errors.loc[part, "within_range"] == errors.loc[part, "periods"], part


def test_bamako_weeks_within_the_band(results) -> None:
    errors = results["bamako"].errors.loc["week"]
    assert errors.loc["calibration", "mean_abs_error_share"] <= BANDS["bamako_week_calibration"]
    assert errors.loc["held-out", "mean_abs_error_share"] <= BANDS["bamako_week_held_out"]


def test_mali_held_out_within_the_band(results) -> None:
    errors = results["Mali"].errors
    month = errors.loc[("month", "held-out")]
    assert month["periods"] == 2  # Jan and Feb 2026: the government's figures
    assert month["mean_abs_error_share"] <= BANDS["mali_month_held_out"]
    assert abs(month["total_error_share"]) <= BANDS["mali_total_held_out"]


def test_bamako_was_served_before_the_regions(results) -> None:
    fell = results["bamako"].shortfall
    for part in ("calibration", "held-out"):
        assert fell.loc[(part, "bamako"), "met_share"] > fell.loc[(part, "regions"), "met_share"]
