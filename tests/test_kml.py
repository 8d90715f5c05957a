"""Google Earth files in (coverage.kml): folders, ExtendedData, KMZ; built by each test."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import shapely
from PIL import Image

from coverage._errors import InputError
from coverage.kml import read_kml

KML_NS = 'xmlns="http://www.opengis.net/kml/2.2"'

#: A Google Earth "Save Place As" export: a style, a schema, two folders, a path among the pins.
GOOGLE_EARTH = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml {KML_NS} xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document>
  <name>Trạm BTS Quảng Bình</name>
  <Style id="s1"><IconStyle><Icon><href>files/tower.png</href></Icon></IconStyle></Style>
  <Schema name="tram" id="tram">
    <SimpleField name="site_id" type="string"/><SimpleField name="technology" type="string"/>
  </Schema>
  <Folder>
    <name>Viettel</name>
    <Placemark id="pm1">
      <name>Trạm Đồng Hới 1</name>
      <description><![CDATA[<b>Trạm</b> ở phường Đồng Phú]]></description>
      <TimeStamp><when>2024-05-01</when></TimeStamp>
      <styleUrl>#s1</styleUrl>
      <ExtendedData>
        <Data name="site_id"><value>QB001</value></Data>
        <Data name="technology"><value>4G</value></Data>
        <Data name="range_m"><value>2000</value></Data>
      </ExtendedData>
      <Point><altitudeMode>clampToGround</altitudeMode>
        <coordinates>106.6,17.47,0</coordinates></Point>
    </Placemark>
    <Placemark>
      <name>Trạm Lệ Thủy</name>
      <ExtendedData>
        <Data name="site_id"><value>QB002</value></Data>
        <Data name="technology"><value>3G</value></Data>
      </ExtendedData>
      <Point><coordinates>106.78,17.21</coordinates></Point>
    </Placemark>
  </Folder>
  <Folder>
    <name>VNPT</name>
    <Placemark>
      <name>Trạm Minh Hóa</name>
      <ExtendedData><SchemaData schemaUrl="#tram">
        <SimpleData name="site_id">QB003</SimpleData>
        <SimpleData name="technology">4G</SimpleData>
      </SchemaData></ExtendedData>
      <Point><coordinates>105.95,17.8,0</coordinates></Point>
    </Placemark>
    <Placemark>
      <name>Tuyến cáp</name>
      <LineString><tessellate>1</tessellate>
        <coordinates>106.6,17.47,0 106.7,17.5,0</coordinates></LineString>
    </Placemark>
  </Folder>
</Document>
</kml>
"""

STYLING = {"description", "timestamp", "begin", "end", "altitudeMode", "altitudemode"}
STYLING |= {"tessellate", "extrude", "visibility", "drawOrder", "draworder", "icon", "snippet"}


@pytest.fixture
def ge_kml(tmp_path) -> Path:
    path = tmp_path / "trạm bts.kml"
    path.write_text(GOOGLE_EARTH, encoding="utf-8")
    return path


@pytest.fixture
def ge_kmz(tmp_path) -> Path:
    path = tmp_path / "tram.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", GOOGLE_EARTH)
        archive.writestr("files/tower.png", b"\x89PNG\r\n\x1a\n")
    return path


def _check_sites(frame) -> None:
    assert frame.crs.to_epsg() == 4326
    assert frame["site_id"].tolist() == ["QB001", "QB002", "QB003"]
    assert frame["name"].tolist() == ["Trạm Đồng Hới 1", "Trạm Lệ Thủy", "Trạm Minh Hóa"]
    assert frame["technology"].tolist() == ["4G", "3G", "4G"]
    assert frame["folder"].tolist() == ["Viettel", "Viettel", "VNPT"]
    assert frame.loc[0, "range_m"] == "2000"
    assert shapely.get_coordinates(frame.geometry.to_numpy()).tolist() == [
        [106.6, 17.47],
        [106.78, 17.21],
        [105.95, 17.8],
    ]
    assert not shapely.has_z(frame.geometry.to_numpy()).any()
    assert not STYLING & set(frame.columns)
    assert not [c for c in frame.columns if c.startswith("kml__") or c in ("id", "Name")]


