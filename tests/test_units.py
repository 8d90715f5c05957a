"""Reporting by the communes of today (coverage.units): a hand-checked reform.

Old communes A, B, C, D (metres, UTM 48N, 1 km squares):

    y 1-2 km:  B [0-1]  C [1-2]  D [2-3, 0-2]
    y 0-1 km:  A [0-2]  (A's west half, village a1, and east half, a2)

The reform: A is split between X (west) and Y (east), B and C merge into Z, D becomes D25
unchanged. Villages: a1, a2 (A), b1 (B), c1 (C), d1, d2 (D), one per square km, with
populations 100-600. Three sites of range 600 m at the centres of a1, c1 and d1 cover
those villages (a disc of radius 600 m covers 95 % of its 1 km square and 4.5 % of each
neighbour), so a1, c1 and d1 are covered, a2, b1 and d2 are not.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from coverage import Layers, compute
from coverage._errors import InputError, ValidationError
from coverage.cli.main import cli

CRS = "EPSG:32648"
X0, Y0 = 600_000.0, 1_900_000.0


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0 * 1000, Y0 + y0 * 1000, X0 + x1 * 1000, Y0 + y1 * 1000)


def point(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x * 1000, Y0 + y * 1000)


VILLAGES = gpd.GeoDataFrame(
    {
        "village_id": ["a1", "a2", "b1", "c1", "d1", "d2"],
        "commune_id": ["A", "A", "B", "C", "D", "D"],
        "population": [100, 200, 300, 400, 500, 600],
    },
    geometry=[
        box(0, 0, 1, 1),
        box(1, 0, 2, 1),
        box(0, 1, 1, 2),
        box(1, 1, 2, 2),
        box(2, 0, 3, 1),
        box(2, 1, 3, 2),
    ],
    crs=CRS,
)
COMMUNES = gpd.GeoDataFrame(
    {"commune_id": ["A", "B", "C", "D"], "name": ["Xã A", "Xã B", "Xã C", "Xã D"]},
    geometry=[box(0, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2), box(2, 0, 3, 2)],
    crs=CRS,
)
CENTRES = gpd.GeoDataFrame(
    {"commune_id": ["A", "B", "C", "D"], "fibre": ["yes", "no", "yes", "yes"]},
    geometry=[point(1.5, 0.5), point(0.5, 1.5), point(1.5, 1.6), point(2.5, 1.5)],
    crs=CRS,
)
SITES = gpd.GeoDataFrame(
    {"site_id": ["s1", "s2", "s3"], "technology": ["4G"] * 3, "range_m": [600.0] * 3},
    geometry=[point(0.5, 0.5), point(1.5, 1.5), point(2.5, 0.5)],
    crs=CRS,
)
NEW = gpd.GeoDataFrame(
    {
        "commune_id": ["X", "Y", "Z", "D25"],
        "name": ["Xã X", "Xã Y", "Xã Z", "Xã D mới"],
        "province": ["Tỉnh Mới"] * 4,
    },
    geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 2, 2), box(2, 0, 3, 2)],
    crs=CRS,
)
CROSSWALK = pd.DataFrame(
    {
        "old_commune_id": ["A", "A", "B", "C", "D"],
        "new_commune_id": ["X", "Y", "Z", "Z", "D25"],
        "weight": [0.6, 0.4, 1.0, 1.0, 1.0],
        "new_name": ["Xã X", "Xã Y", "Xã Z", "Xã Z", "Xã D mới"],
    }
)


def _disc_share(r: float = 600.0, side: float = 1000.0) -> float:
    """Share of a side x side square covered by a centred disc of radius r (r > side/2)."""
    d = side / 2
    segment = r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)
    return (math.pi * r * r - 4 * segment) / side**2


def run(**layers):
    base = {"villages": VILLAGES, "sites": SITES, "communes": COMMUNES, "centres": CENTRES}
    return compute(Layers(**(base | layers)), model="range")


def by_unit(result) -> dict[str, dict]:
    return {u["commune_id"]: u for u in result.summary["by_new_commune"]}


def test_the_covered_villages_are_the_ones_under_a_site():
    result = run()
    covered = dict(zip(result.villages["village_id"], result.villages["covered"], strict=True))
    assert covered == {"a1": True, "a2": False, "b1": False, "c1": True, "d1": True, "d2": False}
    assert "by_new_commune" not in result.summary and result.new_communes is None


def test_with_new_polygons_each_village_goes_where_it_lies():
    result = run(new_communes=NEW, crosswalk=CROSSWALK)
    units = by_unit(result)
    assert sorted(units) == ["D25", "X", "Y", "Z"]
    expected = {  # villages, covered, population, centres, centres on fibre
        "X": (1, 1, 100, 0, 0),
        "Y": (1, 0, 200, 1, 1),  # A's centre lies in the east half
        "Z": (2, 1, 700, 2, 1),
        "D25": (2, 1, 1100, 1, 1),
    }
    for code, (n, cov, pop, centres, fibre) in expected.items():
        u = units[code]
        got = (u["villages"], u["villages_covered"], u["population"], u["centres"])
        assert (*got, u["centres_fibre"]) == (n, cov, pop, centres, fibre), code
        assert u["coverage_share"] == pytest.approx(cov / n)
    share = _disc_share()  # a1's covered share; its neighbours get 4.5 % each
    assert units["X"]["population_covered"] == pytest.approx(100 * share, abs=1)
    edge = (math.pi * 0.6**2 - share) / 4  # one disc segment, as a share of 1 km²
    assert units["Z"]["population_covered"] == pytest.approx(
        400 * share + 300 * 2 * edge, abs=2
    )  # c1 covered; b1 catches the rims of s1 and s2
    assert units["Y"]["name"] == "Xã Y" and units["X"]["province"] == "Tỉnh Mới"
    assert result.summary["warnings"] == []  # polygons decide: no split to warn about


def test_with_the_crosswalk_only_a_split_commune_goes_to_its_largest_weight():
    result = run(crosswalk=CROSSWALK)
    units = by_unit(result)
    assert sorted(units) == ["D25", "X", "Z"]  # Y gets nothing: A's villages go to X (0.6)
    assert (units["X"]["villages"], units["X"]["villages_covered"]) == (2, 1)
    assert units["X"]["population"] == 300
    assert (units["X"]["centres"], units["X"]["centres_fibre"]) == (1, 1)
    assert (units["Z"]["villages"], units["Z"]["population"]) == (2, 700)
    split = [w for w in result.summary["warnings"] if "split" in w]
    assert len(split) == 2 and all("'A'" in w and "X" in w for w in split)  # villages, centres


@pytest.mark.parametrize(
    "layers",
    [
        {"new_communes": NEW},
        {"crosswalk": CROSSWALK},
        {"new_communes": NEW, "crosswalk": CROSSWALK},
    ],
)
def test_totals_over_new_units_equal_the_totals_over_old_units(layers):
    result = run(**layers)
    units = result.summary["by_new_commune"]
    s = result.summary
    assert sum(u["villages"] for u in units) == s["villages_total"] == 6
    assert sum(u["villages_covered"] for u in units) == s["villages_covered"] == 3
    assert sum(u["population"] for u in units) == s["population_total"] == 2100
    assert sum(u["centres"] for u in units) == s["commune_centres_total"] == 4
    assert sum(u["centres_fibre"] for u in units) == s["commune_centres_fibre"] == 3
    assert result.villages["new_commune_id"].notna().all()


def test_the_demo_reports_both_vintages():
    result = compute(model="range")
    units = result.summary["by_new_commune"]
    assert len(units) == 41 and {u["province"] for u in units} == {"Tỉnh Quảng Trị"}
    assert sum(u["villages"] for u in units) == result.summary["villages_total"]
    assert sum(u["population"] for u in units) == result.summary["population_total"]
    assert len(result.summary["by_district"]) == 8  # the old units stay


# --- refusals: one clear line each ----------------------------------------------------


def refused(tmp_path, crosswalk: pd.DataFrame | None = None, new=None) -> str:
    args = []
    for name, frame in (("villages", VILLAGES), ("communes", COMMUNES), ("sites", SITES)):
        path = tmp_path / f"{name}.gpkg"
        frame.to_file(path, layer=name)
        args += [f"--{name}", str(path)]
    if crosswalk is not None:
        path = tmp_path / "crosswalk.csv"
        crosswalk.to_csv(path, index=False)
        args += ["--crosswalk", str(path)]
    if new is not None:
        path = tmp_path / "new.gpkg"
        new.to_file(path, layer="new_communes")
        args += ["--new-communes", str(path)]
    result = CliRunner().invoke(cli, ["compute", "-q", "--model", "range", *args])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    return result.output


def test_unknown_old_code_is_refused_naming_the_row(tmp_path):
    bad = pd.concat(
        [CROSSWALK, pd.DataFrame([{"old_commune_id": "Q", "new_commune_id": "Z", "weight": 1}])]
    )
    out = refused(tmp_path, bad)
    assert "crosswalk.csv: row 7: column 'old_commune_id': old commune 'Q' is not" in out
    assert len(out.strip().splitlines()) == 1


def test_duplicate_rows_are_refused(tmp_path):
    out = refused(tmp_path, pd.concat([CROSSWALK, CROSSWALK.iloc[[2]]]))
    assert "duplicate row" in out and "crosswalk.csv" in out


def test_weights_that_do_not_sum_to_one_are_refused(tmp_path):
    bad = CROSSWALK.assign(weight=[0.6, 0.3, 1.0, 1.0, 1.0])
    out = refused(tmp_path, bad)
    assert "weights of old commune 'A' sum to 0.9, not 1" in out and "weight" in out


def test_overlapping_new_polygons_are_refused(tmp_path):
    bad = NEW.copy()
    bad.loc[0, "geometry"] = box(0, 0, 1.5, 1)  # X reaches into Y
    out = refused(tmp_path, new=bad)
    assert "new.gpkg: row 1 (commune_id=X)" in out and "'X' and 'Y' overlap (50.00 ha)" in out


def test_a_village_without_a_new_unit_is_refused_not_dropped():
    partial = CROSSWALK[CROSSWALK["old_commune_id"] != "D"]
    with pytest.raises(InputError, match=r"has no new commune.*'D' is not in the crosswalk"):
        run(crosswalk=partial)


def test_json_and_out_files(tmp_path):
    paths = {}
    for name, frame in (
        ("villages", VILLAGES),
        ("communes", COMMUNES),
        ("sites", SITES),
        ("new", NEW),
    ):
        paths[name] = tmp_path / f"{name}.gpkg"
        frame.to_file(paths[name])
    args = [
        "compute",
        "-q",
        "--model",
        "range",
        "--villages",
        str(paths["villages"]),
        "--communes",
        str(paths["communes"]),
        "--sites",
        str(paths["sites"]),
        "--new-communes",
        str(paths["new"]),
    ]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    units = {u["commune_id"]: u for u in json.loads(result.stdout)["by_new_commune"]}
    keys = {"commune_id", "name", "province", "villages", "villages_covered", "coverage_share"}
    keys |= {"population", "population_covered", "centres", "centres_fibre"}
    assert keys <= set(units["Z"])
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "new_communes.csv", dtype={"commune_id": str})
    assert sorted(table["commune_id"]) == ["D25", "X", "Y", "Z"]
    layer = gpd.read_file(out / "new_communes.gpkg", layer="new_communes")
    assert layer.set_index("commune_id").loc["Z", "villages"] == 2
    villages = pd.read_csv(out / "villages.csv")
    assert dict(zip(villages["village_id"], villages["new_commune_id"], strict=True))["b1"] == "Z"


def test_validation_error_lists_every_crosswalk_problem():
    bad = pd.concat([CROSSWALK.assign(weight=[0.6, 0.3, 1.0, 1.0, 1.0]), CROSSWALK.iloc[[2]]])
    with pytest.raises(ValidationError) as exc:
        run(crosswalk=bad)
    text = " | ".join(str(p) for p in exc.value.problems)
    assert "duplicate row" in text and "sum to 0.9" in text
