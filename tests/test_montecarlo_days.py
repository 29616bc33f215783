"""Monte Carlo with the multi-day model: attacks drawn per day, every sample a fresh
simulate_supply, the same numbers on any number of workers, one-line errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_cli import run_cli

import supplynet as sn
from supplynet.analysis.interdiction import _cut_scenario
from supplynet.analysis.montecarlo import draw_attack_days
from supplynet.formulations.elements import network_elements

DAYS = 8
SPEC = {
    "name": "daily",
    "days": DAYS,
    "single_product": True,
    "threshold_days": 5,
    "threshold_share": 0.9,
    "attacks": [
        {"target": "abidjan", "probability": 0.15, "duration_days": 3},
        {
            "target": "dakar-kayes",
            "probability": 0.2,
            "severity": "factor",
            "value": {"distribution": "uniform", "low": 0.0, "high": 0.5},
            "start_day": 2,
        },
        {
            "target": "kati_bamako",
            "probability": 0.2,
            "severity": "loss",
            "value": {"distribution": "beta", "a": 2.0, "b": 3.0},
            "end_day": 6,
            "duration_days": 2,
        },
    ],
}


def _runs(days: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive 1-based days where ``days`` (bool, by day) is true."""
    out: list[tuple[int, int]] = []
    for t in map(int, np.flatnonzero(days)):
        if out and out[-1][1] == t:
            out[-1] = (out[-1][0], t + 1)
        else:
            out.append((t + 1, t + 1))
    return out


def test_same_seed_same_numbers_on_one_and_two_workers(net) -> None:
    one = sn.monte_carlo(net, SPEC, samples=24, seed=5, workers=1)
    two = sn.monte_carlo(net, SPEC, samples=24, seed=5, workers=2)
    assert two.workers == 2 and one.days == DAYS
    assert one.samples.equals(two.samples)
    assert one.stats.equals(two.stats)
    assert not sn.monte_carlo(net, SPEC, samples=24, seed=6).samples.equals(one.samples)


def test_each_sample_equals_a_fresh_simulate_supply(net) -> None:
    res = sn.monte_carlo(net, SPEC, samples=12, seed=3)
    hit, _ = draw_attack_days(sn.MonteCarloSpec.from_dict(SPEC), 12, 3, DAYS)
    catalogue = network_elements(net)
    checked = 0
    for i, row in res.samples.iterrows():
        events = []
        for j, attack in enumerate(SPEC["attacks"]):
            value = float(row[f"attack:{attack['target']}"])
            assert row[f"attack_days:{attack['target']}"] == hit[i, j].sum()
            for first, last in _runs(hit[i, j]):
                window = {"start_day": first, "end_day": last}
                if attack.get("severity", "block") == "block":
                    cut = _cut_scenario(catalogue, [attack["target"]])
                    events.append(window | {"blocked_nodes": cut.blocked_nodes})
                elif attack["severity"] == "factor":
                    events.append(window | {"capacity_factors": {attack["target"]: value}})
                else:
                    events.append(window | {"loss_rate": {attack["target"]: 1 - value}})
        if not events and checked:
            continue
        sc = sn.Scenario.from_dict({"name": "s", "events": events})
        tl = sn.simulate_supply(net, sc, DAYS, single_product=True)
        bamako = tl.node("bamako").loc[("all", "all")]
        assert row["days_of_cover"] == bamako["days_of_cover"], i
        assert row["shortfall_m3"] == pytest.approx(bamako["shortfall_m3"], abs=1e-4), i
        assert row["served_m3"] == pytest.approx(bamako["issued_m3"], abs=1e-4), i
        checked += 1
    assert checked >= 6
    # the statistics and probabilities follow from the samples
    assert res.prob_stockout == pytest.approx(float((res.samples["days_of_cover"] < DAYS).mean()))
    assert res.prob_below_days == pytest.approx(float((res.samples["days_of_cover"] < 5).mean()))
    served = res.baseline["served_m3"]
    assert res.threshold_m3 == pytest.approx(0.9 * served)  # m3 over the horizon
    assert math.isnan(res.threshold_m3_day) and res.summary()["threshold_m3"] == res.threshold_m3
    assert res.stats.loc["days_of_cover", "p50"] == res.samples["days_of_cover"].median()
    assert "first_stockout_day" not in res.stats.index