def test_google_earth_folders_stacked(ge_kml):
    with pytest.warns(UserWarning, match="1 in 'VNPT'"):  # the cable path is not a site
        frame = read_kml(ge_kml, None, "sites")
    _check_sites(frame)


def test_kmz_keeps_schema_data(ge_kmz):
    with pytest.warns(UserWarning, match="left out"):
        frame = read_kml(ge_kmz, None, "sites")
    _check_sites(frame)


def test_kmz_main_kml_not_named_doc(tmp_path):
    path = tmp_path / "export.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Trạm BTS.kml", GOOGLE_EARTH)
    with pytest.warns(UserWarning):
        assert read_kml(path, None, "sites")["site_id"].tolist() == ["QB001", "QB002", "QB003"]


def test_read_as_a_sites_layer(ge_kml):
    """The frame validates as the sites layer: numbers read, a missing one is missing."""
    from coverage.io import read_layer

    with pytest.warns(UserWarning):
        frame = read_kml(ge_kml, None, "sites")
    layer = read_layer(frame, "sites")
    assert layer.frame["site_id"].tolist() == ["QB001", "QB002", "QB003"]
    assert layer.frame["range_m"].tolist()[0] == 2000.0
    assert layer.frame["range_m"].isna().tolist() == [False, True, True]


def test_one_folder_by_name(ge_kml):
    frame = read_kml(ge_kml, "Viettel", "sites")
    assert frame["site_id"].tolist() == ["QB001", "QB002"]
    assert "folder" not in frame


def test_folder_name_in_another_case_and_form(ge_kml):
    import unicodedata

    path = ge_kml.with_name("hanh_chinh.kml")
    path.write_text(GOOGLE_EARTH.replace("VNPT", "Trạm Minh Hóa VNPT"), encoding="utf-8")
    typed = unicodedata.normalize("NFD", "trạm minh hóa vnpt")  # as a macOS terminal gives it
    with pytest.warns(UserWarning):
        frame = read_kml(path, typed, "sites")
    assert frame["site_id"].tolist() == ["QB003"]


def test_fibre_takes_lines_and_points(ge_kml):
    frame = read_kml(ge_kml, "VNPT", "fibre")
    assert frame.geom_type.tolist() == ["Point", "LineString"]
    assert frame.geometry[1].coords[:] == [(106.6, 17.47), (106.7, 17.5)]


def _polygon(x: float) -> str:
    ring = f"{x},17,0 {x + 0.01},17,0 {x + 0.01},17.01,0 {x},17.01,0 {x},17,0"
    return (
        f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates>"
        "</LinearRing></outerBoundaryIs></Polygon>"
    )


def test_villages_multigeometry_and_name_field(tmp_path):
    """A label point beside the polygon keeps the polygon; ExtendedData ``name`` wins."""
    path = tmp_path / "thon.kml"
    path.write_text(
        f"""<kml {KML_NS}><Document><name>Thôn bản</name>
        <Folder><name>Xã Tân Hóa</name>
          <Placemark><name>nhãn</name><ExtendedData>
            <Data name="name"><value>Thôn Một &amp; Hai</value></Data>
            <Data name="village_id"><value>T1</value></Data></ExtendedData>
            <MultiGeometry><Point><coordinates>106.005,17.005</coordinates></Point>
            {_polygon(106.0)}</MultiGeometry></Placemark>
          <Placemark><name>Bản Ba</name><ExtendedData>
            <Data name="village_id"><value>T3</value></Data></ExtendedData>
            <MultiGeometry>{_polygon(106.1)}{_polygon(106.2)}</MultiGeometry></Placemark>
        </Folder></Document></kml>""",
        encoding="utf-8",
    )
    frame = read_kml(path, None, "villages")
    assert frame["village_id"].tolist() == ["T1", "T3"]
    assert frame["name"].tolist() == ["Thôn Một & Hai", "Bản Ba"]
    assert frame.geom_type.tolist() == ["Polygon", "MultiPolygon"]
    assert frame.geometry[0].bounds == pytest.approx((106.0, 17.0, 106.01, 17.01))


