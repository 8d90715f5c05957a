"""The public API: the same numbers as the CLI, the model chosen from the data, the demo."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

import coverage
from coverage.cli.main import cli
from coverage.layers import Layers

# A line of 12 square villages (100 m) east of a single 4G site, every 200 m from 200 m
# to 2,400 m; the site's row gives the planner's radius, 1,100 m. By hand: the villages
# centred at 200 ... 1,000 m lie inside the disc (the one at 1,000 m reaches 1,050 m),
# the others (1,200 m and beyond, nearest edge 1,150 m) outside: 5/12. The Hata model
# (default 4G EIRP 60 dBm less 30.8 dB for RSRP, 30 m mast, COST-231 suburban) reaches
# the -110 dBm threshold at 2.65 km: 12/12.
ORIGIN = (600_000.0, 1_930_000.0)  # UTM 48N, inland Quảng Bình
RANGE_M = 1100.0


def _range_case(folder):
    x0, y0 = ORIGIN
    centres = [x0 + 200.0 * (i + 1) for i in range(12)]
    villages = gpd.GeoDataFrame(
        {
            "village_id": [f"V{i + 1:02d}" for i in range(12)],
            "name": [f"Thôn {i + 1}" for i in range(12)],
            "commune_id": ["C1"] * 12,
            "population": [100] * 12,
        },
        geometry=[shapely.box(x - 50, y0 - 50, x + 50, y0 + 50) for x in centres],
        crs=32648,
    )
    villages.to_file(folder / "thon.geojson")
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x0, y0)
    (folder / "bts.csv").write_text(
        "site_id,lon,lat,technology,frequency_mhz,range_m\n"
        f"S1,{lon:.8f},{lat:.8f},4G,1800,{RANGE_M:.0f}\n",
        encoding="utf-8",
    )
    return Layers(villages=folder / "thon.geojson", sites=folder / "bts.csv")


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_range_m_on_every_row_without_dem_chooses_range(tmp_path, cache_home):
    layers = _range_case(tmp_path)
    result = coverage.compute(layers)
    assert result.summary["model"] == "range"
    assert (result.summary["villages_covered"], result.summary["villages_total"]) == (5, 12)
    covered = result.villages.sort_values("village_id")["covered"].tolist()
    assert covered == [True] * 5 + [False] * 7
    # the planner's radii are what the default reads; Hata would ignore them, and says so
    hata = coverage.compute(layers, model="hata")
    assert hata.summary["villages_covered"] == 12
    assert any(
        "'range_m' (--model range would use it) is not used by the hata model" in w
        for w in hata.summary["warnings"]
    )


def _cli_json(runner, args):
    result = runner.invoke(cli, ["compute", "--quiet", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _as_json(summary: dict) -> dict:
    from coverage.output import summary_json

    return json.loads(summary_json(summary))


def test_api_and_cli_agree_on_a_small_case(runner, tmp_path, cache_home):
    layers = _range_case(tmp_path)
    args = ["--villages", str(layers.villages), "--sites", str(layers.sites)]
    assert _as_json(coverage.compute(layers).summary) == _cli_json(runner, args)
    hata = coverage.compute(layers, model="hata").summary
    assert _as_json(hata) == _cli_json(runner, [*args, "--model", "hata"])


def test_api_and_cli_agree_on_the_demo(runner, cache_home):
    """The documented call and the command give the same numbers (the default model)."""
    api = coverage.compute()
    assert api.summary["model"] == "terrain"  # the demo brings its DEM
    assert _as_json(api.summary) == _cli_json(runner, [])


def test_settings_dem_counts_as_given(tmp_path, tiny_dem, tiny, cache_home):
    from coverage import Settings

    layers = Layers(**tiny)
    via_settings = coverage.compute(layers, settings=Settings(dem=(str(tiny_dem),)))
    via_layers = coverage.compute(layers.replace(dem=tiny_dem))
    assert via_settings.summary["model"] == via_layers.summary["model"] == "terrain"
    assert via_settings.summary["villages_covered"] == via_layers.summary["villages_covered"]


def test_predict_and_check(tiny, tiny_dem, cache_home):
    layers = Layers(**tiny, dem=tiny_dem)
    prediction = coverage.predict(layers)
    assert prediction.model == "terrain"
    assert set(prediction.technologies) <= {"2G", "3G", "4G", "5G"}
    report = coverage.check(layers)
    assert report.ok and report.model == "terrain"
    assert report.features["villages"] == 4


def test_geodataframes_from_python(tiny, cache_home):
    frames = {k: gpd.read_file(v) for k, v in tiny.items() if k not in ("fibre",)}
    from_files = coverage.compute(Layers(**tiny), model="range").summary
    from_frames = coverage.compute(Layers(**frames, fibre=tiny["fibre"]), model="range").summary
    assert from_frames["villages_covered"] == from_files["villages_covered"]
    assert from_frames["village_coverage_share"] == pytest.approx(
        from_files["village_coverage_share"]
    )
    assert from_frames["inputs"]["villages"] == "<villages GeoDataFrame>"


def test_layers_over_demo_fills_what_is_missing(tiny):
    filled = Layers(sites=tiny["sites"]).over_demo()
    assert filled.sites == tiny["sites"]
    assert filled.villages == Layers.demo().villages and filled.dem == Layers.demo().dem
    frame = gpd.read_file(tiny["postal"])  # a GeoDataFrame among the demo's files
    assert Layers(postal=frame).over_demo().postal is frame
    mine = Layers(**tiny).over_demo()
    assert mine.dem == () and mine.communes == tiny["communes"]


def test_unknown_model_lists_the_registered_ones(tiny):
    with pytest.raises(coverage.ConfigError, match="available: range, hata, terrain, itm"):
        coverage.compute(Layers(**tiny), model="nope")


def test_a_model_needing_a_dem_refuses_without_one(tiny):
    with pytest.raises(coverage.ConfigError, match="needs a DEM"):
        coverage.compute(Layers(**tiny), model="terrain")


def test_import_is_light():
    """``import coverage`` loads neither the models nor numba (the API loads on first use)."""
    import subprocess
    import sys

    code = (
        "import sys, coverage; "
        "print(any(m.startswith(('numba', 'geopandas', 'coverage.models')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert np.isfinite(1.0)
