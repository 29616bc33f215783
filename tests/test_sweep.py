"""Sweeps: grids equal fresh solves; outputs whole or not at all; Dask clusters, real ones.

The Dask tests start a real ``distributed.LocalCluster``, and a ``dask scheduler`` with
``dask worker`` processes on 127.0.0.1 (bounded by timeouts, always stopped).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import supplynet as sn
from supplynet.analysis.executors import DaskExecutor

MC_SWEEP = {
    "kind": "montecarlo",
    "name": "mc",
    "montecarlo": {
        "samples": 3000,
        "seed": 5,
        "attacks": [
            {
                "target": "dakar-kayes",
                "probability": 0.5,
                "severity": "factor",
                "value": {"distribution": "uniform", "low": 0.0, "high": 1.0},
            },
            {
                "target": "abidjan-sikasso",
                "probability": 0.5,
                "severity": "factor",
                "value": {"distribution": "uniform", "low": 0.0, "high": 1.0},
            },
            {"target": "kati_bamako", "probability": 0.3},
        ],
    },
}


def test_grid_equals_fresh_solves(net, tmp_path) -> None:
    spec = sn.SweepSpec(
        kind="grid",
        measures=["max_flow", "least_cost"],
        grid={
            "kidira_diboli": {"limit_m3_day": [0, 300, 900]},
            "conakry": {"factor": [1.0, 2.0]},
        },
    )
    res = sn.run_sweep(spec, net)
    assert len(res.table) == 6
    for _, row in res.table.iterrows():
        sc = sn.Scenario(
            name="p",
            capacity_limits_m3_day={"kidira_diboli": row["kidira_diboli.limit_m3_day"]},
            capacity_factors={"conakry": row["conakry.factor"]},
        )
        fresh = sn.max_throughput(net, sc, shortest_routes=False)
        assert row["remaining_m3_day"] == pytest.approx(fresh.delivered_m3_day, abs=1e-5)
        supply = sn.least_cost_supply(net, sc)
        assert row["shortfall_m3_day"] == pytest.approx(supply.total_shortfall_m3_day, abs=1e-4)
    paths = res.write(tmp_path / "out")
    assert {p.name for p in paths} == {"results.parquet", "results.csv", "summary.json"}
    back = pd.read_parquet(tmp_path / "out" / "results.parquet")
    csv = pd.read_csv(tmp_path / "out" / "results.csv", index_col="point")
    assert back["remaining_m3_day"].tolist() == csv["remaining_m3_day"].tolist()


def test_outputs_are_written_whole_or_not_at_all(net, tmp_path, monkeypatch) -> None:
    spec = sn.SweepSpec(kind="grid", grid={"kidira_diboli": {"limit_m3_day": [0, 600]}})
    folder = tmp_path / "out"
    sn.run_sweep(spec, net).write(folder)
    (folder / "mine.txt").write_text("not ours")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    other = sn.run_sweep(
        sn.SweepSpec(kind="grid", grid={"zegoua_pogo": {"factor": [0.0, 0.5, 1.0]}}), net
    )
    real_replace = Path.replace
    calls = {"n": 0}

    def flaky(self, target):
        calls["n"] += 1
        if calls["n"] == 5:  # fail while moving the new files in
            raise OSError("disk full")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        other.write(folder)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_criticality_sweep_on_a_local_pool_equals_in_process(net) -> None:
    spec = sn.SweepSpec(kind="criticality", criticality={"k": 2, "kinds": ["road", "node"]})
    pooled = sn.run_sweep(spec, net, workers=2)
    local = sn.run_sweep(spec, net)
    assert pooled.summary["workers"] == 2
    assert pooled.table.equals(local.table)


def test_dask_local_cluster_gives_the_local_numbers(net) -> None:
    from distributed import LocalCluster

    spec = sn.SweepSpec.model_validate(MC_SWEEP)
    local = sn.run_sweep(spec, net)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        executor = DaskExecutor(cluster=cluster)
        try:
            on_dask = sn.run_sweep(spec, net, executor=executor)
        finally:
            executor.close()
    assert on_dask.summary["executor"] == "Dask cluster"
    assert on_dask.table.equals(local.table)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def dask_processes() -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")]
    for _ in range(2):
        procs.append(
            _start(
                "worker",
                address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            )
        )
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout=2) as client:
                    if len(client.scheduler_info()["workers"]) == 2:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the dask scheduler and workers did not start within 60 s")
            time.sleep(0.5)
        yield address, procs
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait(timeout=30)


def test_dask_processes_survive_a_worker_dying_mid_sweep(net, dask_processes) -> None:
    address, procs = dask_processes
    spec = sn.SweepSpec.model_validate(MC_SWEEP)
    local = sn.run_sweep(spec, net)
    killed = {"done": False}

    def kill_one_worker(done: int, total: int) -> None:
        if not killed["done"] and done >= 1:
            procs[1].kill()  # a worker dies with chunks still to do
            killed["done"] = True

    executor = DaskExecutor(address, worker_timeout_s=20)
    try:
        res = sn.run_sweep(spec, net, executor=executor, progress=kill_one_worker)
    finally:
        executor.close()
    assert killed["done"]
    assert res.table.equals(local.table)  # finished on the other worker, same numbers


def test_dask_all_workers_gone_is_a_clear_failure(net, dask_processes, tmp_path) -> None:
    address, procs = dask_processes
    spec = sn.SweepSpec.model_validate(MC_SWEEP)
    folder = tmp_path / "out"

    def kill_all(done: int, total: int) -> None:
        for proc in procs[1:]:
            proc.kill()

    executor = DaskExecutor(address, worker_timeout_s=3)
    try:
        with pytest.raises(sn.SolverError, match=r"every Dask worker at 'tcp://127\.0\.0\.1"):
            sn.run_sweep(spec, net, executor=executor, progress=kill_all).write(folder)
    finally:
        executor.close()
    assert not folder.exists()  # nothing half-written


def test_unreachable_scheduler_is_a_clear_error_after_a_short_timeout(net) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    spec = sn.SweepSpec(kind="grid", grid={"kidira_diboli": {"limit_m3_day": [0]}})
    start = time.monotonic()
    with pytest.raises(sn.SolverError, match=f"cannot reach the Dask scheduler at '{address}'"):
        sn.run_sweep(spec, net, scheduler=address)
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("address", ["garbage", "tcp://host-without-port"])
def test_a_malformed_scheduler_address_fails_at_once(net, address: str, capfd) -> None:
    spec = sn.SweepSpec(kind="grid", grid={"kidira_diboli": {"limit_m3_day": [0]}})
    start = time.monotonic()
    with pytest.raises(sn.SolverError, match=f"scheduler '{address}': not a Dask scheduler"):
        sn.run_sweep(spec, net, scheduler=address)
    assert time.monotonic() - start < 3  # no half-made client left to time out
    import gc

    gc.collect()
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"kind": "grid"}, "kind = 'grid' needs a \\[grid\\] table"),
        (
            {"kind": "grid", "grid": {"kidira_diboli": {"factor": [1], "limit_m3_day": [1]}}},
            "exactly one of",
        ),
        ({"kind": "grid", "grid": {"kidira": {"factor": [0.5]}}}, "grid: unknown element 'kidira'"),
        ({"kind": "grids"}, "kind = 'grids'"),
        ({"kind": "criticality", "criticality": {"k": 5}}, "criticality.k = 5"),
        ({"kind": "montecarlo", "montecarlo": {"attacks": []}}, "montecarlo.attacks"),
    ],
)
def test_bad_sweep_specs_are_one_line(net, doc, message, tmp_path) -> None:
    import json

    path = tmp_path / "sweep.toml"
    path.write_text(_toml(doc))
    with pytest.raises(sn.ScenarioError, match=message):
        sn.run_sweep(path, net)
    assert json.dumps(doc)  # the doc itself is plain data


def _toml(doc: dict) -> str:
    """A tiny TOML writer for the test specs (flat keys and inline tables)."""

    def value(v: object) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, str):
            return f'"{v}"'
        return str(v).lower() if isinstance(v, bool) else str(v)

    return "\n".join(f"{k} = {value(v)}" for k, v in doc.items()) + "\n"
