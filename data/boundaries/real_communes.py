#!/usr/bin/env python
"""Build the 145 Quảng Bình communes of 2024 from the 159 real 2009 census polygons.

First step of issue 13 (a demo province on real commune boundaries). A build-time tool
only: nothing in the ``coverage`` wheel imports it, and ``make_demo.py`` does not use it yet.

Inputs, all in ``shared/realdata/admin`` (see its README for sources and licences):

- ``qb_qt_communes_2009.gpkg`` (layer ``communes``): the 2009 census polygons
  (censusVN2009, © 2017 Marc Choisy, MIT), already matched to 2024 GSO codes by name
  (``gso_2024_code``) or by other evidence (``gso_2024_code_merged_into``). 9 Quảng Bình
  polygons have no evidence (``match_method == "none"``): :data:`RULES` decides them.
- ``qb_communes_pre2025.csv``: the 145 communes of the 2024 GSO list with their district.

Each 2009 polygon goes to exactly one 2024 commune; the polygons of a commune are
dissolved. The source polygons were thinned one by one, so neighbours overlap (16 km² in
Quảng Bình); the overlaps are removed by giving each overlap to the commune with the
lower GSO code, so the communes tile the union of the 159 polygons.

Usage::

    python data/boundaries/real_communes.py --check [--shared ../shared/realdata]

``--check`` prints the reconciliation summary and exits 1 if a 2024 code has no polygon
or a 2009 polygon is unassigned.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

WGS84 = "EPSG:4326"
UTM = "EPSG:32648"  # metric CRS for the adjacency test (STYLE.md §3)
VN2000 = "EPSG:3405"  # the CRS the demo stores (make_demo.py)
CENSUS_PROVINCE = 407  # Quảng Bình in the censusVN2009 ids (not a GSO code)
GRID_DEG = 1e-7  # output coordinate grid, degrees (~1 cm)
N_POLYGONS = 159
N_COMMUNES = 145
DEFAULT_SHARED = Path(__file__).resolve().parents[3] / "shared" / "realdata"

#: Population used to bring the 2009 figures to a current total: the 1 April 2019
#: census of Quảng Bình, 895,430 (GSO, "Kết quả Tổng điều tra dân số và nhà ở 2019",
#: as quoted on the Quảng Bình Wikipedia page; no copy of the GSO table was retrieved
#: for this build, so check it when the rebuild lands). The 2009 polygons sum to 797,849,
#: below the published 2009 total (~845 k, README of shared/realdata), so the scaling
#: also absorbs that under-count. Within a district the 2009 relative weights of the
#: communes are kept (one factor per district, :data:`DISTRICT_POPULATION_2019`).
POPULATION_TARGET = 895_430
POPULATION_TARGET_SOURCE = "2019 census, Quảng Bình total (GSO; figure not re-retrieved)"

#: 2019 census population by district (1 April 2019), where a source was read: the
#: vi.wikipedia infoboxes (citing "Dân số đến 01 tháng 4 năm 2019 - tỉnh Quảng Bình", GSO
#: census steering committee), and for Đồng Hới the GeoNames figure in shared/realdata
#: (GeoNames gives Ba Đồn 106,413, the census figure, so it uses the same table). The two
#: districts without a figure share the rest of :data:`POPULATION_TARGET` in proportion to
#: their 2009 totals. Scaling per district instead of with one provincial factor corrects
#: the 2009 file's uneven under-count: one factor left districts off by -14 % to +12 %.
DISTRICT_POPULATION_2019 = {
    450: 133_672,  # Đồng Hới (GeoNames)
    452: 50_670,  # Minh Hóa
    453: 77_754,  # Tuyên Hóa
    456: 90_335,  # Quảng Ninh
    457: 137_831,  # Lệ Thủy
    458: 106_413,  # Ba Đồn
}

#: Official district areas, km², with where each was read (web search, 2026-12-03). The
#: Vietnamese Wikipedia infobox figures come from the GSO / provincial statistics; the
#: pages were read in copies (defzone.net, kampuspedia.com, search.com.vn mirror vi.wikipedia).
OFFICIAL_DISTRICT_KM2 = {
    450: (155.87, "vi.wikipedia Đồng Hới infobox (31/12/2020), via defzone.net"),
    452: (1394.0, "vi.wikipedia Minh Hóa infobox (2019); 1,410 in older texts"),
    453: (1129.0, "vi.wikipedia Tuyên Hóa infobox (2019); 1,149.41 in the district text"),
    454: (448.0, "vi.wikipedia Quảng Trạch infobox (2017); 450.70 left by NQ 125/NQ-CP 2013"),
    455: (2123.1, "vi.wikipedia Bố Trạch text ('diện tích lớn nhất tỉnh (2.123,1 km²)')"),
    456: (1194.0, "vi.wikipedia Quảng Ninh infobox (2019)"),
    457: (1402.0, "vi.wikipedia Lệ Thủy infobox (2019); 1,416.11 on lethuy.quangbinh.gov.vn"),
    458: (162.30, "vi.wikipedia Ba Đồn infobox (2019); 163.18 at creation (NQ 125/NQ-CP)"),
}


@dataclass(frozen=True)
class Rule:
    """Where a 2009 polygon without evidence in the gpkg went.

    ``code`` is the 2024 commune; ``None`` means undecided: the polygon goes to the adjacent
    2024 commune with the longest shared border, and the output flags it as a guess.
    """

    name_2009: str
    code: int | None
    basis: str  # "resolution", "name-parts" or "guess"
    evidence: str


#: The 9 Quảng Bình polygons with ``match_method == "none"``, matched by their 2009 name.
#: The resolutions are NQ 862/NQ-UBTVQH14 of 10 Jan 2020 (2019–2021 round, in force
#: 1 Feb 2020; the "830" sometimes quoted is not Quảng Bình's) and NQ 1242/NQ-UBTVQH15
#: (2023–2025 round, in force 1 Dec 2024). ``basis == "resolution"``: a retrieved text states
#: the merger (the resolution or a page quoting it); ``"name-parts"``: no text was found, the
#: 2024 name and adjacency decide. Sources were found with web search on 2026-12-03.
RULES: tuple[Rule, ...] = (
    Rule(
        "Phường Đồng Mỹ",
        18868,
        "name-parts",
        "Đồng Hải = Đồng (Mỹ) + Hải (Đình); Hải Đình already → Đồng Hải (gpkg, point); "
        "adjacent to both. No text of NQ 862/NQ-UBTVQH14 for Đồng Hới was found: unconfirmed.",
    ),
    Rule(
        "Xã Nam Hóa",
        18985,
        "resolution",
        "Tuyên Hóa district council resolution (15 Aug 2019) approving 'sáp nhập xã Nam Hóa "
        "vào xã Thạch Hóa thành xã Thạch Hóa' for 2019–2021, Nam Hóa having been split from "
        "Thạch Hóa in 2003 (truyenhinhtuyenhoa.com, 'HĐND huyện thông qua Nghị quyết sáp "
        "nhập xã Nam Hóa với xã Thạch Hóa'); enacted by NQ 862. Adjacent.",
    ),
    Rule(
        "Xã Quy Hóa",
        18901,
        "resolution",
        "NQ 862/NQ-UBTVQH14: all of Quy Hóa into TT Quy Đạt (diaocthongthai.com, 'Thị trấn "
        "Quy Đạt, Minh Hóa', citing the resolution); 'Quy' in Quy Đạt; adjacent.",
    ),
    Rule(
        "Xã Hoàn Trạch",
        19111,
        "resolution",
        "'Năm 2020 sát nhập toàn bộ diện tích và dân số của xã Hoàn Trạch vào thị trấn Hoàn "
        "Lão' (tdmuflc.edu.vn/bo-trach, from the Bố Trạch district site); 'Hoàn'; adjacent.",
    ),
    Rule(
        "Xã Phú Trạch",
        19144,
        "resolution",
        "NQ 862/NQ-UBTVQH14: Hải Phú formed from all of Phú Trạch (12.66 km², 3,937 people) "
        "and Hải Trạch (lyhoa.vn/2020/02/sat-nhap-xa-hai-phu.html); 'Phú' in Hải Phú.",
    ),
    Rule(
        "Xã Văn Thủy",
        19321,
        "resolution",
        "NQ 862/NQ-UBTVQH14 art. 1.1.b: all 15.14 km², 2,828 people of Văn Thủy into Trường "
        "Thủy (full text at ls1.hethongphapluat.com, 'Nghị quyết 862/NQ-UBTVQH14 năm 2020').",
    ),
    Rule(
        "Xã Hóa Thanh",
        18919,
        "resolution",
        "NQ 1242/NQ-UBTVQH15 (baochinhphu.vn, 13 Nov 2024: Tân Thành created in Minh Hóa); "
        "'Ngày 1/12/2024, sáp nhập 3 xã Hóa Phúc, Hóa Tiến và Hóa Thanh thành xã Tân Thành' "
        "(luatduonggia.vn, Minh Hóa). Adjacent.",
    ),
    Rule(
        "Xã Hóa Phúc",
        18919,
        "resolution",
        "Same sources as Hóa Thanh: Hóa Phúc + Hóa Tiến + Hóa Thanh → Tân Thành (1 Dec 2024). "
        "Adjacent. (The longest shared border would have said Hồng Hóa: wrong.)",
    ),
    Rule(
        "Xã Cảnh Hóa",
        19063,
        "resolution",
        "'Ngày 1/12/2024, sáp nhập xã Phù Hóa và xã Cảnh Hóa thành xã Phù Cảnh' "
        "(luatduonggia.vn, Quảng Trạch; NQ 1242/NQ-UBTVQH15); Phù + Cảnh; adjacent.",
    ),
)


@dataclass(frozen=True)
class Build:
    """Result of :func:`build_communes`."""

    polygons: gpd.GeoDataFrame  # the 159 2009 polygons with code_2024, method, flagged
    communes: gpd.GeoDataFrame  # 145 rows, EPSG:4326
    districts: gpd.GeoDataFrame  # 8 rows, EPSG:4326
    guesses: tuple[str, ...]  # human-readable lines, one per guessed polygon
    problems: tuple[str, ...]  # empty when every code has a polygon and vice versa


def build_communes(shared: Path | str = DEFAULT_SHARED) -> Build:
    """Assign, dissolve and summarise; deterministic for a given input."""
    shared = Path(shared)
    polys = _load_polygons(shared / "admin" / "qb_qt_communes_2009.gpkg")
    ref = _load_reference(shared / "admin" / "qb_communes_pre2025.csv")
    polys, guesses = _assign(polys, ref)
    problems = _problems(polys, ref)
    communes = _dissolve(polys, ref)
    districts = _districts(communes)
    return Build(polys, communes, districts, tuple(guesses), tuple(problems))


def communes_2025(
    communes: gpd.GeoDataFrame, shared: Path | str = DEFAULT_SHARED
) -> gpd.GeoDataFrame:
    """The 2025 communes of Quảng Trị that the old Quảng Bình communes fed.

    Each 2024 commune goes to its new unit by ``commune_mapping_2025_qb_qt.csv`` (no old
    commune of Quảng Bình was split, which is checked); the new units are their dissolve,
    with the official code, name and type of ``qt2025_communes.csv``, the summed
    populations, the old codes, and the official area beside the measured one.
    """
    shared = Path(shared)
    mapping = pd.read_csv(shared / "admin" / "commune_mapping_2025_qb_qt.csv")
    mapping = mapping[mapping["old_ward_code"].isin(communes["code_2024"])]
    if mapping["old_ward_split"].any():
        raise ValueError("an old Quảng Bình commune is split between 2025 units")
    missing = sorted(set(communes["code_2024"]) - set(mapping["old_ward_code"]))
    if missing:
        raise ValueError(f"2024 communes without a 2025 unit: {missing}")
    new_units = pd.read_csv(shared / "admin" / "qt2025_communes.csv")
    joined = communes.merge(
        mapping[["old_ward_code", "new_ward_code"]],
        left_on="code_2024",
        right_on="old_ward_code",
    )
    rows = []
    for code, part in joined.groupby("new_ward_code", sort=True):
        rows.append(
            {
                "code_2025": int(code),
                "codes_2024": "; ".join(str(c) for c in sorted(part["code_2024"])),
                "population_2009": float(part["population_2009"].sum()),
                "population_scaled": float(part["population_scaled"].sum()),
                "geometry": shapely.set_precision(
                    shapely.union_all(part.geometry.to_numpy()), GRID_DEG
                ),
            }
        )
    out = pd.DataFrame(rows).merge(
        new_units.rename(
            columns={
                "ward_code": "code_2025",
                "ward_name": "name",
                "ward_type": "type",
                "province_name": "province",
                "area_km2": "official_area_km2",
            }
        )[["code_2025", "name", "type", "province", "official_area_km2"]],
        on="code_2025",
        how="left",
    )
    gdf = gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)
    gdf["area_km2"] = geodesic_km2(gdf.geometry)
    return gdf


def geodesic_km2(geoms: gpd.GeoSeries) -> np.ndarray:
    """Geodesic area (WGS84 ellipsoid) of each geometry, km²."""
    geod = Geod(ellps="WGS84")
    g = geoms.to_crs(WGS84)
    return np.array([abs(geod.geometry_area_perimeter(x)[0]) / 1e6 for x in g])


def _load_polygons(path: Path) -> gpd.GeoDataFrame:
    g = gpd.read_file(path, layer="communes")
    g = g[g["census_province_id"].astype(int) == CENSUS_PROVINCE].copy()
    g = g.sort_values("census_commune_id").reset_index(drop=True)
    if g.crs is None or g.crs.to_epsg() != 4326:
        raise ValueError(f"{path}: expected EPSG:4326, got {g.crs}")
    return g


def _load_reference(path: Path) -> pd.DataFrame:
    ref = pd.read_csv(path, dtype={"ward_code": int, "district_code": int})
    return ref.sort_values("ward_code").reset_index(drop=True)


def _present(value: object) -> bool:
    return pd.notna(value) and str(value).strip() != ""


def _rule_for(name: str) -> Rule | None:
    return next((r for r in RULES if r.name_2009 == name), None)


def _assign(polys: gpd.GeoDataFrame, ref: pd.DataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    codes = []
    methods = []
    for _, row in polys.iterrows():
        if _present(row["gso_2024_code"]):
            codes.append(int(row["gso_2024_code"]))
            methods.append("name")
        elif _present(row["gso_2024_code_merged_into"]):
            codes.append(int(row["gso_2024_code_merged_into"]))
            methods.append("merged_into:" + str(row["match_method"]))
        else:
            rule = _rule_for(row["commune"])
            codes.append(rule.code if rule and rule.code is not None else -1)
            methods.append(f"rule:{rule.basis}" if rule else "unassigned")
    polys = polys.assign(code_2024=codes, method=methods, flagged=False)

    guesses = []
    utm = polys.to_crs(UTM).geometry
    for i in np.flatnonzero(polys["method"].to_numpy() == "rule:guess"):
        code, border_km, ranking = _longest_border(i, polys, utm, ref)
        polys.loc[i, "code_2024"] = code
        polys.loc[i, "flagged"] = True
        guesses.append(
            f"GUESS {polys.loc[i, 'commune']} ({polys.loc[i, 'district']}) → {code} "
            f"{_name(ref, code)}: longest shared border {border_km:.2f} km; "
            f"candidates {ranking}"
        )
    return polys, guesses


def _longest_border(
    i: int, polys: gpd.GeoDataFrame, utm: gpd.GeoSeries, ref: pd.DataFrame
) -> tuple[int, float, str]:
    """Adjacent 2024 commune (already assigned, same district) with the longest border.

    Neighbours overlap or leave slivers after thinning (~160 m), so the border is the
    length of this polygon's boundary within 300 m of the neighbour.
    """
    ring = utm.iloc[i].boundary
    district = polys.loc[i, "census_district_id"]
    lengths: dict[int, float] = {}
    for j in range(len(polys)):
        code = int(polys.loc[j, "code_2024"])
        if j == i or code < 0 or polys.loc[j, "census_district_id"] != district:
            continue
        length = ring.intersection(utm.iloc[j].buffer(300.0)).length / 1000.0
        if length > 0:
            lengths[code] = lengths.get(code, 0.0) + length
    ranked = sorted(lengths.items(), key=lambda kv: (-round(kv[1], 3), kv[0]))
    text = ", ".join(f"{_name(ref, c)} {km:.2f} km" for c, km in ranked)
    return ranked[0][0], ranked[0][1], text


def _name(ref: pd.DataFrame, code: int) -> str:
    hit = ref.loc[ref["ward_code"] == code, "ward_name"]
    return str(hit.iloc[0]) if len(hit) else "?"


def _problems(polys: gpd.GeoDataFrame, ref: pd.DataFrame) -> list[str]:
    problems = []
    unassigned = polys.loc[polys["code_2024"] < 0, "commune"]
    problems += [f"2009 polygon unassigned: {n}" for n in unassigned]
    unknown = sorted(set(polys["code_2024"]) - set(ref["ward_code"]) - {-1})
    problems += [f"assigned code not in the 2024 list: {c}" for c in unknown]
    missing = sorted(set(ref["ward_code"]) - set(polys["code_2024"]))
    problems += [f"2024 commune without polygon: {c} {_name(ref, c)}" for c in missing]
    problems += _detached_rules(polys, ref)
    return problems


def _detached_rules(polys: gpd.GeoDataFrame, ref: pd.DataFrame) -> list[str]:
    """A rule's polygon must touch (within 300 m) another polygon of its 2024 commune."""
    utm = polys.to_crs(UTM).geometry
    out = []
    for i in np.flatnonzero(polys["method"].str.startswith("rule:").to_numpy()):
        code = polys.loc[i, "code_2024"]
        others = utm[(polys["code_2024"] == code) & (polys.index != i)]
        if len(others) and not (others.distance(utm.iloc[i]) < 300.0).any():
            name = polys.loc[i, "commune"]
            out.append(f"rule target not adjacent: {name} → {code} {_name(ref, code)}")
    return out