def test_attack_days_are_drawn_per_day_within_windows_and_last_their_duration() -> None:
    spec = sn.MonteCarloSpec.from_dict(
        {
            "days": 30,
            "attacks": [
                {"target": "a", "probability": 0.1, "start_day": 5, "end_day": 20},
                {"target": "b", "probability": 0.05, "duration_days": 4},
            ],
        }
    )
    n = 4000
    hit, factor = draw_attack_days(spec, n, 11, 30)
    assert hit.shape == (n, 2, 30) and factor.shape == (n, 2)
    inside = hit[:, 0, 4:20]
    assert not hit[:, 0, :4].any() and not hit[:, 0, 20:].any()
    assert abs(inside.mean() - 0.1) < 4 * math.sqrt(0.1 * 0.9 / inside.size)
    # a 4-day attack: held on day t if it started on one of days t-3..t (per day 0.05)
    held = 1 - (1 - 0.05) ** 4
    late = hit[:, 1, 3:]
    assert abs(late.mean() - held) < 4 * math.sqrt(held * (1 - held) / late.size)
    for s in range(300):  # every run of attack days lasts 4 days, unless the horizon cuts it
        for first, last in _runs(hit[s, 1]):
            assert last - first + 1 >= 4 or last == 30, (s, first, last)
    assert np.array_equal(draw_attack_days(spec, n, 11, 30)[0], hit)  # reproducible
    assert (factor == 0).sum() == hit.any(axis=2).sum()  # blocks where it ever hit


def test_a_sweep_runs_a_multi_day_monte_carlo(net, tmp_path) -> None:
    spec = sn.SweepSpec(kind="montecarlo", montecarlo={**SPEC, "samples": 6, "seed": 2})
    res = sn.run_sweep(spec, net)
    assert res.summary["days"] == DAYS and "days_of_cover" in res.table
    direct = sn.monte_carlo(net, SPEC, samples=6, seed=2)
    assert res.table.equals(direct.samples)
    crit = sn.run_sweep(
        sn.SweepSpec(
            kind="criticality",
            days=4,
            single_product=True,
            criticality={"kinds": ["node"]},
        ),
        net,
    )
    assert crit.summary["days"] == 4 and "days_of_cover_change" in crit.table
    pooled = sn.run_sweep(
        sn.SweepSpec(
            kind="criticality", days=4, single_product=True, criticality={"kinds": ["node"]}
        ),
        net,
        workers=2,
    )
    assert pooled.summary["workers"] == 2
    assert pooled.table.drop(columns="solved").equals(crit.table.drop(columns="solved"))
    paths = crit.write(tmp_path / "out")
    assert {p.name for p in paths} == {"results.parquet", "results.csv", "summary.json"}


