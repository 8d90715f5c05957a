"""`coverage compute` through click's CliRunner: text, JSON contract, --out, bad input."""

import json
import re

import geopandas as gpd
import pandas as pd
import pytest

from coverage.cli.main import cli

from .conftest import tiny_args

CONTRACT = {
    "villages_total",
    "villages_covered",
    "village_coverage_share",
    "village_coverage_by_technology",
    "commune_centres_total",
    "commune_centres_fibre",
    "commune_centre_fibre_share",
    "postal_points_total",
    "postal_points_broadband",
    "postal_broadband_share",
    "rule",
    "crs",
}


def invoke(runner, args):
    return runner.invoke(cli, ["compute", *args], catch_exceptions=False)


def test_text_summary(runner, tiny):
    result = invoke(runner, tiny_args(tiny))
    assert result.exit_code == 0, result.output
    assert "3G/4G villages: 1 / 4 (25.0%)" in result.output
    assert "Commune centres on fibre: 1 / 2 (50.0%)" in result.output
    assert "Postal points with broadband: 2 / 3 (66.7%)" in result.output
    assert "Huyện A" in result.output  # per-district table
    assert "Xã Hai" in result.output  # worst communes


def test_json_contract(runner, tiny):
    result = invoke(runner, [*tiny_args(tiny), "--json", "-q"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert CONTRACT <= set(data)
    assert data["villages_total"] == 4
    assert data["villages_covered"] == 1
    assert data["village_coverage_share"] == 0.25
    assert data["village_coverage_by_technology"]["2G"] == 0.75
    assert data["commune_centre_fibre_share"] == 0.5
    assert data["rule"] == {"name": "area", "threshold": 0.5}
    assert data["crs"] == "EPSG:32648"


def test_options_override_config(runner, tiny, tmp_path):
    config = tmp_path / "coverage.toml"
    config.write_text(
        '[rule]\nname = "area"\nthreshold = 0.15\n\n[connectivity]\nfibre_distance_m = 1000\n'
    )
    data = json.loads(invoke(runner, [*tiny_args(tiny), "--config", str(config), "--json"]).stdout)
    assert data["villages_covered"] == 3
    assert data["postal_points_broadband"] == 3
    data = json.loads(
        invoke(
            runner, [*tiny_args(tiny), "--config", str(config), "--threshold", "0.5", "--json"]
        ).stdout
    )
    assert data["villages_covered"] == 1
    assert data["rule"]["threshold"] == 0.5


def test_out_matches_json(runner, tiny, tmp_path):
    out = tmp_path / "results"
    result = invoke(runner, [*tiny_args(tiny), "--out", str(out), "--json"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert printed == written
    villages = pd.read_csv(out / "villages.csv", dtype={"village_id": str})
    assert villages["covered"].sum() == printed["villages_covered"]
    assert set(villages.columns) >= {
        "village_id",
        "name",
        "commune_id",
        "covered",
        "covered_share",
        "covered_2g",
        "covered_4g",
    }
    layer = gpd.read_file(out / "villages.gpkg", layer="villages")
    assert len(layer) == 4 and layer.crs.to_epsg() == 4326  # the villages' own CRS
    communes = pd.read_csv(out / "communes.csv")
    assert communes["villages"].sum() == 4
    assert len(gpd.read_file(out / "communes.gpkg", layer="communes")) == 2
    assert not list(out.glob(".*.tmp*"))  # no temporary files left behind


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"villages": "missing.gpkg"}, "missing.gpkg: file not found"),
        ({"sites": "swapped"}, "swapped"),
    ],
)
def test_bad_input_one_line_no_traceback(runner, tiny, tmp_path, change, expected):
    if change.get("sites") == "swapped":
        table = pd.read_csv(tiny["sites"]).rename(columns={"lon": "lat", "lat": "lon"})
        table.to_csv(tmp_path / "swapped.csv", index=False)
        change = {"sites": tmp_path / "swapped.csv"}
    result = runner.invoke(cli, ["compute", *tiny_args({**tiny, **change})])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    # off a terminal, the stages before the error are plain progress lines
    lines = [x for x in result.stderr.strip().splitlines() if not x.startswith("coverage: [")]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected in lines[0]


def test_progress_off_a_terminal_is_plain_lines(runner, tiny):
    """CliRunner's stderr is not a terminal (as in CI or cron): each stage is one timed
    line, with no control characters; --quiet silences them."""
    result = runner.invoke(cli, ["compute", *tiny_args(tiny)])
    assert result.exit_code == 0, result.output
    stages = [x for x in result.stderr.splitlines() if x.startswith("coverage: [")]
    assert [x.split("] ", 1)[1] for x in stages][:2] == ["reading layers", "projecting layers"]
    assert all(re.fullmatch(r"coverage: \[ *\d+\.\ds\] [^\x00-\x1f\x7f]+", x) for x in stages)
    quiet = runner.invoke(cli, ["compute", "--quiet", *tiny_args(tiny)])
    assert "coverage: [" not in quiet.stderr


def test_unknown_column_message(runner, tiny, tmp_path):
    frame = gpd.read_file(tiny["villages"]).rename(columns={"village_id": "foo"})
    frame.to_file(tmp_path / "v.gpkg")
    result = runner.invoke(cli, ["compute", *tiny_args({**tiny, "villages": tmp_path / "v.gpkg"})])
    assert result.exit_code == 2
    assert "v.gpkg" in result.stderr and "'village_id'" in result.stderr


def test_bad_option_value(runner, tiny):
    result = runner.invoke(cli, ["compute", *tiny_args(tiny), "--threshold", "1.5"])
    assert result.exit_code == 2
    assert "threshold must be in (0, 1]" in result.stderr


def test_telecov_alias_is_the_same_cli():
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("coverage") == scripts.get("telecov") == "coverage.cli.main:cli"


@pytest.mark.parametrize("model", ["hata", "terrain", "itm"])
def test_compute_with_raster_models(runner, tiny, tiny_dem, tmp_path, model):
    result = runner.invoke(
        cli,
        [
            "compute",
            *tiny_args(tiny, model=model),
            "--dem",
            str(tiny_dem),
            "--json",
            "-q",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == model
    assert 0 <= data["village_coverage_share"] <= 1
    villages = gpd.read_file(tmp_path / "o" / "villages.gpkg", layer="villages")
    assert "best_signal_dbm" in villages.columns
    assert villages["best_signal_dbm"].notna().all()


def test_model_default_without_dem(runner, tiny, tmp_path):
    # every tiny site row gives range_m: the planner's radii, so the range model
    result = runner.invoke(cli, ["compute", *tiny_args(tiny, model=None), "--json", "-q"])
    assert json.loads(result.stdout)["model"] == "range"
    # one row without range_m: the Hata link budget
    rows = (tiny["sites"]).read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].rsplit(",", 1)[0] + ","
    (tmp_path / "sites.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    args = tiny_args({**tiny, "sites": tmp_path / "sites.csv"}, model=None)
    result = runner.invoke(cli, ["compute", *args, "--json", "-q"])
    assert json.loads(result.stdout)["model"] == "hata"


def test_help_does_not_load_the_heavy_stack():
    """`coverage --help` and each command's --help print without geopandas, numba, folium
    or matplotlib (seconds of start-up before any help)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from coverage.cli.main import cli\n"
        "for args in ([], ['compute'], ['map'], ['check'], ['report'], ['predict']):\n"
        "    assert CliRunner().invoke(cli, [*args, '--help']).exit_code == 0, args\n"
        "heavy = ('geopandas', 'numba', 'folium', 'matplotlib', 'rasterio', 'pandas')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(heavy)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