def _dissolve(polys: gpd.GeoDataFrame, ref: pd.DataFrame) -> gpd.GeoDataFrame:
    """Union per code, then remove overlaps: lower codes keep the contested strips."""
    good = polys[polys["code_2024"] >= 0]
    rows = []
    taken = None
    for code, part in good.groupby("code_2024", sort=True):
        geom = shapely.union_all(shapely.make_valid(part.geometry.to_numpy()))
        if taken is not None:
            geom = shapely.difference(geom, taken)
        geom = _polygonal(geom)
        taken = geom if taken is None else shapely.union(taken, geom)
        rows.append(
            {
                "code_2024": int(code),
                "n_polygons_2009": len(part),
                "communes_2009": "; ".join(part["commune"]),
                "population_2009": float(part["population_2009"].sum()),
                "geometry": geom,
            }
        )
    out = pd.DataFrame(rows).merge(
        ref.rename(columns={"ward_code": "code_2024"}), on="code_2024", how="left"
    )
    out["population_imputed"] = _impute_missing(out)
    out["population_scaled"] = _scale_by_district(out)
    cols = [
        "code_2024",
        "ward_name",
        "ward_type",
        "district_code",
        "district_name",
        "n_polygons_2009",
        "communes_2009",
        "population_2009",
        "population_imputed",
        "population_scaled",
        "geometry",
    ]
    # Snap to a 1e-7° (~1 cm) grid: the difference step can leave near-touching vertices
    # that cross once projected (Phù Cảnh in VN-2000); snapping turns them into clean,
    # valid touches, and the same grid everywhere keeps shared edges identical.
    out["geometry"] = shapely.set_precision(out["geometry"].to_numpy(), GRID_DEG)
    gdf = gpd.GeoDataFrame(out[cols], geometry="geometry", crs=WGS84)
    gdf["area_km2"] = geodesic_km2(gdf.geometry)
    return gdf


