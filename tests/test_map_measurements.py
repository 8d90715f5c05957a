"""`coverage map --measurements FILE`: measurements coloured by their residual
(coverage.maps.measure_layer) on the planner's map, the leadership page and the PNG.

The tiny province with the Hata model; its site S1 renamed ``<script>x</script>``, the
serving site of some measurements, so the name must reach the page escaped.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image

from coverage.cli.main import cli
from coverage.layers import Layers
from coverage.maps.i18n import text
from coverage.maps.measure_layer import read_measurements, residual_summary
from coverage.maps.palette import RESIDUAL_RAMP, residual_class, residual_colour

from .conftest import TINY, tiny_args, tiny_layers

EVIL = "<script>x</script>"
N = 12


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """The tiny layers with S1 renamed, and a measurements CSV of N points across the
    villages: 4G at -70 dBm, every third one naming S1 as its serving site."""
    d = tmp_path_factory.mktemp("measure")
    layers = tiny_layers()
    sites = (TINY / "sites.csv").read_text(encoding="utf-8").replace("\nS1,", f"\n{EVIL},")
    (d / "sites.csv").write_text(sites, encoding="utf-8")
    layers["sites"] = d / "sites.csv"
    lon = np.linspace(105.945, 106.012, N)
    lat = np.linspace(17.455, 17.470, N)
    rows = ["lon,lat,technology,rsrp,site_id"]
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        rows.append(f"{x:.6f},{y:.6f},4G,-70,{EVIL if i % 3 == 0 else ''}")
    (d / "drive.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (d / "nolevel.csv").write_text("lon,lat,technology\n105.95,17.46,4G\n", encoding="utf-8")
    return {"layers": layers, "dir": d, "drive": d / "drive.csv"}


def _args(inputs, *extra: str) -> list[str]:
    return ["map", "-q", *tiny_args(inputs["layers"], model="hata"), "--no-cache", *extra]


def _payload(page: str) -> dict:
    found = re.search(r"var covMeasurements = (\{.*?\});\n", page)
    assert found, "no measurements payload on the page"
    return json.loads(found.group(1))


def test_residual_classes_and_colours():
    assert residual_class([-100.0, -2.1, -2.0, 0.0, 2.0, 100.0, np.nan]).tolist() == [
        0,
        4,
        5,
        5,
        6,
        10,
        5,
    ]
    assert residual_colour([-20.0, 20.0]).tolist() == [RESIDUAL_RAMP[0], RESIDUAL_RAMP[-1]]
    s = residual_summary(np.array([-3.0, 3.0, 6.0, np.nan]))
    assert s["points"] == 3 and s["mean_db"] == pytest.approx(2.0)
    assert s["rmse_db"] == pytest.approx(np.sqrt(18.0))


def test_planner_map_has_the_overlay(runner, inputs, tmp_path):
    out = tmp_path / "m.html"
    result = runner.invoke(
        cli, _args(inputs, "--measurements", str(inputs["drive"]), "-o", str(out))
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    meas = read_measurements(Layers(**inputs["layers"]), inputs["drive"], model="hata")
    assert len(meas.points) == N  # every point is predicted: none left out
    data = _payload(page)
    assert len(data["lat"]) == len(data["k"]) == len(data["r"]) == N
    # the residuals drawn are the library's, largest last (on top)
    assert sorted(data["r"]) == sorted(np.round(meas.points["residual_db"], 1).tolist())
    assert np.all(np.diff(np.abs(data["r"])) >= -0.05)
    assert data["k"] == residual_class(data["r"]).tolist()
    # the layer's title sums it up; the legend has the ramp and both meanings
    s = meas.summary
    assert f"{N} điểm" in page and "RMSE" in page and "sau hiệu chỉnh" not in page
    assert f"{s['rmse_db']:.1f}".replace(".", ",") in page
    legend = text("residual_legend", "vi")
    assert legend in page.replace("\\u2212", "−")
    assert "cov-ramp" in page and text("residual_optimistic", "vi") in page
    # the serving site's name is escaped, and JSON-escaped inside the script
    assert EVIL not in page
    assert "\\u0026lt;script\\u0026gt;x\\u0026lt;/script\\u0026gt;" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in data["sites"]


def test_leadership_page_in_english_after_calibration(runner, inputs, tmp_path):
    from coverage.calibration import Calibration

    cal = tmp_path / "calibration.toml"
    cal.write_text(
        Calibration(offset_db={"4G": -6.0}, slope_db_per_decade={"4G": 0.0}).to_toml(),
        encoding="utf-8",
    )
    out = tmp_path / "lead.html"
    args = _args(inputs, "--static", "--lang", "en", "--measurements", str(inputs["drive"]))
    result = runner.invoke(cli, [*args, "--calibration", str(cal), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert len(_payload(page)["lat"]) == N
    assert "Measured − predicted" in page.replace("\\u2212", "−")
    assert "after calibration" in page and "model too optimistic" in page
    assert EVIL not in page


def test_png_renders(runner, inputs, tmp_path):
    out = tmp_path / "m.png"
    args = _args(inputs, "--png", "--measurements", str(inputs["drive"]), "-o", str(out))
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape[0] > 1000 and image.shape[1] > 1500
    # the colour bar's end classes are on the page
    for colour in (RESIDUAL_RAMP[0], RESIDUAL_RAMP[-1]):
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(image.astype(int) - rgb).sum(axis=2) <= 6).sum() > 50


def test_kmz_is_refused(runner, inputs, tmp_path):
    args = _args(inputs, "--kmz", "--measurements", str(inputs["drive"]))
    result = runner.invoke(cli, [*args, "-o", str(tmp_path / "m.kmz")])
    assert result.exit_code == 2
    assert "--measurements is not available with --kmz" in result.output
    assert not (tmp_path / "m.kmz").exists()


def test_a_file_without_levels_is_refused(runner, inputs, tmp_path):
    bad = inputs["dir"] / "nolevel.csv"
    result = runner.invoke(
        cli, _args(inputs, "--measurements", str(bad), "-o", str(tmp_path / "m.html"))
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "nolevel.csv" in line]
    assert len(lines) == 1 and "level_dbm" in lines[0]
    assert not (tmp_path / "m.html").exists()


def test_the_range_model_is_refused(runner, inputs, tmp_path):
    args = ["map", "-q", *tiny_args(inputs["layers"]), "--measurements", str(inputs["drive"])]
    result = runner.invoke(cli, [*args, "-o", str(tmp_path / "m.html")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "predicts no signal level" in result.output
