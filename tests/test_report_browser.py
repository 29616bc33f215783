"""The report in a real browser: headless Chromium (Debian's ``chromium`` package, which
``.ci/run`` installs when it is missing) opens the file with networking off, at a phone's
width. No console error, no request but the file itself, the map and every chart drawn
(pixels that are not blank in their regions), the key figures in the DOM.

Skipped, with the reason, only where Chromium or Playwright cannot be had.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import supplynet as sn
from supplynet.report.blocks import format_value

CHROMIUM = os.environ.get("SUPPLYNET_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: as root Chromium needs --no-sandbox; the others keep it from calling home at start-up
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
PHONE = {"width": 390, "height": 844}


def _chromium() -> Any:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    if not Path(CHROMIUM).is_file():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
            "(apt-get install chromium; .ci/run does this as root when it can)"
        )
    return sync_api


def _pixels(image: Any, box: dict[str, float], inset: int = 4) -> np.ndarray:
    """The RGB pixels inside ``box`` (less an inset, so the frame does not count)."""
    left, top = int(box["x"]) + inset, int(box["y"]) + inset
    right, bottom = int(box["x"] + box["width"]) - inset, int(box["y"] + box["height"]) - inset
    return np.asarray(image.crop((left, top, right, bottom)).convert("RGB")).reshape(-1, 3)


def _ink(image: Any, box: dict[str, float]) -> tuple[float, int]:
    """Share of pixels in ``box`` that are not near-white, and how many colours."""
    pixels = _pixels(image, box)
    inked = int((pixels.min(axis=1) < 230).sum())
    return inked / max(1, len(pixels)), len(np.unique(pixels, axis=0))


def test_report_in_headless_chromium_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sync_api = _chromium()
    from PIL import Image

    net = sn.load_network()
    # a short back-test of the crisis scenario (reports on both sides of the cutoff)
    bt = sn.backtest(
        net,
        "examples/scenarios/crisis_2025.toml",
        sn.load_observed().within("2025-09-01", "2025-10-15"),
        days=45,
        cutoff="2025-10-05",
    )
    report = sn.build_report(
        ["examples/scenarios/blockade_2025.toml", "examples/scenarios/kayes_region_closed.toml"],
        tmp_path / "report.html",
        network=net,
        criticality=True,
        backtest=bt,
    )
    blockade = sn.max_throughput(net, "examples/scenarios/blockade_2025.toml")
    baseline = sn.max_throughput(net)
    url = report.path.resolve().as_uri()
    requests: list[str] = []
    console: list[str] = []
    shot = tmp_path / "report-phone.png"
    with sync_api.sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=30_000)
        except sync_api.Error as exc:  # a broken install: say so rather than fail obscurely
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {str(exc).splitlines()[0]}")
        try:
            context = browser.new_context(
                offline=True, viewport=PHONE, device_scale_factor=1, java_script_enabled=True
            )

            def route(r: Any) -> None:
                requests.append(r.request.url)
                if r.request.url == url:
                    r.continue_()
                else:
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on(
                "console",
                lambda m: (
                    console.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("requestfailed", lambda r: console.append(f"requestfailed: {r.url}"))
            page.goto(url, wait_until="load", timeout=30_000)
            page.screenshot(path=str(shot), full_page=True)
            boxes = {
                key: page.locator(f'[data-figure="{key}"] .drawing').bounding_box()
                for key in page.eval_on_selector_all(
                    "[data-figure]", "els => els.map(e => e.dataset.figure)"
                )
            }
            regions = dict(
                page.eval_on_selector_all(
                    "[data-figure]", "els => els.map(e => [e.dataset.figure, e.dataset.region])"
                )
            )
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            row = '[data-table="summary"] tr[data-row="blockade_2025"]'
            delivered = page.locator(f'{row} td[data-key="delivered_m3_day"]').inner_text()
            share = page.locator(f'{row} td[data-key="share_of_baseline"]').inner_text()
            headings = page.locator("h2").all_inner_texts()
            data = page.evaluate(
                "JSON.parse(document.getElementById('supplynet-data').textContent)"
            )
        finally:
            browser.close()
    with capsys.disabled():
        print(f"\nreport screenshot (headless Chromium, {PHONE['width']} px wide): {shot}")
    assert requests == [url], f"requests other than the file itself: {requests}"
    assert console == [], console
    assert overflow <= 0, f"the page is {overflow} px wider than a phone"
    assert headings[:2] == ["Summary", "Network map"] and "What was assumed" in headings
    assert delivered == format_value(blockade.delivered_m3_day)
    assert share == format_value(blockade.delivered_m3_day / baseline.delivered_m3_day, "pct")
    rows = {r["scenario"]: r for r in data["sections"]["summary"]["scenarios"]}
    assert rows["blockade_2025"]["delivered_m3_day"] == blockade.delivered_m3_day
    image = Image.open(shot)
    maps = [k for k, region in regions.items() if region == "map"]
    assert sorted(maps) == ["map_baseline", "map_blockade_2025", "map_kayes_region_closed"]
    assert len(boxes) >= 9  # maps, summary, border posts, shortfall, criticality, back-test
    assert "chart_backtest_crisis_2025" in boxes and "Back-test against reported arrivals" in (
        headings
    )
    assert data["sections"]["backtest"]["crisis_2025"]["week"][5]["simulated_m3"] == (
        pytest.approx(float(bt.weekly["simulated_m3"].iloc[5]))
    )
    for key, box in boxes.items():
        assert box is not None and box["width"] > 300 and box["height"] > 100, key
        share_inked, colours = _ink(image, box)
        assert share_inked > (0.2 if key in maps else 0.02), (key, share_inked)
        assert colours > 20, (key, colours)
    # the map shows its flows (the flow colour) and the country fills
    pixels = _pixels(image, boxes["map_blockade_2025"]).astype(int)
    r, b = pixels[:, 0], pixels[:, 2]
    flow = int(((b - r > 50) & (r < 120)).sum())  # the dark blue of the flow lines
    fills = int((np.abs(pixels - [0xF1, 0xF1, 0xEC]).sum(axis=1) < 6).sum())
    assert flow > 300 and fills > 0.1 * len(pixels), (flow, fills)


def test_tile_layer_under_the_map_in_headless_chromium(tmp_path: Path) -> None:
    """With ``tiles=True`` the tiles are drawn under the map: every request for one is
    answered here with a magenta tile (no network), and magenta shows through the map."""
    sync_api = _chromium()
    import io

    from PIL import Image

    report = sn.build_report(
        ["examples/scenarios/blockade_2025.toml"], tmp_path / "tiles.html", tiles=True
    )
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (255, 0, 255)).save(buf, format="PNG")
    tile_png = buf.getvalue()
    url = report.path.resolve().as_uri()
    tiles: list[str] = []
    others: list[str] = []
    console: list[str] = []
    shot = tmp_path / "map-with-tiles.png"
    with sync_api.sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=30_000)
        except sync_api.Error as exc:
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {str(exc).splitlines()[0]}")
        try:
            context = browser.new_context(viewport=PHONE, device_scale_factor=1)

            def route(r: Any) -> None:
                target = r.request.url
                if target == url:
                    r.continue_()
                elif target.startswith("https://tile.openstreetmap.org/"):
                    tiles.append(target)
                    r.fulfill(status=200, content_type="image/png", body=tile_png)
                else:
                    others.append(target)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on(
                "console",
                lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None,
            )
            page.goto(url, wait_until="load", timeout=30_000)
            drawing = page.locator('[data-figure="map_blockade_2025"] .drawing')
            drawing.scroll_into_view_if_needed()
            # poll from Python: the page's policy forbids eval, which a string predicate
            # of wait_for_function needs once it has to poll
            images = page.locator('[data-figure="map_blockade_2025"] img')
            deadline = time.monotonic() + 30
            while not all(
                images.nth(i).evaluate("i => i.complete && i.naturalWidth > 0")
                for i in range(images.count())
            ):
                assert time.monotonic() < deadline, "the tiles did not load in 30 s"
                page.wait_for_timeout(100)
            drawing.screenshot(path=str(shot))
        finally:
            browser.close()
    assert others == [] and console == [], (others, console)
    assert tiles and all("/6/" in t for t in tiles)
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    magenta = ((pixels[:, 0] > 180) & (pixels[:, 2] > 150) & (pixels[:, 1] < 150)).sum()
    assert magenta > 0.2 * len(pixels), magenta / len(pixels)
    flow = int(((pixels[:, 2] - pixels[:, 0] > 50) & (pixels[:, 0] < 120)).sum())
    assert flow > 300  # the flows are drawn over the tiles