def _impute_missing(out: pd.DataFrame) -> np.ndarray:
    """The 2009 population, with the communes that have no census record (0 in the source:
    in Quảng Bình, Thị trấn Nông trường Lệ Ninh) given their area times the 2009 density of
    their district as a whole. Zero means "missing" (shared/realdata README). The median
    density of the neighbours would say about three times more: they are the dense rice
    plains of Lệ Thủy, while the town is a state farm in the hills."""
    pop = out["population_2009"].to_numpy(dtype=float).copy()
    area = geodesic_km2(gpd.GeoSeries(out["geometry"], crs=WGS84))
    district = out["district_code"].to_numpy()
    for i in np.flatnonzero(pop <= 0):
        same = (district == district[i]) & (pop > 0)
        pop[i] = pop[same].sum() / area[same].sum() * area[i]
    return pop


def _district_targets(totals_2009: pd.Series) -> dict[int, int]:
    """2019 population per district: known figures, the rest split by 2009 weight."""
    known = {
        d: DISTRICT_POPULATION_2019[d] for d in totals_2009.index if d in DISTRICT_POPULATION_2019
    }
    rest = totals_2009[[d for d in totals_2009.index if d not in known]]
    split = _scale_exact(rest.to_numpy(dtype=float), POPULATION_TARGET - sum(known.values()))
    return {**known, **dict(zip(rest.index, split.tolist(), strict=True))}


