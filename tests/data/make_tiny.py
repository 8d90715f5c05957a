"""Build the tiny hand-checkable fixture in tests/data/tiny/ (run from the repo root).

Geometry, in EPSG:32648 metres relative to (600000, 1930000):

    communes  C1 = [0,4000]x[0,2000]      C2 = [4000,8000]x[0,2000]
    villages  V1 = [0,2000]  V2 = [2000,4000] (in C1)
              V3 = [4000,6000] V4 = [6000,8000] (in C2), all y in [0,2000]
    sites     S1 4G omni  at (0,1000)    range 2000
              S4 4G sector at (2100,1000) azimuth 90 (east), beamwidth 180, range 800
              S2 3G omni  at (5000,1000) range 500
              S3 2G omni  at (7000,1000) range 5000
    fibre     node N1 at (1000,1300); route R1 from (4000,1800) to (8000,1800)
    centres   C1 at (1000,1000), fibre blank;  C2 at (5000,1000), fibre "no"
    postal    P1 (1000,1500) blank; P2 (7000,1000) blank; P3 (5000,500) "yes"

Layers are written in different CRSs on purpose (villages EPSG:4326, communes
VN-2000 EPSG:3405, sites as a lon/lat CSV, fibre EPSG:32648). The expected values
are derived by hand in tests/test_metrics.py.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

X0, Y0 = 600000.0, 1930000.0
UTM = "EPSG:32648"
OUT = Path(__file__).resolve().parent / "tiny"


def box(x0: float, x1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0, X0 + x1, Y0 + 2000)


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    villages = gpd.GeoDataFrame(
        {
            "village_id": ["V1", "V2", "V3", "V4"],
            "name": ["Thôn Một", "Thôn Hai", "Bản Ba", "Bản Bốn"],
            "commune_id": ["C1", "C1", "C2", "C2"],
            "population": [100, 200, 300, 400],
        },
        geometry=[box(0, 2000), box(2000, 4000), box(4000, 6000), box(6000, 8000)],
        crs=UTM,
    )
    villages.to_crs(4326).to_file(OUT / "villages.geojson", driver="GeoJSON")
    communes = gpd.GeoDataFrame(
        {
            "commune_id": ["C1", "C2"],
            "name": ["Xã Một", "Xã Hai"],
            "district": ["Huyện A", "Huyện A"],
            "province": ["Tỉnh T", "Tỉnh T"],
        },
        geometry=[box(0, 4000), box(4000, 8000)],
        crs=UTM,
    )
    communes.to_crs(3405).to_file(OUT / "communes.gpkg", driver="GPKG")
    centres = gpd.GeoDataFrame(
        {"commune_id": ["C1", "C2"], "fibre": ["", "no"]},
        geometry=[pt(1000, 1000), pt(5000, 1000)],
        crs=UTM,
    )
    centres.to_crs(4326).to_file(OUT / "centres.geojson", driver="GeoJSON")
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S4", "S2", "S3"],
            "technology": ["4G", "LTE", "3G", "GSM"],
            "frequency_mhz": [1800, 1800, 2100, 900],
            "height_m": [30, 30, 30, 40],
            "azimuth_deg": [None, 90, None, None],
            "beamwidth_deg": [None, 180, None, None],
            "eirp_dbm": [58, 58, 58, 58],
            "operator": ["Viettel", "Viettel", "MobiFone", "VinaPhone"],
            "range_m": [2000, 800, 500, 5000],
        },
        geometry=[pt(0, 1000), pt(2100, 1000), pt(5000, 1000), pt(7000, 1000)],
        crs=UTM,
    ).to_crs(4326)
    table = sites.drop(columns="geometry")
    table.insert(1, "lon", sites.geometry.x.round(9))
    table.insert(2, "lat", sites.geometry.y.round(9))
    table.to_csv(OUT / "sites.csv", index=False, lineterminator="\n")
    gpd.GeoDataFrame({"node_id": ["N1"]}, geometry=[pt(1000, 1300)], crs=UTM).to_file(
        OUT / "fibre_nodes.gpkg", driver="GPKG"
    )
    gpd.GeoDataFrame(
        {"route_id": ["R1"]},
        geometry=[shapely.LineString([(X0 + 4000, Y0 + 1800), (X0 + 8000, Y0 + 1800)])],
        crs=UTM,
    ).to_file(OUT / "fibre_routes.gpkg", driver="GPKG")
    gpd.GeoDataFrame(
        {
            "point_id": ["P1", "P2", "P3"],
            "name": ["Điểm BĐ-VHX Một", "Bưu cục Hai", "Điểm Ba"],
            "broadband": ["", "", "yes"],
        },
        geometry=[pt(1000, 1500), pt(7000, 1000), pt(5000, 500)],
        crs=UTM,
    ).to_crs(4326).to_file(OUT / "postal.geojson", driver="GeoJSON")


if __name__ == "__main__":
    main()
