"""`coverage map --plan DIR`: a site plan drawn over the gap map (coverage.maps.plan_layer)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from coverage.cli.main import cli
from coverage.maps.palette import MIN_REFERENCE_DELTA_E, plan_colour_report
from coverage.maps.plan_layer import read_plan

from .conftest import TINY, tiny_args


@pytest.fixture
def plan_dir(tmp_path):
    """A hand-written plan folder over the tiny fixture: two sites, ranks 2 and 1 (stored
    out of order), a ``<script>`` candidate id, one newly covered village."""
    folder = tmp_path / "plan"
    folder.mkdir()
    gpkg = folder / "plan.gpkg"
    sites = gpd.GeoDataFrame(
        {
            "rank": [2, 1],
            "candidate_id": ["CAND-00042", "<script>x</script>"],
            "kind": ["peak", "grid"],
            "technology": ["4G", "4G"],
            "height_m": [30.0, 25.0],
            "villages_newly_covered": [0, 1],
            "population_newly_covered": [0, 1234],
            "cumulative_coverage_share": [0.5, 0.5],
        },
        geometry=shapely.points([106.00, 105.95], [17.46, 17.462]),
        crs=4326,
    )
    metric = sites.to_crs(32648)
    footprints = gpd.GeoDataFrame(
        {"candidate_id": sites["candidate_id"]}, geometry=metric.buffer(1500), crs=32648
    )
    villages = gpd.read_file(TINY / "villages.geojson")
    villages["covered_before"] = False
    villages["covered_after"] = villages.index == 0
    villages["newly_covered"] = villages.index == 0
    sites.to_file(gpkg, layer="proposed_sites", engine="pyogrio")
    footprints.to_file(gpkg, layer="footprints", engine="pyogrio", append=True)
    villages.to_file(gpkg, layer="villages", engine="pyogrio", append=True)
    return folder


def test_read_plan(plan_dir):
    plan = read_plan(plan_dir).sites
    assert plan is not None
    assert plan.sites["rank"].tolist() == [1, 2]
    assert len(plan.villages) == 1 and plan.villages["newly_covered"].all()
    assert plan.footprints.crs.to_epsg() == 4326 and len(plan.footprints) == 2


@pytest.mark.parametrize(
    ("lang", "layer", "label"),
    [
        ("en", "Proposed sites", "People newly covered"),
        ("vi", "Trạm đề xuất", "Dân số có sóng mới"),
    ],
)
def test_map_html_with_plan(runner, tiny, tmp_path, plan_dir, lang, layer, label):
    out = tmp_path / "m.html"
    args = ["map", *tiny_args(tiny), "--plan", str(plan_dir), "--lang", lang, "-o", str(out), "-q"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert layer in page and label in page
    assert "CAND-00042" in page and "cov-plan-site" in page
    # the numbered markers, rank 1 first, inside their (JSON-escaped) icon markup
    first, second = page.index("\\u003e1\\u003c/div"), page.index("\\u003e2\\u003c/div")
    assert first < second
    assert "<script>x</script>" not in page  # the id is escaped, twice over
    assert "1,234" in page or "1.234" in page  # people newly covered, as the language writes it
    assert "$(`" not in page  # no folium popup: they need jQuery, which the page lacks


def test_map_static_and_png_with_plan(runner, tiny, tmp_path, plan_dir):
    for flag, name in (("--static", "s.html"), ("--png", "m.png")):
        out = tmp_path / name
        args = ["map", *tiny_args(tiny), "--plan", str(plan_dir), flag, "-o", str(out), "-q"]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert "cov-plan-site" in (tmp_path / "s.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("which", ["missing", "empty"])
def test_map_plan_missing(runner, tiny, tmp_path, which):
    folder = tmp_path / "plan"
    if which == "empty":
        folder.mkdir()
    out = tmp_path / "m.html"
    args = ["map", *tiny_args(tiny), "--plan", str(folder), "-o", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(folder) in lines[0]
    assert "plan" in lines[0] and "Traceback" not in result.output
    assert not out.exists()


def test_map_plan_not_with_kmz(runner, tiny, tmp_path, plan_dir):
    args = ["map", *tiny_args(tiny), "--plan", str(plan_dir), "--kmz", "-o", str(tmp_path / "k")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2 and "--plan" in result.stderr


def test_plan_colour_stands_apart():
    """Magenta stays clear of the classes, the gap red, the sea and the 3G/4G footprints,
    with normal vision and the three simulated colour deficiencies."""
    assert min(plan_colour_report().values()) >= MIN_REFERENCE_DELTA_E