def _scale_by_district(out: pd.DataFrame) -> np.ndarray:
    """Each district brought to its 2019 figure, communes in proportion to
    ``population_imputed`` (the 2009 census, imputed where it has no record)."""
    totals = out.groupby("district_code")["population_imputed"].sum()
    targets = _district_targets(totals)
    scaled = np.zeros(len(out), dtype=int)
    for code, target in targets.items():
        rows = np.flatnonzero(out["district_code"].to_numpy() == code)
        scaled[rows] = _scale_exact(out["population_imputed"].to_numpy()[rows], target)
    return scaled


def _scale_exact(values: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``values`` summing exactly to ``total`` (largest remainder)."""
    raw = values * (total / values.sum())
    out = np.floor(raw).astype(int)
    order = np.lexsort((np.arange(len(raw)), -(raw - out)))  # ties: first row first
    out[order[: total - out.sum()]] += 1
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the (multi)polygon part of a GEOS result, valid, without slivers < 1 m²-ish."""
    geom = shapely.make_valid(geom)
    parts = [
        p
        for p in shapely.get_parts(geom)
        if isinstance(p, shapely.Polygon | shapely.MultiPolygon) and p.area > 1e-10
    ]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    out = shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
    return shapely.normalize(out)


def _districts(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    for code, part in communes.groupby("district_code", sort=True):
        rows.append(
            {
                "district_code": int(code),
                "district_name": part["district_name"].iloc[0],
                "n_communes": len(part),
                "population_2009": part["population_2009"].sum(),
                "population_scaled": int(part["population_scaled"].sum()),
                "geometry": shapely.normalize(
                    _polygonal(shapely.union_all(part.geometry.to_numpy()))
                ),
            }
        )
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=WGS84)
    gdf["area_km2"] = geodesic_km2(gdf.geometry)
    official = gdf["district_code"].map(lambda c: OFFICIAL_DISTRICT_KM2[c][0])
    gdf["official_km2"] = official
    gdf["diff_pct"] = 100.0 * (gdf["area_km2"] - official) / official
    return gdf


def summary(build: Build) -> str:
    """The reconciliation report printed by ``--check``."""
    p, c, d = build.polygons, build.communes, build.districts
    lines = [
        f"2009 polygons (census province {CENSUS_PROVINCE}): {len(p)}; "
        f"2024 communes built: {len(c)} / {N_COMMUNES}",
        "Assignment by method:",
    ]
    lines += [f"  {m:<55} {n:>4}" for m, n in p["method"].value_counts().sort_index().items()]
    lines.append("Rules for the polygons without evidence:")
    for r in RULES:
        target = "longest border" if r.code is None else str(r.code)
        lines.append(f"  {r.name_2009:<16} → {target:<14} [{r.basis}] {r.evidence}")
    lines.append("Flagged guesses:" if build.guesses else "Flagged guesses: none")
    lines += [f"  {g}" for g in build.guesses]
    lines.append("Districts (geodesic km² vs official):")
    lines.append(f"  {'code':<5}{'district':<24}{'ours':>9}{'official':>10}{'diff %':>8}")
    for _, r in d.iterrows():
        lines.append(
            f"  {r.district_code:<5}{r.district_name:<24}{r.area_km2:>9.1f}"
            f"{r.official_km2:>10.1f}{r.diff_pct:>+8.1f}"
        )
    lines.append(
        f"  {'':<5}{'total':<24}{d.area_km2.sum():>9.1f}{d.official_km2.sum():>10.1f}"
        f"{100 * (d.area_km2.sum() / d.official_km2.sum() - 1):>+8.1f}"
    )
    lines.append(
        f"Population: 2009 polygons {p['population_2009'].sum():,.0f}; "
        f"communes {c['population_2009'].sum():,.0f}; scaled to {POPULATION_TARGET:,} "
        f"({POPULATION_TARGET_SOURCE}), scaled sum {c['population_scaled'].sum():,}"
    )
    lines.append(f"  {'code':<5}{'district':<24}{'2009':>9}{'2019':>9}{'factor':>8}  source")
    for _, r in d.iterrows():
        src = "2019 census" if r.district_code in DISTRICT_POPULATION_2019 else "residual"
        lines.append(
            f"  {r.district_code:<5}{r.district_name:<24}{r.population_2009:>9,.0f}"
            f"{r.population_scaled:>9,}{r.population_scaled / r.population_2009:>8.3f}  {src}"
        )
    zero = p.loc[p["population_2009"] <= 0, "commune"].tolist()
    if zero:
        lines.append(f"  2009 population 0 (missing, kept as 0): {', '.join(zero)}")
    lines.append("Problems:" if build.problems else "Problems: none")
    lines += [f"  {x}" for x in build.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--check", action="store_true", help="print the reconciliation")
    args = parser.parse_args(argv)
    build = build_communes(args.shared)
    if args.check:
        print(summary(build))
    return 1 if build.problems else 0


if __name__ == "__main__":
    sys.exit(main())
