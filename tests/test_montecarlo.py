"""Monte Carlo: reproducible across worker counts, right frequencies, every sample exact."""

from __future__ import annotations

import math

import pytest

import supplynet as sn
from supplynet.analysis.interdiction import _cut_scenario
from supplynet.formulations.elements import network_elements

SPEC = {
    "name": "test",
    "attacks": [
        {"target": "dakar-kayes", "probability": 0.3},
        {
            "target": "abidjan-sikasso",
            "probability": 0.4,
            "severity": "factor",
            "value": {"distribution": "uniform", "low": 0.2, "high": 0.8},
        },
        {
            "target": "kidira_diboli",
            "probability": 0.2,
            "severity": "factor",
            "value": {"distribution": "triangular", "low": 0.0, "mode": 0.3, "high": 1.0},
        },
        {
            "target": "kati_bamako",
            "probability": 0.2,
            "severity": "loss",
            "value": {"distribution": "beta", "a": 2.0, "b": 5.0, "high": 0.5},
        },
        {"area": {"center": [-11.43, 14.45], "radius_km": 100}, "probability": 0.1},
    ],
}


def test_same_seed_same_numbers_whatever_the_workers(net) -> None:
    one = sn.monte_carlo(net, SPEC, samples=800, seed=7, workers=1)
    two = sn.monte_carlo(net, SPEC, samples=800, seed=7, workers=2)
    assert two.workers == 2
    assert one.samples.equals(two.samples)
    assert one.stats.equals(two.stats)
    other = sn.monte_carlo(net, SPEC, samples=800, seed=8)
    assert not other.samples.equals(one.samples)


def test_block_frequency_and_threshold(net) -> None:
    spec = {"threshold_share": 0.6, "attacks": [{"target": "abidjan", "probability": 0.3}]}
    res = sn.monte_carlo(net, spec, samples=2000, seed=1)
    full = sn.max_throughput(net).delivered_m3_day
    without = sn.max_throughput(net, sn.Scenario(name="x", blocked_nodes=["abidjan"]))
    cut = without.delivered_m3_day
    assert cut < 0.6 * full  # so the threshold separates the two outcomes
    values = set(res.samples["remaining_m3_day"])
    assert values <= {full, cut}
    share = float((res.samples["remaining_m3_day"] == cut).mean())
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 2000)
    assert res.prob_below_threshold == pytest.approx(share)
    assert res.threshold_m3_day == pytest.approx(0.6 * full)
    assert math.isnan(res.threshold_m3)  # the multi-day threshold, in m3 over a horizon


def test_each_sample_equals_a_fresh_solve(net) -> None:
    spec = {key: SPEC[key] for key in ("name",)} | {"attacks": SPEC["attacks"][:3]}
    res = sn.monte_carlo(net, spec, samples=40, seed=3)
    catalogue = network_elements(net)
    for _, row in res.samples.head(25).iterrows():
        factors = {}
        blocked = []
        for attack in spec["attacks"]:
            value = row[f"attack:{attack['target']}"]
            if value == 0:
                blocked.append(attack["target"])
            elif value != 1:
                factors[attack["target"]] = float(value)
        base = _cut_scenario(catalogue, blocked)
        sc = sn.Scenario(
            name="s",
            blocked_edges=base.blocked_edges,
            blocked_nodes=base.blocked_nodes,
            capacity_factors=factors,
        )
        fresh = sn.max_throughput(net, sc, shortest_routes=False).delivered_m3_day
        assert row["remaining_m3_day"] == pytest.approx(fresh, abs=1e-5)


def test_least_cost_measure_and_files(net, tmp_path) -> None:
    spec = dict(SPEC, measures=["max_flow", "least_cost"])
    res = sn.monte_carlo(net, spec, samples=100, seed=2)
    assert {"remaining_m3_day", "shortfall_m3_day"} <= set(res.stats.index)
    assert (res.samples["shortfall_m3_day"] >= -1e-9).all()
    files = res.files()
    assert set(files) == {"summary.json", "stats.csv", "samples.csv"}


def test_spec_file_with_relative_scenario(tmp_path, net) -> None:
    (tmp_path / "base.toml").write_text('name = "half"\ncapacity_factors = {conakry = 0.5}\n')
    (tmp_path / "mc.toml").write_text(
        'scenario = "base.toml"\nsamples = 50\n[[attacks]]\ntarget = "kouremale"\n'
        "probability = 0.5\n"
    )
    res = sn.monte_carlo(net, tmp_path / "mc.toml")
    assert res.scenario == "half" and len(res.samples) == 50


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"probability": 1.5},
            "attacks.0.probability = 1.5: Input should be less than or equal to 1",
        ),
        ({"probability": -0.1}, "attacks.0.probability = -0.1"),
        ({"probability": "0.5"}, "attacks.0.probability = '0.5': Input should be a valid number"),
        ({"target": "dakar-kays"}, "attacks.0.target: unknown element 'dakar-kays'; did you mean"),
        ({"severity": "factor"}, "a factor attack needs a value"),
        ({"severity": "loss", "value": 1.5}, "a loss must lie between 0 and 1"),
        ({"target": "kidira_diboli", "severity": "loss", "value": 0.2}, "a loss rate needs roads"),
        ({"probabilty": 0.5}, "unknown key 'probabilty'; did you mean 'probability'"),
        ({"severity": "block", "value": 0.5}, "a block has no value"),
        # a value is a number or a distribution table: the error is the one that applies
        (
            {"severity": "factor", "value": {"distribution": "uniform", "low": 0.8, "high": 0.2}},
            r"^attacks\.0\.value: low 0\.8 is above high 0\.2$",
        ),
        (
            {"severity": "factor", "value": {"distribution": "uniforn", "low": 0.2, "high": 0.8}},
            r"^attacks\.0\.value\.distribution = 'uniforn': Input should be 'constant', "
            r"'uniform', 'triangular' or 'beta'; did you mean 'uniform'\?$",
        ),
        (
            {"severity": "factor", "value": "half"},
            r"^attacks\.0\.value = 'half': should be a number or a table \(a distribution\)$",
        ),
        (
            {"severity": "factor", "value": {"distribution": "uniform", "low": 0.2, "hihg": 1}},
            r"^unknown key 'hihg'; did you mean 'high'\?$",
        ),
    ],
)
def test_bad_specs_are_one_line(net, change, message) -> None:
    attack = {"target": "dakar-kayes", "probability": 0.3} | change
    if "probabilty" in change:
        attack.pop("probability")
    with pytest.raises(sn.ScenarioError, match=message):
        sn.monte_carlo(net, {"attacks": [attack]}, samples=10)


def test_an_override_that_is_wrong_is_named_not_the_spec_file(net) -> None:
    with pytest.raises(sn.ScenarioError, match=r"^seed = -1: Input should be greater") as err:
        sn.monte_carlo(net, "examples/montecarlo/jnim_2025.toml", seed=-1, samples=5)
    assert "jnim_2025.toml" not in str(err.value)


def test_zero_samples_and_bad_workers(net) -> None:
    with pytest.raises(
        sn.ScenarioError, match="samples = 0: Input should be greater than or equal to 1"
    ):
        sn.monte_carlo(net, SPEC, samples=0)
    with pytest.raises(sn.ScenarioError, match="workers = 0"):
        sn.monte_carlo(net, SPEC, samples=10, workers=0)
    with pytest.raises(sn.ScenarioError, match=r"no_such\.toml: spec file not found"):
        sn.monte_carlo(net, "no_such.toml")
