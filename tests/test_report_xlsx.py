"""report.xlsx (coverage.exports.xlsx), re-read with openpyxl, on the tiny fixture."""

from __future__ import annotations

import openpyxl
import pytest

import coverage
from coverage.cli.main import cli
from coverage.exports.xlsx import write_report_xlsx

from .conftest import tiny_args

SHEETS = {
    "vi": ["Tổng quan", "Theo huyện", "Theo xã", "Lõm sóng"],
    "en": ["Headline", "By district", "By commune", "Gaps"],
}
HEADERS = {
    "vi": {
        "Tổng quan": ["Chỉ tiêu", "Số lượng", "Tổng số", "Tỷ lệ"],
        "Theo huyện": ["Huyện", "Số xã", "Số thôn", "Thôn có sóng 3G/4G", "Tỷ lệ"],
        "Lõm sóng": ["Loại", "Mã", "Tên", "Xã", "Huyện", "Dân số"],
    },
    "en": {
        "Headline": ["Indicator", "Number", "Total", "Share"],
        "By district": ["District", "Communes", "Villages", "Villages covered 3G/4G", "Share"],
        "Gaps": ["Kind", "Code", "Name", "Commune", "District", "Population"],
    },
}


@pytest.fixture(scope="module")
def result():
    from .conftest import tiny_layers

    return coverage.compute(coverage.Layers(**tiny_layers()), model="range")


@pytest.fixture(scope="module")
def books(result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsx")
    return {
        lang: openpyxl.load_workbook(write_report_xlsx(result, folder / f"{lang}.xlsx", lang=lang))
        for lang in ("vi", "en")
    }


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sheet_names_and_headers(books, lang):
    book = books[lang]
    assert book.sheetnames == SHEETS[lang]
    for name, headers in HEADERS[lang].items():
        assert list(_rows(book[name])[0][: len(headers)]) == headers


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_header_formatting_panes_and_filter(books, lang):
    for sheet in books[lang]:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        header = sheet["A1"]
        assert header.font.b
        assert header.fill.fgColor.rgb.endswith("DCE6F1")
        for letter, dim in sheet.column_dimensions.items():  # fitted, not the default 8.43
            assert 8 <= dim.width <= 61, letter


def test_headline_figures_equal_the_summary(result, books):
    s = result.summary
    rows = {r[0]: r[1:4] for r in _rows(books["en"]["Headline"])[1:] if r[0]}
    assert rows["Villages with 3G/4G"] == (
        s["villages_covered"],
        s["villages_total"],
        s["village_coverage_share"],
    )
    # independently of the summary: count the villages
    v = result.villages
    assert rows["Villages with 3G/4G"][0] == int(v["covered"].sum()) == 1
    assert rows["Villages with 2G"][:2] == (int(v["covered_2g"].sum()), len(v)) == (3, 4)
    assert rows["Commune centres on fibre"] == (1, 2, 0.5)
    assert rows["Postal points with fixed broadband"][:2] == (2, 3)
    assert rows["Population covered by 3G/4G"][:2] == (205, 1000)
    assert rows["Model"][0] == "fixed coverage radii"
    assert rows["Village-covered rule"][0] == "≥ 50% of village area"
    assert rows["Data source: villages"][0].endswith("villages.geojson")
    assert rows["Data source: fibre"][0].count(";") == 1  # two files


def test_number_formats(books):
    book = books["vi"]
    headline = book["Tổng quan"]
    assert headline["B2"].number_format == "#,##0"
    assert headline["D2"].number_format == "0.0%"
    district = book["Theo huyện"]
    formats = {c.value: d.number_format for c, d in zip(district[1], district[2], strict=True)}
    assert formats["Số thôn"] == "#,##0"
    assert formats["Tỷ lệ"] == "0.0%"
    gaps = book["Lõm sóng"]
    formats = {c.value: d.number_format for c, d in zip(gaps[1], gaps[2], strict=True)}
    assert formats["Kinh độ"] == formats["Vĩ độ"] == "0.000000"
    assert formats["Tỷ lệ diện tích có sóng"] == "0.0%"


def test_gaps_are_the_uncovered_villages_centres_and_postal_points(result, books):
    rows = _rows(books["en"]["Gaps"])[1:]
    kinds = [r[0] for r in rows]
    v = result.villages
    uncovered = set(v.loc[~v["covered"], "village_id"])
    assert {r[1] for r in rows if r[0] == "Village without coverage"} == uncovered
    assert kinds.count("Village without coverage") == len(uncovered) == 3
    assert [r[1] for r in rows if r[0] == "Centre without fibre"] == ["C2"]
    assert [r[1] for r in rows if r[0] == "Postal point without broadband"] == ["P2"]
    for r in rows:  # coordinates in the tiny province (longitude ~106, latitude ~17.46)
        assert 105.9 < r[8] < 106.1 and 17.4 < r[9] < 17.5
    first = rows[0]  # least covered first
    assert first[1:3] == ("V4", "Bản Bốn") and first[6] == 0


def test_commune_rows_lowest_share_first(books):
    rows = _rows(books["vi"]["Theo xã"])[1:]
    assert [r[0] for r in rows] == ["C2", "C1"]
    assert rows[0][-1] == "Không" and rows[1][-1] == "Có"


def test_unknown_language_is_refused(result, tmp_path):
    with pytest.raises(ValueError, match="lang must be one of vi, en"):
        write_report_xlsx(result, tmp_path / "r.xlsx", lang="fr")
    assert not list(tmp_path.iterdir())


def test_compute_out_writes_report_xlsx(runner, tiny, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(cli, ["compute", *tiny_args(tiny), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "report.xlsx" in res.output
    book = openpyxl.load_workbook(out / "report.xlsx")
    assert book.sheetnames == SHEETS["vi"]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