def test_nothing_suits_the_kind(ge_kml):
    with pytest.raises(InputError, match="no placemark with a Polygon or MultiPolygon") as err:
        read_kml(ge_kml, None, "communes")
    assert str(ge_kml) in str(err.value)
    assert "LineString, Point" in str(err.value)


def test_unknown_folder(ge_kml):
    with pytest.raises(InputError, match="no folder \\(layer\\) 'Mobifone'; it has: Viettel, VNPT"):
        read_kml(ge_kml, "Mobifone", "sites")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.kmz", b"<kml>not a zip</kml>", "not a zip archive"),
        ("empty.kmz", None, "holds no .kml file"),
        ("bad.kml", b"PK\x03\x04 garbage", "cannot read as KML"),
    ],
)
def test_unreadable(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("files/icon.png", b"png")
    else:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        read_kml(path, None, "sites")
    assert "\n" not in str(err.value)
    assert str(path) in str(err.value)


def test_gdal_settings_restored(ge_kml):
    import pyogrio

    read_kml(ge_kml, "Viettel", "sites")
    assert pyogrio.get_gdal_config_option("LIBKML_NAME_FIELD") is None


# ---------------------------------------------------------------- KMZ out


@pytest.fixture(scope="module")
def tiny_result():
    import coverage

    from .conftest import tiny_layers

    return coverage.compute(coverage.Layers(**tiny_layers()), model="range")


def _folders(path: Path) -> dict:
    import pyogrio

    frames = {
        str(name): pyogrio.read_dataframe(path, layer=str(name))
        for name in pyogrio.list_layers(path)[:, 0]
    }
    return {name: frame for name, frame in frames.items() if len(frame)}  # not the legend


def _rrggbb(kml_colour: str) -> str:
    """``aabbggrr`` back to ``#rrggbb``, written out here independently of the writer."""
    return f"#{kml_colour[6:8]}{kml_colour[4:6]}{kml_colour[2:4]}"


def test_kmz_folders_counts_and_ids(tiny_result, tmp_path):
    from coverage.exports.kmz import write_kmz

    path = write_kmz(tiny_result, tmp_path / "gaps.kmz", lang="en")
    assert zipfile.ZipFile(path).namelist() == [
        "doc.kml",
        "files/dot.png",
        "files/centre.png",
        "files/postal.png",
        "files/legend.png",
    ]
    with Image.open(zipfile.ZipFile(path).open("files/legend.png")) as legend:
        assert legend.size[0] > 200 and legend.size[1] > 200
    folders = _folders(path)
    s = tiny_result.summary
    assert list(folders) == [
        "Communes: share of villages with 3G/4G",
        "Villages without 3G/4G",
        "Cell sites",
        "Commune centres without fibre",
        "Postal points without fixed broadband",
    ]
    communes, gaps, sites, centres, postal = folders.values()
    assert len(communes) == 2
    assert len(gaps) == s["villages_total"] - s["villages_covered"] == 3
    assert len(centres) == s["commune_centres_total"] - s["commune_centres_fibre"] == 1
    assert len(postal) == s["postal_points_total"] - s["postal_points_broadband"] == 1
    assert len(sites) == tiny_result.sites["site_id"].nunique() == 4
    assert set(gaps["village_id"]) == {g["village_id"] for g in s["gaps"]["villages"]}
    assert set(gaps["Name"]) == {"Thôn Hai", "Bản Ba", "Bản Bốn"}
    assert centres["commune_id"].tolist() == ["C2"] and centres["Name"].tolist() == ["Xã Hai"]
    assert postal["point_id"].tolist() == ["P2"] and postal["Name"].tolist() == ["Bưu cục Hai"]
    assert communes.set_index("commune_id")["coverage_share"].to_dict() == {"C1": "0.5", "C2": "0"}
    expected = tiny_result.commune_geometry.to_crs(4326).set_index("commune_id").geometry
    for cid, geom in zip(communes["commune_id"], communes.geometry, strict=True):
        assert shapely.hausdorff_distance(geom, expected[cid]) < 1e-5


def test_kmz_colours_are_the_maps(tiny_result, tmp_path):
    from xml.etree import ElementTree as ET

    from coverage.exports.kmz import write_kmz
    from coverage.maps.gapmap import SHARE_CLASSES, UNCOVERED, share_colour

    path = write_kmz(tiny_result, tmp_path / "gaps.kmz")
    root = ET.fromstring(zipfile.ZipFile(path).read("doc.kml"))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    styles = {
        s.get("id"): s.findtext("k:PolyStyle/k:color", namespaces=ns)
        for s in root.iterfind(".//k:Style", ns)
    }
    assert [_rrggbb(styles[f"share-{i}"]) for i in range(len(SHARE_CLASSES))] == [
        c for _, c in SHARE_CLASSES
    ]
    assert _rrggbb(styles["gap"]) == UNCOVERED
    shares = tiny_result.communes.set_index("commune_id")["coverage_share"]
    communes = root.find(".//k:Folder[@id='communes']", ns)
    for placemark in communes.iterfind("k:Placemark", ns):
        cid = placemark.findtext("k:ExtendedData/k:Data[@name='commune_id']/k:value", namespaces=ns)
        style = placemark.findtext("k:styleUrl", namespaces=ns).lstrip("#")
        assert _rrggbb(styles[style]) == share_colour(shares[cid])
    assert root.find(".//k:Folder/k:name", ns).text == "Xã: tỷ lệ thôn có sóng 3G/4G"
    icons = {
        s.get("id"): s.findtext("k:IconStyle/k:Icon/k:href", namespaces=ns)
        for s in root.iterfind(".//k:Style", ns)
    }
    assert icons["centre"] == "files/centre.png" and icons["postal"] == "files/postal.png"
    overlay = root.find(".//k:ScreenOverlay", ns)
    assert overlay.findtext("k:Icon/k:href", namespaces=ns) == "files/legend.png"


def test_kmz_escapes_names_and_reads_back(tiny_result, tmp_path):
    import dataclasses

    from coverage.exports.kmz import write_kmz

    villages = tiny_result.villages.copy()
    villages.loc[villages["village_id"] == "V2", "name"] = "<script>alert(1)</script> & Thôn\x01"
    odd = dataclasses.replace(tiny_result, villages=villages)
    path = write_kmz(odd, tmp_path / "odd.kmz", title="Quảng Bình <2025> & co")
    frame = read_kml(path, "Thôn lõm sóng 3G/4G", "villages")
    assert frame["village_id"].tolist() == ["V2", "V3", "V4"]
    assert frame["name"].tolist()[0] == "<script>alert(1)</script> & Thôn"
    assert b"<script>" not in zipfile.ZipFile(path).read("doc.kml")


def test_cli_map_kmz(runner, tiny, tmp_path):
    from coverage.cli.main import cli

    from .conftest import tiny_args

    out = tmp_path / "bản đồ.kmz"
    result = runner.invoke(cli, ["map", *tiny_args(tiny), "--kmz", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout and "MB" in result.stdout
    assert zipfile.ZipFile(out).namelist()[0] == "doc.kml"


# ---------------------------------------------------------------- through read_layer / compute


def test_read_layer_by_path(ge_kml, ge_kmz):
    from coverage.io import read_layer

    for spec in (ge_kml, ge_kmz):
        with pytest.warns(UserWarning):
            layer = read_layer(spec, "sites")
        assert layer.frame["site_id"].tolist() == ["QB001", "QB002", "QB003"]
        assert layer.frame.crs.to_epsg() == 4326
    layer = read_layer(f"{ge_kml}::Viettel", "sites")
    assert layer.frame["site_id"].tolist() == ["QB001", "QB002"]
    assert layer.frame["range_m"].tolist()[0] == 2000.0


def test_compute_from_the_kmz_it_wrote(tiny, tiny_result, tmp_path):
    """The gaps KMZ read back as the villages of a run: the same villages are gaps."""
    import coverage
    from coverage.exports.kmz import write_kmz

    path = write_kmz(tiny_result, tmp_path / "gaps.kmz", lang="en")
    villages = f"{path}::Villages without 3G/4G"
    layers = coverage.Layers(**{**tiny, "villages": villages})
    again = coverage.compute(layers, model="range")
    assert sorted(again.villages["village_id"]) == ["V2", "V3", "V4"]
    assert not again.villages["covered"].any()
