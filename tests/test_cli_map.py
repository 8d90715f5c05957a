"""`coverage map` through click's CliRunner."""

import pytest
from PIL import Image

from coverage.cli.main import cli

from .conftest import tiny_args


@pytest.mark.parametrize(
    ("flags", "name", "marker"),
    [
        ([], "m.html", b"leaflet"),
        (["--static"], "m.html", b"cov-static"),
        (["--png"], "m.png", b"\x89PNG"),
    ],
)
def test_map_variants(runner, tiny, tmp_path, flags, name, marker):
    out = tmp_path / name
    result = runner.invoke(
        cli, ["map", *tiny_args(tiny), *flags, "--lang", "en", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout and "MB" in result.stdout
    assert marker in out.read_bytes()[:2_000_000]
    if name.endswith(".png"):
        with Image.open(out) as image:
            assert image.size[0] > image.size[1]  # landscape


def test_map_vietnamese_by_default(runner, tiny, tmp_path):
    out = tmp_path / "vi.html"
    assert runner.invoke(cli, ["map", *tiny_args(tiny), "-o", str(out), "-q"]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Thôn/bản có sóng 3G/4G" in text and "1 / 4 (25,0%)" in text


def test_map_bad_dem(runner, tiny, tmp_path):
    bad = tmp_path / "dem.tif"
    bad.write_text("not a raster")
    result = runner.invoke(
        cli, ["map", *tiny_args(tiny), "--dem", str(bad), "-o", str(tmp_path / "m.html")]
    )
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: ") and "dem.tif" in last
    assert not (tmp_path / "m.html").exists()


@pytest.mark.parametrize("flags", [[], ["--static"]])
def test_map_title_names_province_and_date(runner, tiny, tmp_path, flags):
    """The tiny communes' province column says 'Tỉnh T': the header names it, with the
    date of the run written the Vietnamese way."""
    import datetime

    out = tmp_path / "m.html"
    args = ["map", *tiny_args(tiny), *flags, "-o", str(out), "-q"]
    assert runner.invoke(cli, args).exit_code == 0
    today = datetime.date.today().strftime("%d/%m/%Y")
    assert f'<p class="cov-subtitle">T · ngày {today}</p>' in out.read_text(encoding="utf-8")
