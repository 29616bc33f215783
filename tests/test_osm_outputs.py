"""Saving built networks: whole or nothing, user files untouched, errors name --out."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from osm_fixtures import toy_corridor, write_osm

import supplynet as sn
from supplynet import cli


@pytest.fixture(scope="module")
def toy():
    return toy_corridor()


@pytest.fixture(scope="module")
def pbf(tmp_path_factory, toy):
    return write_osm(tmp_path_factory.mktemp("osm") / "toy.osm.pbf", toy)


def _build(pbf, toy, **kwargs):
    return sn.build_network_from_osm(pbf, facilities=toy.facilities, progress=False, **kwargs)


def test_saving_into_a_folder_keeps_other_files(pbf, toy, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "thesis.txt").write_text("precious")
    _build(pbf, toy, out=folder)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "ATTRIBUTION.txt",
        "assumptions.csv",
        "edges.csv",
        "network.json",
        "nodes.csv",
        "thesis.txt",
    ]
    assert (folder / "thesis.txt").read_text() == "precious"
    back = sn.load_network(folder)
    assert sn.max_throughput(back).delivered_m3_day > 0


def test_out_that_cannot_be_written_is_named(pbf, toy, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(sn.DataError, match=r"afile: exists and is not a folder"):
        _build(pbf, toy, out=afile)
    (tmp_path / "d.gpkg").mkdir()
    with pytest.raises(sn.DataError, match=r"d\.gpkg: is a folder"):
        _build(pbf, toy, out=tmp_path / "d.gpkg")
    with pytest.raises(sn.DataError, match=r"^/proc/nope/x\.gpkg: cannot create its folder"):
        _build(pbf, toy, out=Path("/proc/nope/x.gpkg"))
    assert afile.read_text() == "x"


def test_no_supply_in_region_is_an_error(pbf, toy) -> None:
    fac = toy.facilities.drop(columns="supply_m3_day")
    with pytest.raises(sn.DataError, match=r"no supply point .* is in the facility table"):
        sn.build_network_from_osm(pbf, facilities=fac, progress=False)
    with pytest.raises(sn.DataError, match=r"no supply point .* lies in the bbox"):
        sn.build_network_from_osm(pbf, facilities=fac, bbox="-8.6,11.8,-7.8,12.2", progress=False)


def test_cli_build_through_main(pbf, toy, tmp_path: Path, capsys, monkeypatch) -> None:
    fac = tmp_path / "fac.csv"
    toy.facilities.to_csv(fac, index=False)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["supplynet", "network", "build", *args])
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run(
        str(pbf), str(tmp_path / "net.gpkg"), "--facilities", str(fac), "--no-progress"
    )
    assert code == 0 and "Built" in out
    before = (tmp_path / "net.gpkg").read_bytes()
    for args, needle in [
        ((str(tmp_path / "missing.osm.pbf"),), "missing.osm.pbf"),
        ((str(pbf), "--highway", "motorwya"), "motorwya"),
        ((str(pbf), "--tolerance-km", "0"), "tolerance_km"),
        ((str(pbf), "--destination", "bamakoo"), "did you mean 'bamako'"),
    ]:
        code, _, err = run(
            args[0],
            str(tmp_path / "net.gpkg"),
            "--facilities",
            str(fac),
            "--no-progress",
            *args[1:],
        )
        assert code == 2, err
        assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert (tmp_path / "net.gpkg").read_bytes() == before
