"""Validation: per layer at read time, the layers together, and what the model ignores."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage import CoverageWarning, Settings, ValidationError
from coverage._errors import ConfigError
from coverage.io import read_layer
from coverage.layers import Layer
from coverage.projection import to_crs
from coverage.settings import load_config
from coverage.validation import (
    check_together,
    consistency_warnings,
    given_site_columns,
    unused_site_columns,
    validate_layer,
)


def _layer(kind: str, frame: gpd.GeoDataFrame, source: str = "x.gpkg") -> Layer:
    return Layer(kind, frame, source, np.array([str(i + 1) for i in range(len(frame))]))


def test_every_problem_of_a_layer_at_once_with_file_row_and_column():
    frame = gpd.GeoDataFrame(
        {
            "site_id": ["A", "B", None],
            "technology": ["4G", "WiMAX", "2G"],
            "height_m": [30, 900, 20],
        },
        geometry=[shapely.Point(106, 17)] * 3,
        crs=4326,
    )
    with pytest.raises(ValidationError) as info:
        validate_layer(frame, "sites", "bts.gpkg")
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == 3
    assert any("'technology'" in x and "2 (site_id=B)" in x for x in lines)
    assert any("'height_m'" in x and "0-500 m" in x for x in lines)
    assert any("blank id" in x for x in lines)
    assert all(x.startswith("bts.gpkg") for x in lines)


def test_range_above_the_cap_warns_naming_the_file_and_is_capped(tiny, tmp_path):
    path = tmp_path / "bts.csv"
    rows = tiny["sites"].read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].rsplit(",", 1)[0] + ",90000"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.warns(
        CoverageWarning, match=r"bts\.csv: 1 site row\(s\) have a range above 35,000 m"
    ):
        layer = read_layer(path, "sites")
    assert layer.frame["range_m"].max() == 35000.0


def test_given_and_unused_site_columns():
    frame = gpd.GeoDataFrame(
        {"range_m": [np.nan, 800.0], "eirp_dbm": [np.nan, np.nan], "tilt_deg": [3.0, 3.0]},
        geometry=[shapely.Point(0, 0)] * 2,
    )
    layer = _layer("sites", frame, "bts.csv")
    # an all-blank column is not given
    assert given_site_columns(layer) == {"range_m": 1, "tilt_deg": 2}
    assert unused_site_columns(layer, "range", frozenset({"range_m"})) == [
        "bts.csv: column 'tilt_deg' (--model hata, terrain or itm would use it) is not used by "
        "the range model"
    ]
    assert unused_site_columns(layer, "hata", frozenset({"tilt_deg"})) == [
        "bts.csv: column 'range_m' on 1 of 2 rows (--model range would use it) is not used by "
        "the hata model"
    ]
    assert unused_site_columns(layer, "x", frozenset({"range_m", "tilt_deg"})) == []


def _projected(tiny):
    from coverage.layers import Layers
    from coverage.pipeline import load

    inputs = load(Layers(**tiny), settings=Settings())
    crs = inputs.villages.frame.estimate_utm_crs()
    return {k: None if v is None else to_crs(v, crs) for k, v in vars(inputs).items()}, crs


def _together(layers: dict, crs):
    from coverage.layers import LayerSet

    return check_together(LayerSet(**layers), crs, settings=Settings())


def test_points_far_from_the_villages_are_an_error_naming_file_and_row(tiny):
    layers, crs = _projected(tiny)
    postal = layers["postal"]
    moved = postal.frame.set_geometry(
        shapely.transform(postal.frame.geometry.to_numpy(), lambda xy: xy + 100_000)
    )
    layers["postal"] = postal.with_frame(moved)
    with pytest.raises(ValidationError) as info:
        _together(layers, crs)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{tiny['postal']}: row 1 (point_id=P1): column 'geometry'")
    assert "3 of 3 postal lie far outside the villages' extent: check its CRS" in str(problem)


def test_sites_out_of_reach_are_dropped_and_counted(tiny):
    layers, crs = _projected(tiny)
    sites = layers["sites"]
    far = sites.frame.set_geometry(
        [
            shapely.Point(g.x + (80_000 if i == 0 else 0), g.y)
            for i, g in enumerate(sites.frame.geometry)
        ]
    )
    layers["sites"] = sites.with_frame(far)
    with pytest.warns(CoverageWarning, match="1 of 4 site row"):
        projected = _together(layers, crs)
    assert projected.sites_out_of_reach == 1 and len(projected.sites) == 3


def test_overlapping_communes_are_reported(tiny):
    layers, _crs = _projected(tiny)
    communes = layers["communes"]
    frame = communes.frame.copy()
    frame = frame.set_geometry([frame.geometry.iloc[0]] * 2, crs=frame.crs)
    warnings_ = consistency_warnings(layers["villages"], communes.with_frame(frame))
    assert any("pair(s) of communes overlap" in w for w in warnings_)


def _with_one_village_at(tiny, tmp_path, lon: float, lat: float):
    villages = gpd.read_file(tiny["villages"])
    moved = villages.copy()
    moved.loc[moved.index[0], "geometry"] = shapely.box(lon, lat, lon + 0.001, lat + 0.001)
    path = tmp_path / "thon.geojson"
    moved.to_file(path)
    return path, str(villages["village_id"].iloc[0])


def test_a_village_at_zero_zero_is_an_error_naming_it(tiny, tmp_path):
    from coverage.layers import Layers
    from coverage.pipeline import run

    path, first = _with_one_village_at(tiny, tmp_path, 0.0, 0.0)
    with pytest.raises(ValidationError) as info:
        run(Layers(**{**tiny, "villages": path}), model="range")
    (problem,) = info.value.problems
    # 0, 0 is about 11,900 km from the tiny villages near 105.95 E, 17.46 N
    assert str(problem).startswith(f"{path}: row 1 (village_id={first}): column 'geometry': lies")
    assert "km from the other villages" in str(problem)
    km = float(str(problem).split("lies ")[1].split(" km")[0].replace(",", ""))
    assert 11_500 < km < 12_300


def test_the_crs_follows_the_bulk_of_the_villages(tiny, tmp_path):
    from coverage.layers import Layers
    from coverage.pipeline import load, project

    # one village 1,400 km west (93 E, zone 46): the bounds' centre (99.5 E) is in zone 47,
    # the bulk (near 106 E) in zone 48
    path, _ = _with_one_village_at(tiny, tmp_path, 93.0, 17.46)
    inputs = load(Layers(**{**tiny, "villages": path}), settings=Settings())
    assert project(inputs, settings=Settings()).crs.to_epsg() == 32648


def _villages(population):
    return gpd.GeoDataFrame(
        {"village_id": [f"V{i}" for i in range(len(population))], "population": population},
        geometry=[shapely.box(i, 0, i + 0.5, 0.5) for i in range(len(population))],
        crs=32648,
    )


def test_implausible_populations_are_refused_and_the_limits_overridable():
    with pytest.raises(ValidationError) as info:
        validate_layer(_villages([120, 1e12]), "villages", "thon.gpkg")
    (line,) = [str(p) for p in info.value.problems]
    assert "row 2" in line and "'population'" in line and "1,000,000" in line
    # a census of a few big wards passes once the limit is raised for it
    big = _villages([1_200_000, 900])
    with pytest.raises(ValidationError):
        validate_layer(big, "villages", "x.gpkg")
    validate_layer(big, "villages", "x.gpkg", settings=Settings(max_village_population=2e6))
    # each village plausible, the total not: 300 villages of 999,999 people
    with pytest.raises(ValidationError, match="total 299,999,700 people"):
        validate_layer(_villages([999_999] * 300), "villages", "x.gpkg")


def test_site_limits_are_settings():
    frame = gpd.GeoDataFrame(
        {"site_id": ["A"], "technology": ["4G"], "height_m": [600.0], "range_m": [8.0]},
        geometry=[shapely.Point(106, 17)],
        crs=4326,
    )
    with pytest.raises(ValidationError) as info:
        validate_layer(frame.copy(), "sites", "bts.gpkg")
    assert len(info.value.problems) == 2
    loose = Settings(max_height_m=700.0, min_range_m=5.0)
    assert (
        validate_layer(frame.copy(), "sites", "bts.gpkg", settings=loose).frame["height_m"][0]
        == 600
    )


def test_limits_in_the_config_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[limits]\nmax_village_population = 5000000\n", encoding="utf-8")
    assert load_config(path).max_village_population == 5e6
    path.write_text('[limits]\nmin_range_m = "10"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[limits\] min_range_m must be a number"):
        load_config(path)


_CELL = "{radio},452,4,{area},{cell},,{lon},{lat},{range},5,1,1459000000,1700000000,0\n"


def _opencellid(path, rows):
    header = (
        "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,"
        "averageSignal\n"
    )
    body = "".join(
        _CELL.format(radio=r, area=1000 + i, cell=i, lon=x, lat=y, range=m)
        for i, (r, x, y, m) in enumerate(rows)
    )
    path.write_text(header + body, encoding="utf-8")
    return path


def test_a_national_file_is_judged_only_on_the_rows_that_take_part(tiny, tmp_path):
    import coverage
    from coverage.layers import Layers

    near = [("LTE", 105.9418, 17.4628, 2000), ("GSM", 105.9616, 17.4627, 3000)]
    # the other ends of the country: ranges of a few metres and a radio nobody knows
    far = [("LTE", 105.85, 21.03, 3), ("UMTS", 106.70, 10.78, 1), ("WIMAX", 107.0, 11.0, 9)]
    local = coverage.compute(
        Layers(**{**tiny, "sites": _opencellid(tmp_path / "local.csv", near)})
    ).summary
    national = coverage.compute(
        Layers(**{**tiny, "sites": _opencellid(tmp_path / "452.csv", near + far)})
    ).summary
    assert national["sites"]["ignored_out_of_reach"] == 3
    assert national["villages_covered"] == local["villages_covered"]
    assert any("3 of 5 site row(s) of" in w for w in national["warnings"])
    # a row that takes part still stops the run, named by its line
    bad = near + far + [("LTE", 105.95, 17.46, 4)]
    with pytest.raises(ValidationError) as info:
        coverage.compute(Layers(**{**tiny, "sites": _opencellid(tmp_path / "bad.csv", bad)}))
    (line,) = [str(p) for p in info.value.problems]
    assert "bad.csv: row 7: column 'range_m'" in line  # its line in the file


def test_an_empty_cell_in_a_text_number_column_is_blank(tmp_path):
    """A GeoPackage whose height_m column is TEXT with one NULL: blank, not 'nan'."""
    frame = gpd.GeoDataFrame(
        {"site_id": ["A", "B"], "technology": ["4G", "4G"], "height_m": ["30", None]},
        geometry=[shapely.Point(106, 17), shapely.Point(106.01, 17)],
        crs=4326,
    )
    frame.to_file(tmp_path / "bts.gpkg")
    layer = read_layer(tmp_path / "bts.gpkg", "sites")
    assert layer.frame["height_m"].iloc[0] == 30.0
    assert np.isnan(layer.frame["height_m"].iloc[1])
