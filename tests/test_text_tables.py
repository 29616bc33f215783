"""The pandas-free paths of ``supplynet run``: CSV text tables, result rows, start-up.

The standard-library CSV reader must read every table the way pandas read it before
(``dtype=str, keep_default_na=False, na_filter=False``), the network it builds must be the
same, result rows must be the rows of the result's DataFrames, and ``supplynet run`` must
not import pandas at all.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import random_network

import supplynet as sn
from supplynet.datasets import data_path
from supplynet.errors import DataError
from supplynet.network import Network
from supplynet.text_tables import read_text_csv

ROOT = Path(__file__).resolve().parents[1]


def _pandas(path: Path) -> list[dict[str, str]]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n3,4\n",
        'a,b\n"x, y","two\nlines"\n"q""uote",\n',
        "\ufeffnode_id,kind\n007,port\n",  # a byte-order mark
        "a,b\n\n1,2\n\n\n3,4",  # blank lines, no final newline
        "a,a,b\n1,2,3\n",  # a repeated column name
        "a,b,c\n1\n4,5,6\n",  # a short row
        "a,b\r\n1,2\r\n",  # Windows line ends
        "id,name\nbko,Bamako\nsik,Sikasso é ñ 中\n",
        "a,b\n",  # a header and no rows
        " a , b \n 1 , 2 \n",  # spaces stay
    ],
)
def test_text_tables_read_like_pandas(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8", newline="")
    table = read_text_csv(path)
    assert table.rows == _pandas(path)
    assert list(table.columns) == list(pd.read_csv(path, dtype=str, nrows=0).columns)


@pytest.mark.parametrize("seed", range(5))
def test_text_tables_read_random_tables_like_pandas(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["a", "Z", "0", "7", " ", ",", '"', ";", "é", "\n", "-", ".", "e"]
    columns = [f"c{i}" for i in range(rng.randint(1, 6))]
    rows = [
        {c: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for c in columns}
        for _ in range(rng.randint(0, 30))
    ]
    path = tmp_path / "r.csv"
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    assert read_text_csv(path).rows == _pandas(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "No columns to parse"),
        (b"a,b\n1,2,3\n", "Expected 2 fields in line 2, saw 3"),
        (b"a,b\n\xff\xfe,1\n", "cannot read CSV"),
    ],
)
def test_text_tables_refuse_what_is_not_csv(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as err:
        read_text_csv(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def _same_graph(a: Network, b: Network) -> None:
    assert list(a.graph.nodes(data=True)) == list(b.graph.nodes(data=True))
    arcs_a = list(a.graph.edges(keys=True, data=True))
    arcs_b = list(b.graph.edges(keys=True, data=True))
    assert [x[:3] for x in arcs_a] == [x[:3] for x in arcs_b]
    for (*_, da), (*_, db) in zip(arcs_a, arcs_b, strict=True):
        assert da.keys() == db.keys()
        for key in da:
            if key == "geometry":
                assert da[key].equals_exact(db[key], 0.0)
            else:
                assert da[key] == db[key] or (
                    isinstance(da[key], float) and math.isnan(da[key]) and math.isnan(db[key])
                ), key
    assert a.graph.graph == b.graph.graph


def test_the_embedded_network_reads_the_same_without_pandas() -> None:
    folder = data_path("nodes.csv").parent
    nodes = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False, na_filter=False)
    edges = pd.read_csv(folder / "edges.csv", dtype=str, keep_default_na=False, na_filter=False)
    by_pandas = Network.from_tables(nodes, edges, name="west-africa-fuel-corridors")
    _same_graph(sn.load_network(), by_pandas)


@pytest.mark.parametrize("seed", [3, 11])
def test_a_saved_random_network_reads_the_same_without_pandas(tmp_path: Path, seed: int) -> None:
    from supplynet.columns import decode_columns
    from supplynet.io import read_csv_folder

    net = random_network(seed, n_nodes=40)
    folder = net.save(tmp_path / "saved")
    tables = read_csv_folder(folder)
    kinds = tables.kinds
    frames = {
        stem: decode_columns(
            pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False, na_filter=False),
            kinds.get(stem, {}),
            stem,
        )
        for stem in ("nodes", "edges")
    }
    meta = dict(tables.graph)
    by_text = Network.from_tables(
        tables.nodes, tables.edges, name="x", assumptions=tables.assumptions, metadata=meta
    )
    by_pandas = Network.from_tables(
        frames["nodes"], frames["edges"], name="x", assumptions=tables.assumptions, metadata=meta
    )
    _same_graph(by_text, by_pandas)


@pytest.mark.parametrize("scenario", ["blockade_2025", "kayes_region_closed", "sanctions_2022"])
def test_result_rows_are_the_rows_of_its_tables(scenario: str) -> None:
    net = sn.load_network()
    path = ROOT / "examples" / "scenarios" / f"{scenario}.toml"
    flow = sn.max_throughput(net, path)
    supply = sn.least_cost_supply(net, path)
    for result, names in (
        (flow, ["edge_flows", "node_flows", "bottlenecks", "border_flows", "corridor_flows"]),
        (supply, ["edge_flows", "node_flows", "delivered"]),
    ):
        for name in names:
            records = result.records(name)
            frame = getattr(result, name)
            pd.testing.assert_frame_equal(records.frame(), frame)
            assert len(records) == len(frame)
    changes = flow.records("scenario_changes")
    pd.testing.assert_frame_equal(changes.frame(), flow.scenario_changes)
    total = supply.delivered["demand_m3_day"].sum()
    assert supply.summary()["demand_m3_day"] == pytest.approx(total, rel=1e-12)


def _json_by_pandas(result: sn.ThroughputResult | sn.SupplyResult) -> dict:
    """What ``to_json`` wrote when it went through pandas (the reference)."""
    from supplynet.results import plain_figures, rounded

    doc: dict = {"summary": plain_figures(result.summary())}
    for name, df in result.tables().items():
        table = rounded(df.reset_index() if df.index.name else df)
        doc[name] = json.loads(table.to_json(orient="records", force_ascii=False))
    return doc


@pytest.mark.parametrize("scenario", ["baseline", "blockade_2025", "crisis_2025", None])
def test_result_json_from_rows_is_the_json_pandas_wrote(scenario: str | None) -> None:
    net = sn.load_network()
    if scenario is None:  # not solved: empty tables, null figures
        results = [
            sn.max_throughput(net, None, time_limit_s=1e-9),
            sn.least_cost_supply(net, None, time_limit_s=1e-9),
        ]
        assert all(not r.ok for r in results)
    else:
        path = ROOT / "examples" / "scenarios" / f"{scenario}.toml"
        results = [sn.max_throughput(net, path), sn.least_cost_supply(net, path)]
    for result in results:
        ours = json.loads(result.to_json())
        assert ours == _json_by_pandas(result)
        assert list(ours) == ["summary", *result.TABLES]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_run_does_not_import_pandas(fmt: str) -> None:
    """pandas is a third of ``supplynet run``'s start-up: the terminal output needs none."""
    scenario = str(ROOT / "examples" / "scenarios" / "blockade_2025.toml")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "supplynet", "run", scenario, "-f", fmt],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "Bamako" in done.stdout or "bamako" in done.stdout
    assert "pandas" not in imported and "pyarrow" not in imported
