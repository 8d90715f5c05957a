"""`coverage map --plan DIR`: a site plan, a fibre plan or both drawn over the gap map
(coverage.maps.plan_layer, coverage.maps.fibre_layer)."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil

import geopandas as gpd
import pytest
import shapely

from coverage import Layers
from coverage._errors import InputError
from coverage.cli.main import cli
from coverage.maps.palette import (
    MIN_REFERENCE_DELTA_E,
    fibre_plan_colour_report,
    plan_colour_report,
)
from coverage.maps.plan_layer import legend_entries, legend_sections, read_plan
from coverage.plan.fibre import plan_fibre
from coverage.plan.fibre_report import write_fibre_plan

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


@pytest.fixture(scope="module")
def fibre_dir(tmp_path_factory):
    """A real fibre plan of the demo province, with two sites to backhaul: ``NEAR-1`` by a
    road, ``FAR-1`` in the roadless west (unreachable); one target renamed ``<script>``."""
    folder = tmp_path_factory.mktemp("fibre")
    sites = folder / "sites.csv"
    sites.write_text(
        "site_id,technology,lon,lat\nFAR-1,4G,105.75,17.55\nNEAR-1,4G,106.3,17.6\n",
        encoding="utf-8",
    )
    result = plan_fibre(Layers.demo(), sites=str(sites))
    assert [u["id"] for u in result.summary["unreachable"]] == ["FAR-1"]
    targets = result.targets.copy()
    targets.loc[targets["id"] == "FAR-1", "name"] = "<script>alert(1)</script>"
    targets.loc[targets.index[0], "name"] = "<b>bold</b> & co"
    write_fibre_plan(dataclasses.replace(result, targets=targets), folder)
    sites.unlink()
    return folder


@pytest.fixture
def both_dir(plan_dir, fibre_dir):
    """The hand-written site plan and the demo's fibre plan in one folder."""
    for path in fibre_dir.iterdir():
        shutil.copy(path, plan_dir / path.name)
    return plan_dir


def test_read_plan(plan_dir):
    both = read_plan(plan_dir)
    assert both.fibre is None
    plan = both.sites
    assert plan is not None
    assert plan.sites["rank"].tolist() == [1, 2]
    assert len(plan.villages) == 1 and plan.villages["newly_covered"].all()
    assert plan.footprints.crs.to_epsg() == 4326 and len(plan.footprints) == 2


def test_read_plan_fibre_only(fibre_dir):
    plan = read_plan(fibre_dir)
    assert plan.sites is None and plan.fibre is not None
    fibre = plan.fibre
    assert fibre.network.crs.to_epsg() == 4326 and len(fibre.network) > 0
    assert set(fibre.network.geom_type) <= {"LineString", "MultiLineString"}
    assert fibre.unreachable["id"].tolist() == ["FAR-1"]
    assert fibre.targets["reachable"].dtype == bool and len(fibre.routes) > 0
    s = fibre.summary
    assert s["currency"] == "USD" and s["targets_total"] == len(fibre.targets)
    assert s["targets_connected"] == len(fibre.targets) - 1
    # the one GeoPackage by itself reads too, with the JSON beside it
    assert read_plan(fibre_dir / "fibre.gpkg").fibre is not None


def test_map_fibre_plan_without_cable(runner, tiny, tmp_path):
    """A hand-written fibre plan whose only target no road reaches: no cable at all."""
    folder = tmp_path / "plans"
    folder.mkdir()
    gpkg = folder / "fibre.gpkg"
    empty = {"geometry": gpd.GeoSeries([], crs=4326)}
    network = gpd.GeoDataFrame(
        {"class": [], "targets": [], "length_m": [], "cost": [], **empty}, crs=4326
    )
    routes = gpd.GeoDataFrame({"id": [], "kind": [], "km": [], **empty}, crs=4326)
    targets = gpd.GeoDataFrame(
        {
            "id": ["<i>T1</i>"],
            "kind": ["centre"],
            "name": [None],
            "reachable": [False],
            "km_to_network": [None],
            "cost_share": [None],
        },
        geometry=shapely.points([105.95], [17.46]),
        crs=4326,
    )
    _rewrite(gpkg, {"fibre_network": network, "fibre_routes": routes, "fibre_targets": targets})
    fibre = read_plan(folder).fibre
    assert fibre is not None and len(fibre.network) == 0
    assert fibre.summary["total_km"] == 0 and fibre.summary["targets_connected"] == 0
    for flag, name in (("--lang", "m.html"), ("--png", "m.png")):
        out = tmp_path / name
        extra = [flag, "en"] if flag == "--lang" else [flag]
        args = ["map", *tiny_args(tiny), "--plan", str(folder), *extra, "-o", str(out), "-q"]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "cov-fibre-unreachable" in page and "<i>T1" not in page


def test_read_plan_both(both_dir):
    plan = read_plan(both_dir)
    assert plan.sites is not None and plan.fibre is not None
    headings = [heading for heading, _ in legend_sections(plan, "en")]
    assert headings == ["Proposed fibre", "Proposed sites"]
    labels = [label for _, label in legend_entries(plan, "vi")]
    assert "Tuyến cáp quang đề xuất" in labels and "Điểm không tới được bằng đường bộ" in labels
    assert "Trạm đề xuất" in labels


