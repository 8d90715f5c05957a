"""``coverage predict``: GeoTIFF rasters per technology, for all sites or some, one by one."""

from __future__ import annotations

import rasterio

from coverage.cli.main import cli

from .conftest import tiny_args


def _predict(runner, tiny, tiny_dem, out, *extra, model="terrain"):
    args = ["predict", *tiny_args(tiny, model=model), "--dem", str(tiny_dem), "-o", str(out)]
    return runner.invoke(cli, [*args, "-q", *extra])


def test_one_site_and_per_site_rasters(runner, tiny, tiny_dem, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = _predict(runner, tiny, tiny_dem, tmp_path / "r", "--site", "S1", "--per-site")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "r").iterdir())
    # S1 is a 4G site: the combined rasters and the per-site ones, best and servers
    assert written == [
        "best_4g.tif",
        "servers_4g.tif",
        "site_S1_best_4g.tif",
        "site_S1_servers_4g.tif",
    ]
    with (
        rasterio.open(tmp_path / "r" / "best_4g.tif") as a,
        rasterio.open(tmp_path / "r" / "site_S1_best_4g.tif") as b,
    ):
        assert (a.read(1) == b.read(1)).all()  # one site: the combination is that site


def test_unknown_site_is_an_error_naming_the_file(runner, tiny, tiny_dem, tmp_path):
    result = _predict(runner, tiny, tiny_dem, tmp_path / "r", "--site", "NOPE")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(f"error: {tiny['sites']}: column 'site_id'")
    assert "'NOPE'" in result.stderr


def test_a_model_without_rasters_is_refused(runner, tiny, tiny_dem, tmp_path):
    result = _predict(runner, tiny, tiny_dem, tmp_path / "r", model="range")
    assert result.exit_code == 2
    assert "range model makes no rasters" in result.stderr
    assert not (tmp_path / "r").exists()


def test_predict_writes_geotiffs(runner, tiny, tiny_dem, tmp_path):
    out = tmp_path / "rasters"
    result = runner.invoke(
        cli,
        [
            "predict",
            *tiny_args(tiny, model="terrain"),
            "--dem",
            str(tiny_dem),
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    with rasterio.open(out / "best_4g.tif") as src:
        assert src.crs.to_epsg() == 32648
        assert src.nodata == -9999.0 and src.dtypes[0] == "float32"
        data = src.read(1, masked=True)
        assert -140 < data.max() < 0  # real dBm values
    with rasterio.open(out / "servers_4g.tif") as src:
        assert src.read(1).max() >= 1
