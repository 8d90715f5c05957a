"""Reading every supported format, column aliases, OpenCelliD, CRS handling, bad input."""

import unicodedata

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from coverage import InputError, ValidationError
from coverage.io import read_layer
from coverage.layers import Layers
from coverage.pipeline import run
from coverage.schema import canonical_column, normalize_name, parse_yes_no

from .conftest import POLY_TOL, V1_4G


def headline(result):
    return dict(zip(result.villages["village_id"], result.villages["covered_share"], strict=True))


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [
        (".gpkg", "GPKG"),
        (".shp", "ESRI Shapefile"),
        (".geojson", "GeoJSON"),
        (".fgb", "FlatGeobuf"),
        (".parquet", None),
    ],
)
def test_villages_round_trip_every_format(tiny, tmp_path, suffix, driver):
    villages = gpd.read_file(tiny["villages"])
    path = tmp_path / f"villages{suffix}"
    if driver is None:
        villages.to_parquet(path)
    else:
        villages.to_file(path, driver=driver)
    layer = read_layer(path, "villages").frame.sort_values("village_id")  # FlatGeobuf reorders
    assert layer["village_id"].tolist() == ["V1", "V2", "V3", "V4"]
    assert layer["name"].tolist() == ["Thôn Một", "Thôn Hai", "Bản Ba", "Bản Bốn"]
    result = run(Layers(**{**tiny, "villages": path}), model="range")
    assert headline(result)["V1"] == pytest.approx(V1_4G, rel=POLY_TOL)


def test_sites_as_geopackage_and_xy_csv(tiny, tmp_path):
    sites = read_layer(tiny["sites"], "sites").frame
    gpkg = tmp_path / "sites.gpkg"
    sites.drop(columns=["lon", "lat"]).to_file(gpkg)
    utm = sites.to_crs(32648)
    table = pd.DataFrame(utm.drop(columns=["geometry", "lon", "lat"]))
    table["x"], table["y"] = utm.geometry.x, utm.geometry.y
    csv = tmp_path / "sites_xy.csv"
    table.to_csv(csv, index=False)
    base = headline(run(Layers(**tiny), model="range"))
    assert headline(run(Layers(**{**tiny, "sites": gpkg}), model="range")) == pytest.approx(base)
    from coverage import Settings

    got = headline(
        run(
            Layers(**{**tiny, "sites": csv}), settings=Settings(csv_crs="EPSG:32648"), model="range"
        )
    )
    assert got == pytest.approx(base, abs=1e-6)


def test_mixed_crs_gives_same_result(tiny, tmp_path):
    # villages in a Web Mercator file, communes in VN-2000: results must not change
    villages = gpd.read_file(tiny["villages"]).to_crs(3857)
    path = tmp_path / "v3857.gpkg"
    villages.to_file(path)
    assert read_layer(tiny["communes"], "communes").frame.crs.to_epsg() == 3405
    assert headline(run(Layers(**{**tiny, "villages": path}), model="range")) == pytest.approx(
        headline(run(Layers(**tiny), model="range")), abs=1e-6
    )


def test_aliases_and_vietnamese_columns(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Thôn Đông")
    frame = gpd.GeoDataFrame(
        {"Mã thôn": ["T1"], "Tên thôn": [decomposed], "MA_XA": [19000], "Dân số": [120]},
        geometry=[shapely.box(0, 0, 1, 1)],
        crs=32648,
    )
    path = tmp_path / "thon.gpkg"
    frame.to_file(path)
    layer = read_layer(path, "villages").frame
    assert layer.columns[:4].tolist() == ["village_id", "name", "commune_id", "population"]
    assert layer["name"].iloc[0] == unicodedata.normalize("NFC", "Thôn Đông")
    assert layer["commune_id"].iloc[0] == "19000"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("ma_xa", "commune_id"),
        ("Mã xã", "commune_id"),
        ("TEN", "name"),
        ("Kinh độ", "lon"),
        ("ten_ban", None),
        ("vĩ độ", "lat"),
        ("nha mang", "operator"),
        ("radius", "range_m"),
        ("Cáp quang", "fibre"),
        ("Băng rộng", "broadband"),
        ("unrelated", None),
    ],
)
def test_alias_table(name, canonical):
    assert canonical_column(name) == canonical


@pytest.mark.parametrize(
    ("kind", "column", "canonical"),
    [
        ("villages", "ten_thon", "name"),
        ("villages", "ten_xa", None),
        ("communes", "Tên xã", "name"),
        ("postal", "ten_buu_cuc", "name"),
    ],
)
def test_layer_specific_names(kind, column, canonical):
    assert canonical_column(column, kind) == canonical