@pytest.mark.parametrize("stray", [None, "notes.txt", "fibre_plan.json"])
def test_read_plan_neither(tmp_path, stray):
    folder = tmp_path / "plans"
    folder.mkdir()
    if stray:
        (folder / stray).write_text("{}", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_plan(folder)
    message = str(info.value)
    assert str(folder) in message and "fibre.gpkg" in message
    assert "coverage plan fibre --out" in message


def _rewrite(gpkg, layers):
    gpkg.unlink(missing_ok=True)
    for k, (name, frame) in enumerate(layers.items()):
        frame.to_file(gpkg, layer=name, engine="pyogrio", append=k > 0)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("drop_layer", r"fibre\.gpkg: layers missing: fibre_routes"),
        ("drop_column", r"fibre\.gpkg: layer 'fibre_targets' lacks the column\(s\) reachable"),
        ("json", r"fibre_plan\.json: not a fibre plan's JSON"),
        ("not_gpkg", r"fibre\.gpkg: not a GeoPackage"),
    ],
)
def test_read_plan_damaged_fibre(tmp_path, fibre_dir, damage, expected):
    folder = tmp_path / "plans"
    shutil.copytree(fibre_dir, folder)
    gpkg = folder / "fibre.gpkg"
    layers = {
        name: gpd.read_file(gpkg, layer=name)
        for name in ("fibre_network", "fibre_routes", "fibre_targets")
    }
    if damage == "drop_layer":
        del layers["fibre_routes"]
        _rewrite(gpkg, layers)
    elif damage == "drop_column":
        layers["fibre_targets"] = layers["fibre_targets"].drop(columns="reachable")
        _rewrite(gpkg, layers)
    elif damage == "json":
        (folder / "fibre_plan.json").write_text("{not json", encoding="utf-8")
    else:
        gpkg.write_bytes(b"not a geopackage")
    with pytest.raises(InputError, match=expected):
        read_plan(folder)


@pytest.mark.parametrize(
    ("lang", "layer", "labels"),
    [
        ("en", "Proposed fibre", ("Proposed fibre route", "Unreachable by road", "Cost share")),
        (
            "vi",
            "Cáp quang đề xuất",
            ("Tuyến cáp quang đề xuất", "Điểm không tới được bằng đường bộ", "Chi phí phân bổ"),
        ),
    ],
)
def test_map_html_with_fibre_plan(runner, tiny, tmp_path, fibre_dir, lang, layer, labels):
    out = tmp_path / "m.html"
    args = ["map", *tiny_args(tiny), "--plan", str(fibre_dir), "--lang", lang, "-o", str(out)]
    result = runner.invoke(cli, [*args, "-q"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    # tooltip aliases reach the page as JSON, non-ASCII escaped
    assert layer in page and all(json.dumps(label)[1:-1] in page for label in labels[2:])
    assert all(label in page for label in labels[:2])
    fibre = read_plan(fibre_dir).fibre
    assert fibre is not None
    # one tooltip-carrying feature per line of new cable, one per target
    assert len(re.findall(r'"cls": ', page)) == len(fibre.network)
    assert page.count('"cost": ') == len(fibre.network) + len(fibre.targets) - 1
    assert "cov-fibre-unreachable" in page and "cov-fibre-ok" in page
    assert "FAR-1" in page and "USD" in page
    # names escaped before they reach the page (then JSON-escaped again)
    assert "<script>alert(1)" not in page and "<b>bold" not in page
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page
    assert "Cell site" in page or "Trạm BTS" in page


def test_map_html_with_both_plans(runner, tiny, tmp_path, both_dir):
    out = tmp_path / "m.html"
    args = ["map", *tiny_args(tiny), "--plan", str(both_dir), "--lang", "en", "-o", str(out)]
    result = runner.invoke(cli, [*args, "-q"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "cov-plan-site" in page and "cov-fibre-target" in page
    assert page.index("Proposed fibre route") < page.index("Villages the proposed sites cover")


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


def test_map_static_and_png_with_both_plans(runner, tiny, tmp_path, both_dir):
    for flag, name in (("--static", "s.html"), ("--png", "m.png")):
        out = tmp_path / name
        args = ["map", *tiny_args(tiny), "--plan", str(both_dir), flag, "-o", str(out), "-q"]
        result = runner.invoke(cli, [*args, "--lang", "en"])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "cov-fibre-unreachable" in page and "Proposed fibre route" in page
    assert "<script>alert(1)" not in page


def test_fibre_plan_colour_stands_apart():
    """The proposed cable's mint stays clear of every other colour of the map, the
    existing fibre and the site plan's magenta included, with normal vision and the
    three simulated colour deficiencies."""
    assert min(fibre_plan_colour_report().values()) >= MIN_REFERENCE_DELTA_E


def test_plan_colour_stands_apart():
    """Magenta stays clear of the classes, the gap red, the sea and the 3G/4G footprints,
    with normal vision and the three simulated colour deficiencies."""
    assert min(plan_colour_report().values()) >= MIN_REFERENCE_DELTA_E