def test_cli_montecarlo_with_days(capsys, monkeypatch, tmp_path) -> None:
    path = tmp_path / "mc.toml"
    path.write_text(
        'measures = ["max_flow"]\nsamples = 5\nseed = 1\n[[attacks]]\ntarget = "abidjan"\n'
        "probability = 0.2\nduration_days = 2\n",
        encoding="utf-8",
    )
    args = ("montecarlo", str(path), "--days", "5")
    code, out, err = run_cli(capsys, monkeypatch, *args, "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["summary"]["days"] == 5
    assert "instead of max_flow" in doc["summary"]["notes"][0]  # measured multi-day, and said
    assert {r["figure"] for r in doc["stats"]} >= {"days_of_cover", "served_m3"}
    code, out, _ = run_cli(capsys, monkeypatch, "montecarlo", str(path), "--days", "5")
    assert code == 0 and "5 days" in out and "goes short within 5 days" in out
    for bad, message in [("0", "--days 0"), ("4000", "--days 4000")]:
        code, _, err = run_cli(capsys, monkeypatch, "montecarlo", str(path), "--days", bad)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"days": 0}, "days = 0: Input should be greater than or equal to 1"),
        ({"days": 4000}, "days = 4000: Input should be less than or equal to 3650"),
        ({"samples": 0}, "samples = 0: Input should be greater than or equal to 1"),
        ({"attacks": [{"target": "abidjan", "probability": 1.5}]}, "attacks.0.probability = 1.5"),
        (
            {"attacks": [{"target": "abidjn", "probability": 0.5}]},
            "attacks.0.target: unknown element 'abidjn'; did you mean 'abidjan'",
        ),
        (
            {"attacks": [{"target": "abidjan", "probability": 0.5, "end_day": 9}]},
            r"attacks.0.end_day = 9: beyond the horizon \(days 1..8\)",
        ),
        (
            {"attacks": [{"target": "abidjan", "probability": 0.5, "start_day": 4, "end_day": 2}]},
            "start_day 4 is after end_day 2",
        ),
        (
            {"attacks": [{"target": "abidjan", "probability": 0.5, "duration_days": 0}]},
            "attacks.0.duration_days = 0",
        ),
        ({"measures": ["days_of_cover", "max_flow"]}, "cannot be mixed in one run"),
        ({"measures": ["max_flow"]}, "days = 8 is the horizon of the multi-day model"),
    ],
)
def test_bad_specs_are_one_line(net, change, message) -> None:
    spec = {"days": DAYS, "attacks": [{"target": "abidjan", "probability": 0.2}]} | change
    with pytest.raises(sn.ScenarioError, match=message):
        sn.monte_carlo(net, spec, samples=spec.get("samples", 3))


def test_multi_day_keys_without_the_multi_day_model_are_refused(net, tmp_path) -> None:
    attack = {"target": "abidjan", "probability": 0.2, "duration_days": 3}
    with pytest.raises(sn.ScenarioError, match="need the multi-day model"):
        sn.monte_carlo(net, {"attacks": [attack]}, samples=3)
    with pytest.raises(sn.ScenarioError, match="threshold_days and single_product need"):
        sn.monte_carlo(
            net, {"threshold_days": 3, "attacks": [{"target": "abidjan", "probability": 0.2}]}
        )
    path = tmp_path / "sweep.toml"
    path.write_text(
        'kind = "montecarlo"\ndays = 5\n[montecarlo]\nsamples = 3\n[[montecarlo.attacks]]\n'
        'target = "abidjan"\nprobability = 0.2\n',
        encoding="utf-8",
    )
    with pytest.raises(sn.ScenarioError, match=r"gives days in its \[montecarlo\] table"):
        sn.SweepSpec.from_file(path)


def test_a_shorter_days_leaves_out_the_attacks_that_start_after_it(net) -> None:
    spec = {
        **SPEC,
        "attacks": [*SPEC["attacks"], {"target": "conakry", "probability": 0.5, "start_day": 7}],
    }
    full = sn.monte_carlo(net, spec, samples=4, seed=3)
    assert len(full.samples.filter(like="attack_days:").columns) == 4
    short = sn.monte_carlo(net, spec, samples=4, seed=3, days=5)
    assert short.days == 5
    assert any("attacks.3 (start_day 7) left out" in n for n in short.notes)
    assert not any("threshold_days" in n for n in short.notes)  # 5 is within 5 days
    # (the attack on days 1-6 ran: its window was cut to day 5, not refused as beyond it)
    with pytest.raises(sn.ScenarioError, match="every attack starts after the horizon"):
        sn.monte_carlo(
            net,
            {**SPEC, "attacks": [{"target": "conakry", "probability": 0.5, "start_day": 7}]},
            days=5,
        )
    # the spec's own horizon stays strict: an attack starting after it is a mistake
    with pytest.raises(sn.ScenarioError, match=r"attacks\.3\.start_day = 9: beyond the horizon"):
        sn.monte_carlo(
            net,
            {
                **spec,
                "attacks": [
                    *SPEC["attacks"],
                    {"target": "conakry", "probability": 0.5, "start_day": 9},
                ],
            },
        )
    note = sn.monte_carlo(net, {**SPEC, "threshold_days": 7}, samples=2, days=6).notes
    assert any("threshold_days = 7 is beyond the 6-day horizon" in n for n in note)
