"""``coverage check``: every problem at once, the same findings as ``compute``."""

from __future__ import annotations

import geopandas as gpd
import shapely

from coverage.cli.main import cli
from coverage.layers import Layers
from coverage.pipeline import check

from .conftest import tiny_args


def test_check_clean_data(runner, tiny):
    # Every tiny site row gives range_m and no DEM is given: the default model is range,
    # which does not read the rows' eirp_dbm and height_m; check says so, like compute.
    result = runner.invoke(cli, ["check", *tiny_args(tiny, model=None)])
    assert result.exit_code == 0
    assert "0 error(s), 1 warning(s)" in result.stderr
    assert "'eirp_dbm'" in result.stdout and "range model" in result.stdout
    report = check(Layers(**tiny))
    assert report.ok and report.model == "range"


def test_check_reports_all_problems_and_exits_2(runner, tiny, tmp_path):
    bad = tmp_path / "sites.csv"
    bad.write_text(
        "site_id,lon,lat,technology,height_m\nA,105.95,17.46,WiMAX,30\nB,105.95,17.46,4G,-3\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["check", *tiny_args({**tiny, "sites": bad}, model=None)])
    assert result.exit_code == 2
    errors = [line for line in result.stdout.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert any("row 2" in e and "'technology'" in e for e in errors)
    assert any("row 3" in e and "'height_m'" in e for e in errors)


def test_check_strict_fails_on_warnings(runner, tiny):
    tiny = {k: v for k, v in tiny.items() if k != "centres"}  # centres fall back: a warning
    result = runner.invoke(cli, ["check", *tiny_args(tiny, model=None), "--strict"])
    assert result.exit_code == 1
    assert "warning: " in result.stdout and "representative point" in result.stdout


def test_check_names_the_model_it_checked_for(runner, tiny, tiny_dem):
    # with a DEM the default is terrain, which reads EIRP and height but not range_m
    result = runner.invoke(cli, ["check", *tiny_args(tiny, model=None), "--dem", str(tiny_dem)])
    assert result.exit_code == 0, result.output
    assert "'range_m' (--model range would use it) is not used by the terrain model" in (
        result.stdout
    )
    result = runner.invoke(cli, ["check", *tiny_args(tiny, model=None), "--model", "terrain"])
    assert result.exit_code == 2
    assert "terrain model needs a DEM" in result.stdout


def test_check_refuses_a_multi_layer_file_without_a_layer_name(runner, tiny, tmp_path):
    path = tmp_path / "both.gpkg"
    villages = gpd.read_file(tiny["villages"])
    villages.to_file(path, layer="thon")
    villages.to_file(path, layer="old_thon")
    result = runner.invoke(cli, ["check", *tiny_args({**tiny, "villages": path}, model=None)])
    assert result.exit_code == 2
    line = next(x for x in result.stdout.splitlines() if x.startswith("error: "))
    assert str(path) in line and "thon, old_thon" in line and "FILE::LAYER" in line
    named = runner.invoke(
        cli, ["check", *tiny_args({**tiny, "villages": f"{path}::old_thon"}, model=None)]
    )
    assert named.exit_code == 0, named.output


def test_a_layer_named_like_its_kind_is_read(tiny, tmp_path):
    path = tmp_path / "all.gpkg"
    gpd.read_file(tiny["villages"]).to_file(path, layer="villages")
    communes = gpd.read_file(tiny["communes"])
    communes.to_file(path, layer="communes")
    # a decoy layer with other features
    decoy = communes.assign(geometry=shapely.box(0, 0, 1, 1))
    decoy.to_file(path, layer="draft")
    report = check(Layers(**{**tiny, "villages": path, "communes": path}))
    assert report.ok, report.errors
    assert report.features["villages"] == 4 and report.features["communes"] == 2
