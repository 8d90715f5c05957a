import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage import Settings
from coverage.models import get_model, range_footprints
from coverage.models.range import site_ranges


def sites(**cols):
    n = len(next(iter(cols.values())))
    cols.setdefault("site_id", [f"s{i}" for i in range(n)])
    return gpd.GeoDataFrame(cols, geometry=[shapely.Point(0, 0)] * n, crs=32648)


@pytest.mark.parametrize(
    ("tech", "freq", "expected"),
    [
        ("2G", 900, 7000),
        ("2G", 1800, 3500),
        ("3G", 2100, 3000),
        ("3G", 900, 6000),
        ("4G", 800, 6000),
        ("4G", 1800, 4000),
        ("4G", 2600, 2500),
        ("5G", 3500, 1200),
        ("2G", np.nan, 7000),
        ("3G", np.nan, 3000),
        ("4G", np.nan, 4000),
        ("5G", np.nan, 1200),
    ],
)
def test_default_range_table(tech, freq, expected):
    assert site_ranges(sites(technology=[tech], frequency_mhz=[freq]), settings=Settings()) == [
        expected
    ]


def test_override_and_cap():
    # reading the layer warns about the cap (tests/test_validation.py); the model caps too
    s = sites(technology=["4G", "4G"], range_m=[1234.0, 90000.0])
    assert site_ranges(s, settings=Settings()).tolist() == [1234.0, 35000.0]


def test_config_table_override():
    settings = Settings().replace(ranges_m={"4G": {"mid": 3333.0}})
    assert site_ranges(sites(technology=["4G"]), settings=settings).tolist() == [3333.0]
    assert settings.ranges_m["4G"]["low"] == 6000.0  # the rest of the table is kept


def test_disc_area_is_close_to_pi_r2():
    fp = range_footprints(sites(technology=["3G"], range_m=[1000.0]), settings=Settings())
    # 64-gon: 0.5 * 64 * r^2 * sin(2 pi / 64)
    assert fp.area.iloc[0] == pytest.approx(32 * 1e6 * math.sin(2 * math.pi / 64))


@pytest.mark.parametrize(
    ("azimuth", "inside", "outside"),
    [
        (0, (0, 500), (0, -500)),  # north
        (90, (500, 0), (-500, 0)),  # east: compass degrees, clockwise
        (180, (0, -500), (0, 500)),
        (270, (-500, 0), (500, 0)),
        (-90, (-500, 0), (500, 0)),  # normalised to 270
    ],
)
def test_sector_orientation(azimuth, inside, outside):
    s = sites(
        technology=["4G"], range_m=[1000.0], azimuth_deg=[azimuth % 360], beamwidth_deg=[90.0]
    )
    wedge = range_footprints(s, settings=Settings()).geometry.iloc[0]
    assert wedge.contains(shapely.Point(*inside))
    assert not wedge.contains(shapely.Point(*outside))
    assert wedge.area == pytest.approx(math.pi * 1e6 / 4, rel=1e-3)


def test_prediction_unions_per_technology():
    s = gpd.GeoDataFrame(
        {"site_id": ["a", "b"], "technology": ["3G", "4G"], "range_m": [1000.0, 1000.0]},
        geometry=[shapely.Point(0, 0), shapely.Point(500, 0)],
        crs=32648,
    )
    pred = get_model("range").predict(s, settings=Settings())
    village = np.array([shapely.box(-100, -100, 100, 100)])
    assert pred.area_share(village, ["3G"]) == pytest.approx([1.0])
    assert pred.area_share(village, ["5G"]) == pytest.approx([0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pred.point_covered(np.array([shapely.Point(1400, 0)]), ["3G", "4G"]).tolist() == [
            True
        ]