def test_normalize_name():
    assert normalize_name(" Đơn vị - Hành chính ") == "don_vi_hanh_chinh"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("Có", True),
        ("1", True),
        ("no", False),
        ("Không", False),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_yes_no(value, expected):
    assert parse_yes_no(value) is expected


OPENCELLID = (
    "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
    "GSM,452,4,10101,2001,,106.60,17.47,1500,12,1,1459000000,1700000000,0\n"
    "UMTS,452,1,10102,3001,,106.61,17.47,0,3,1,1459000000,1700000000,0\n"
    "LTE,452,2,10103,4001,,106.62,17.47,900,40,1,1459000000,1700000000,0\n"
    "NR,452,5,10104,5001,,106.63,17.47,300,2,1,1459000000,1700000000,0\n"
    "CDMA,452,3,10105,6001,,106.64,17.47,2000,2,1,1459000000,1700000000,0\n"
)


@pytest.mark.parametrize("header", [True, False])
def test_opencellid_mapping(tmp_path, header):
    text = OPENCELLID if header else OPENCELLID.split("\n", 1)[1]
    path = tmp_path / "452.csv"
    path.write_text(text)
    sites = read_layer(path, "sites").frame
    assert sites["technology"].tolist() == ["2G", "3G", "4G", "5G", "3G"]
    assert sites["operator"].tolist() == [
        "Viettel",
        "MobiFone",
        "VinaPhone",
        "Vietnamobile",
        "452-03",
    ]
    assert sites["site_id"].iloc[0] == "GSM-452-4-10101-2001"
    # range 0 means "unknown": the default table applies
    assert sites["range_m"].isna().tolist() == [False, True, False, False, False]
    assert sites.crs.to_epsg() == 4326
    assert sites.geometry.x.iloc[2] == pytest.approx(106.62)


# ---- bad input: one message naming file and column, a non-zero exit in the CLI ----


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found") as err:
        read_layer(tmp_path / "nope.gpkg", "villages")
    assert "nope.gpkg" in str(err.value)


def test_unknown_columns_name_the_missing_one(tmp_path):
    frame = gpd.GeoDataFrame({"foo": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=32648)
    frame.to_file(tmp_path / "v.gpkg")
    with pytest.raises(InputError, match="missing required column 'village_id'") as err:
        read_layer(tmp_path / "v.gpkg", "villages")
    assert err.value.column == "village_id"
    assert "found: foo" in str(err.value)


def test_no_crs(tmp_path):
    frame = gpd.GeoDataFrame({"village_id": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)])
    with pytest.warns(UserWarning, match="crs"):
        frame.to_file(tmp_path / "v.shp")
    with pytest.raises(InputError, match="no CRS"):
        read_layer(tmp_path / "v.shp", "villages")


