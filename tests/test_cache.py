"""The prediction cache: hits on identical inputs only, warnings kept, never stale."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
import shapely

from coverage import CoverageWarning, Settings, cache
from coverage.layers import Layers
from coverage.pipeline import run


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def _sites(x: float = 600_000.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["A"], "technology": ["4G"], "height_m": [30.0]},
        geometry=[shapely.Point(x, 1_930_000.0)],
        crs=32648,
    )


def test_location_honours_xdg_cache_home(cache_home):
    assert cache.cache_dir() == cache_home / "coverage" / "predictions"


def test_key_changes_with_every_input(tmp_path):
    base = cache.prediction_key("hata", _sites(), settings=Settings(), area=(0, 0, 1, 1))
    assert base == cache.prediction_key("hata", _sites(), settings=Settings(), area=(0, 0, 1, 1))
    others = [
        cache.prediction_key("terrain", _sites(), settings=Settings(), area=(0, 0, 1, 1)),
        cache.prediction_key("hata", _sites(x=600_001.0), settings=Settings(), area=(0, 0, 1, 1)),
        cache.prediction_key(
            "hata", _sites().assign(height_m=31.0), settings=Settings(), area=(0, 0, 1, 1)
        ),
        cache.prediction_key(
            "hata", _sites(), settings=Settings(rx_height_m=2.0), area=(0, 0, 1, 1)
        ),
        cache.prediction_key("hata", _sites(), settings=Settings(), area=(0, 0, 1, 2)),
    ]
    assert len({base, *others}) == 1 + len(others)
    # threads do not change the numbers: same key
    same = cache.prediction_key("hata", _sites(), settings=Settings(n_jobs=1), area=(0, 0, 1, 1))
    assert same == base


def test_key_follows_the_dem_contents_not_its_name(tmp_path):
    dem = tmp_path / "dem.tif"
    dem.write_bytes(b"one")
    first = cache.prediction_key("terrain", _sites(), settings=Settings(dem=(str(dem),)), area=None)
    dem.write_bytes(b"two")
    second = cache.prediction_key(
        "terrain", _sites(), settings=Settings(dem=(str(dem),)), area=None
    )
    assert first != second


def test_hit_skips_the_model_and_repeats_its_warnings():
    calls = []

    def predict(sites, *, settings, area):
        calls.append(1)
        warnings.warn("3 site(s) have DEM voids", CoverageWarning, stacklevel=2)
        return {"made": len(calls)}

    for _ in range(2):
        with pytest.warns(CoverageWarning, match="DEM voids"):
            got = cache.cached_predict(predict, "toy", _sites(), settings=Settings(), area=None)
        assert got == {"made": 1}
    assert len(calls) == 1
    cache.cached_predict(predict, "toy", _sites(), settings=Settings(), area=None, use_cache=False)
    assert len(calls) == 2


def test_a_damaged_entry_is_a_miss():
    def fresh(sites, *, settings, area):
        return "fresh"

    code = cache._source_digest(fresh)  # a model from outside the package: its file counts
    assert code == cache._file_digest(__file__)
    key = cache.prediction_key("toy", _sites(), settings=Settings(), area=None, code=code)
    cache.cache_dir().mkdir(parents=True)
    (cache.cache_dir() / f"{key}.pkl").write_bytes(b"not a pickle")
    got = cache.cached_predict(fresh, "toy", _sites(), settings=Settings(), area=None)
    assert got == "fresh"
    assert cache.load(key) == ("fresh", [])  # replaced by a good entry


def test_an_unwritable_cache_is_skipped(cache_home):
    cache_home.mkdir()
    cache_home.joinpath("coverage").write_text("a file where the folder should be")
    got = cache.cached_predict(
        lambda s, settings, area: "fresh", "toy", _sites(), settings=Settings(), area=None
    )
    assert got == "fresh"


def test_compute_then_map_predicts_once(tiny, tiny_dem, monkeypatch):
    """Two runs on the same inputs: the second reads the first's prediction, same summary."""
    from coverage.models import terrain

    calls = []
    real = terrain.predict_terrain

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(terrain.TerrainModel, "_predict", staticmethod(counting))
    layers = Layers(**tiny, dem=tiny_dem)
    first = run(layers)
    second = run(layers)
    assert len(calls) == 1
    assert first.summary == second.summary
    run(layers, use_cache=False)
    assert len(calls) == 2
