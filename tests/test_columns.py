"""Headers as offices write them: Vietnamese names, units in brackets, near misspellings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

import coverage
from coverage._errors import InputError
from coverage.io import read_layer
from coverage.layers import Layers
from coverage.schema import match_column, split_unit

# The planner's case of tests/test_api.py: 12 villages of 100 m every 200 m east of one
# 4G site whose row gives a radius of 1,100 m. By hand 5/12 lie in the disc; Hata (the
# default when the radius is not read) gives 12/12.
ORIGIN = (600_000.0, 1_930_000.0)


def _villages(folder):
    x0, y0 = ORIGIN
    xs = [x0 + 200.0 * (i + 1) for i in range(12)]
    frame = gpd.GeoDataFrame(
        {"village_id": [f"V{i + 1:02d}" for i in range(12)], "population": [100] * 12},
        geometry=[shapely.box(x - 50, y0 - 50, x + 50, y0 + 50) for x in xs],
        crs=32648,
    )
    frame.to_file(folder / "thon.geojson")
    return folder / "thon.geojson"


def _site_csv(folder, header: str, radius: str) -> str:
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(*ORIGIN)
    path = folder / "tram.csv"
    path.write_text(f"{header}\nS1,4G,{lon:.8f},{lat:.8f},{radius}\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("header", "radius"),
    [
        ("Mã trạm,Công nghệ,Kinh độ,Vĩ độ,Bán kính (m)", "1100"),
        ("Mã trạm,Công nghệ,Kinh độ,Vĩ độ,Bán kính (km)", '"1,1"'),  # decimal comma
        ("MA_TRAM,CONG_NGHE,KINH_DO,VI_DO,BAN_KINH_KM", "1.1"),
        ("site_id,technology,lon,lat,radius [ft]", "3608.92"),
    ],
)
def test_vietnamese_headers_with_units_are_read(tmp_path, header, radius):
    layers = Layers(villages=_villages(tmp_path), sites=_site_csv(tmp_path, header, radius))
    result = coverage.compute(layers)
    assert result.summary["model"] == "range"  # every row gives its radius
    assert (result.summary["villages_covered"], result.summary["villages_total"]) == (5, 12)


def test_a_unit_that_cannot_be_converted_is_refused(tmp_path):
    sites = _site_csv(tmp_path, "Mã trạm,Công nghệ,Kinh độ,Vĩ độ,Bán kính (dặm)", "0.7")
    with pytest.raises(InputError) as exc:
        read_layer(sites, "sites")
    assert exc.value.column == "Bán kính (dặm)"
    assert "range_m" in str(exc.value) and "m, km, ft" in str(exc.value)


def test_units_convert_to_the_canonical_ones():
    def value(header, x):
        return float(match_column(header, "sites").convert(np.array([x]))[0])

    assert value("Độ cao (ft)", 100.0) == pytest.approx(30.48)
    assert value("Tần số (GHz)", 1.8) == pytest.approx(1800.0)
    assert value("EIRP (dBW)", 30.0) == pytest.approx(60.0)
    assert value("EIRP (W)", 1000.0) == pytest.approx(60.0)  # 1 kW = 60 dBm
    assert match_column("Dân số (2019)", "villages").canonical == "population"  # a year
    assert match_column("Mã trạm (BTS)", "sites").canonical == "site_id"  # a note
    assert split_unit("Bán kính [m]") == ("ban_kinh", "m")


def test_unread_lookalike_columns_are_named(tmp_path):
    sites = _site_csv(tmp_path, "site_id,technology,lon,lat,Radious", "1100")
    with pytest.warns(
        coverage.CoverageWarning, match="'Radious' looks like a misspelling of range_m"
    ):
        layer = read_layer(sites, "sites")
    assert "range_m" not in layer.frame.columns


def test_a_second_spelling_of_a_column_is_named(tmp_path):
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(*ORIGIN)
    path = tmp_path / "tram.csv"
    path.write_text(
        f"site_id,technology,lon,lat,range_m,Bán kính (km)\nS1,4G,{lon},{lat},1100,2\n",
        encoding="utf-8",
    )
    with pytest.warns(coverage.CoverageWarning, match="'Bán kính \\(km\\)' also looks like"):
        layer = read_layer(path, "sites")
    assert layer.frame["range_m"].tolist() == [1100.0]


def test_a_bad_number_in_a_converted_column_is_named(tmp_path):
    sites = _site_csv(tmp_path, "Mã trạm,Công nghệ,Kinh độ,Vĩ độ,Bán kính (km)", "abc")
    with pytest.raises(InputError, match="not a number: 'abc'"):
        read_layer(sites, "sites")
