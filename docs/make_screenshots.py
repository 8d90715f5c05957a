"""Render the demo province's maps (default model: terrain) and screenshot them in headless
Chromium, for the README.

    python docs/make_screenshots.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from coverage import Layers, compute
from coverage.maps import gap_map, write_map
from coverage.maps.png import gap_png

HERE = Path(__file__).resolve().parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    layers = Layers.demo()
    dem = layers.dem[0]
    result = compute(layers, model="terrain")
    tmp = Path(tempfile.mkdtemp())
    pages = {
        "gap_map_planner.png": write_map(
            gap_map(result, lang="vi", dem=dem, demo=True), tmp / "planner.html"
        ),
        "gap_map_leadership.png": write_map(
            gap_map(result, lang="en", static=True, dem=dem, demo=True), tmp / "static.html"
        ),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for name, page_path in pages.items():
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(page_path.as_uri())
            page.wait_for_timeout(1200)
            page.screenshot(path=str(HERE / name), full_page=name.endswith("leadership.png"))
            page.close()
        browser.close()
    gap_png(result, HERE / "gap_map_report.png", lang="vi", dem=dem, dpi=110)
    for name in (*pages, "gap_map_report.png"):
        print(HERE / name, (HERE / name).stat().st_size // 1000, "KB")


if __name__ == "__main__":
    main()