def test_empty_layer(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("site_id,lon,lat,technology\n")
    with pytest.raises(InputError, match="empty"):
        read_layer(path, "sites")


def test_bad_values_are_all_reported(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(
        "site_id,lon,lat,technology,height_m\n"
        "a,106.6,17.5,4G,30\n"
        "b,106.6,17.5,WiMAX,30\n"
        "c,106.6,17.5,3G,-5\n"
        "d,abc,17.5,3G,30\n"
    )
    with pytest.raises(ValidationError) as err:
        read_layer(path, "sites")
    text = [str(p) for p in err.value.problems]
    assert any("row 5" in t and "'lon'" in t and "not a number" in t for t in text)
    with pytest.raises(ValidationError) as err:
        path.write_text(path.read_text().replace("d,abc", "d,106.6"))
        read_layer(path, "sites")
    text = [str(p) for p in err.value.problems]
    assert any("row 3" in t and "'technology'" in t for t in text)
    assert any("row 4" in t and "'height_m'" in t for t in text)


def test_duplicate_village_ids(tmp_path):
    frame = gpd.GeoDataFrame(
        {"village_id": ["a", "a"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=32648,
    )
    frame.to_file(tmp_path / "v.gpkg")
    with pytest.raises(ValidationError, match="duplicate"):
        read_layer(tmp_path / "v.gpkg", "villages")


def test_swapped_lon_lat_is_detected(tiny, tmp_path):
    table = pd.read_csv(tiny["sites"])
    table = table.rename(columns={"lon": "lat", "lat": "lon"})
    path = tmp_path / "swapped.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ValidationError, match="swapped") as err:
        run(Layers(**{**tiny, "sites": path}), model="range")
    assert "swapped.csv" in str(err.value)


def test_legacy_tcvn3_shapefile_is_converted_with_a_warning(tiny, tmp_path):
    import pyogrio

    from coverage import CoverageWarning

    villages = gpd.read_file(tiny["villages"])
    # TCVN3 bytes of "Thôn Một" etc., as GDAL reads a .dbf without .cpg (Latin-1)
    from coverage.encoding import to_unicode  # noqa: F401  (the module under test elsewhere)

    tcvn3 = {
        "Thôn Một": "Th«n Mét",
        "Thôn Hai": "Th«n Hai",
        "Bản Ba": "B¶n Ba",
        "Bản Bốn": "B¶n Bèn",
    }
    villages["name"] = villages["name"].map(tcvn3)
    path = tmp_path / "thon.shp"
    pyogrio.write_dataframe(villages, path, encoding="latin1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    with pytest.warns(CoverageWarning, match=r"legacy Vietnamese .*name \(tcvn3\)"):
        layer = read_layer(path, "villages")
    assert sorted(layer.frame["name"]) == sorted(tcvn3)
    assert layer.repairs["text_encoding"] == {"name": "tcvn3"}


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese keyboards write it: a base letter it has (â, ơ, ...)
    then a combining tone mark where the toned letter is not in the code page."""
    import unicodedata

    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += (base + "".join(c for c in parts if c in tones)).encode("cp1258")
    return bytes(out)


@pytest.mark.parametrize("cpg", ["1258", "CP1258", "windows-1258", "ANSI 1258"])
def test_a_shapefile_declared_cp1258_keeps_every_letter(tmp_path, cpg):
    names = ["Thôn Tân Hoá", "Bản Dốc Mây", "Xã Thượng Trạch"]
    frame = gpd.GeoDataFrame(
        {"ma_thon": ["a", "b", "c"], "ten_thon": ["~" * 24] * 3},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)],
        crs=32648,
    )
    frame.to_file(tmp_path / "thon.shp", encoding="latin1")
    dbf = bytearray((tmp_path / "thon.dbf").read_bytes())
    for name in names:
        at = dbf.find(b"~" * 24)
        dbf[at : at + 24] = _cp1258(name).ljust(24, b" ")
    (tmp_path / "thon.dbf").write_bytes(bytes(dbf))
    (tmp_path / "thon.cpg").write_text(cpg, encoding="ascii")
    layer = read_layer(tmp_path / "thon.shp", "villages")
    assert layer.frame["village_id"].tolist() == ["a", "b", "c"]
    assert layer.frame["name"].tolist() == names  # GDAL alone gives 'Thôn Tân Ho', ...


_SITES_TEXT = (
    "Mã trạm\tCông nghệ\tKinh độ\tVĩ độ\tNhà mạng\r\n"
    "S1\t4G\t105,94\t17,46\tViễn thông Quảng Bình\r\n"
    "S2\tLTE\t105,95\t17,46\tVinaPhone\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_text_exports_are_read(tmp_path, encoding):
    path = tmp_path / "tram.txt"
    path.write_bytes(_SITES_TEXT.encode(encoding))
    frame = read_layer(path, "sites").frame
    assert frame["site_id"].tolist() == ["S1", "S2"]
    assert frame["operator"].tolist() == ["Viễn thông Quảng Bình", "VinaPhone"]
    assert frame.geometry.x.tolist() == [105.94, 105.95]


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"PK\x03\x04", "is a zip archive (an .xlsx or .ods workbook?), not text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an Excel 97-2003 (.xls) workbook, not text"),
        (bytes(range(256)), "is not text (it holds binary data)"),
    ],
)
def test_binary_files_named_csv_are_refused(tmp_path, head, message):
    path = tmp_path / "tram.csv"
    path.write_bytes(head + bytes(200))
    with pytest.raises(InputError) as err:
        read_layer(path, "sites")
    assert err.value.message.startswith(message)
    assert "\x00" not in str(err.value)


def test_a_google_earth_kmz_is_a_layer_file(tmp_path):
    """A KMZ of two folders of placemarks with ExtendedData, read by path (``read_layer``
    dispatches to :mod:`coverage.kml`)."""
    import zipfile

    def placemark(site, tech, lon, lat):
        return (
            f"<Placemark><name>Trạm {site}</name><ExtendedData>"
            f'<Data name="site_id"><value>{site}</value></Data>'
            f'<Data name="technology"><value>{tech}</value></Data></ExtendedData>'
            f"<Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>"
        )

    kml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<Folder><name>Viettel</name>{placemark('QB01', '4G', 106.6, 17.47)}</Folder>"
        f"<Folder><name>VNPT</name>{placemark('QB02', 'LTE', 106.61, 17.48)}</Folder>"
        "</Document></kml>"
    )
    path = tmp_path / "tram.kmz"
    with zipfile.ZipFile(path, "w") as kmz:
        kmz.writestr("doc.kml", kml)
    frame = read_layer(path, "sites").frame
    assert sorted(frame["site_id"]) == ["QB01", "QB02"]
    assert set(frame["technology"]) == {"4G"}
    assert frame.crs.to_epsg() == 4326
    assert sorted(frame.geometry.x) == pytest.approx([106.6, 106.61])
