"""The opt-in tile base map: the option adds the layer (tiles lined up with the drawing,
the credit, the page's policy opened to the tile server only); the default has none.
No test fetches a tile."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

import supplynet as sn
from supplynet.report import tiles
from tests.report_helpers import read_page

BLOCKADE = "examples/scenarios/blockade_2025.toml"
_BOX = re.compile(r"left:([\d.]+)%;top:([\d.]+)%;width:([\d.]+)%;height:([\d.]+)%")


def _csp(text: str) -> str:
    match = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    assert match
    return match.group(1)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("tiles")
    with_tiles = sn.build_report([BLOCKADE], out / "tiles.html", tiles=True)
    default = sn.build_report([BLOCKADE], out / "plain.html")
    return {
        "tiles": with_tiles.path.read_text(encoding="utf-8"),
        "plain": default.path.read_text(encoding="utf-8"),
        "tiles_path": with_tiles.path,
        "plain_path": default.path,
    }


def test_default_page_has_no_tile_layer(pages: dict[str, Any]) -> None:
    text = pages["plain"]
    assert 'class="tiles"' not in text and "<img" not in text
    assert "tile.openstreetmap.org" not in text and "https://" not in _csp(text)
    assert "img-src data:;" in _csp(text)
    assert all(v.startswith(("#", "data:")) for _, _, v in read_page(pages["plain_path"]).links)


def test_tiles_option_adds_the_layer(pages: dict[str, Any]) -> None:
    text = pages["tiles"]
    assert "img-src data: https://tile.openstreetmap.org;" in _csp(text)
    assert "default-src 'none'" in _csp(text)  # nothing else is allowed
    links = read_page(pages["tiles_path"]).links
    images = [v for tag, _, v in links if tag == "img"]
    assert images and all(v.startswith("https://tile.openstreetmap.org/6/") for v in images)
    assert all(v.startswith(("#", "data:")) for tag, _, v in links if tag != "img")
    layers = re.findall(r'class="tiles" data-tiles="([^"]+)" data-zoom="(\d+)"', text)
    assert layers == [(tiles.OSM_TILES, "6")] * 2  # one per map: baseline, blockade
    assert text.count("Base map tiles © OpenStreetMap contributors") == 2


def test_tiles_line_up_with_the_drawing(pages: dict[str, Any]) -> None:
    """The layer's box is the map's axes box in the SVG, and each tile sits where its
    longitudes and latitudes fall on the map (checked with the forward formulas)."""
    text = pages["tiles"]
    start = text.index('data-figure="map_blockade_2025"')
    layer = text[text.index('class="tiles"', start) :]
    left, top, width, height = map(float, _BOX.search(layer).groups())  # type: ignore[union-attr]
    svg = layer[layer.index("<svg") :]
    view = [float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split()]  # type: ignore[union-attr]
    axes = svg[svg.index('<g id="patch_2">') :]
    xs, ys = zip(
        *[
            (float(a), float(b))
            for a, b in re.findall(r"[ML] ([\d.]+) ([\d.]+)", axes[: axes.index("z")])
        ],
        strict=True,
    )
    assert left == pytest.approx(100 * min(xs) / view[2], abs=1e-3)
    assert top == pytest.approx(100 * min(ys) / view[3], abs=1e-3)
    assert width == pytest.approx(100 * (max(xs) - min(xs)) / view[2], abs=1e-3)
    assert height == pytest.approx(100 * (max(ys) - min(ys)) / view[3], abs=1e-3)
    # the tile holding Bamako, by the forward slippy-map formulas
    net = sn.load_network()
    lon, lat = float(net.nodes.at["bamako", "lon"]), float(net.nodes.at["bamako", "lat"])
    z = 6
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    img = re.search(rf'<img src="https://tile.openstreetmap.org/6/{x}/{y}.png"[^>]*>', layer)
    assert img, (x, y)
    t_left, t_top, t_width, t_height = map(float, _BOX.search(img.group(0)).groups())  # type: ignore[union-attr]
    # Bamako's place on the map, in % of the axes, from the network's extent
    lons, lats = net.nodes["lon"], net.nodes["lat"]
    west, east = lons.min() - 0.7, lons.max() + 0.7
    south, north = lats.min() - 0.7, lats.max() + 0.7
    px, py = 100 * (lon - west) / (east - west), 100 * (north - lat) / (north - south)
    assert t_left <= px <= t_left + t_width and t_top <= py <= t_top + t_height
    # and within the tile, at the fraction the Mercator row gives (linear within a tile)
    row = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z
    assert (py - t_top) / t_height == pytest.approx(row - y, abs=0.01)


def test_tile_source_and_edges() -> None:
    assert tiles.tile_source(None) is None and tiles.tile_source(False) is None
    url = "https://tiles.example.org/osm/{z}/{x}/{y}.png"
    assert tiles.tile_source(url) == url
    for bad in ("http://tile.example.org/{z}/{x}/{y}.png", "https://t.example.org/{z}/{x}.png"):
        with pytest.raises(sn.DataError, match="https:// URL template with"):
            tiles.tile_source(bad)
    for z in (1, 4, 6):
        for y in range(2**z + 1):
            lat = tiles.lat_of_tile_row(y, z)
            if abs(lat) < 85:
                row = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z
                assert row == pytest.approx(y, abs=1e-9)


def test_bad_tile_template_is_an_error_before_any_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sn.report.runs, "max_throughput", lambda *a, **k: pytest.fail("solved before the check")
    )
    with pytest.raises(sn.DataError, match="tiles = 'ftp://x'"):
        sn.build_report([BLOCKADE], tmp_path / "r.html", tiles="ftp://x")
    assert not (tmp_path / "r.html").exists()
