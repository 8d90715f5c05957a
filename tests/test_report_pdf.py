"""The leadership PDF (coverage.exports.pdf, `coverage report`), read back with pypdfium2."""

from __future__ import annotations

import datetime as dt

import pypdfium2 as pdfium
import pytest

import coverage
from coverage.cli.main import cli
from coverage.exports import pdf
from coverage.exports.pdf import Table, write_report_pdf

from .conftest import tiny_args, tiny_layers

A4 = (595.0, 842.0)


@pytest.fixture(scope="module")
def result():
    return coverage.compute(coverage.Layers(**tiny_layers()), model="range")


@pytest.fixture(scope="module")
def report_vi(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    return write_report_pdf(result, path, lang="vi", date=dt.date(2026, 12, 3))


def _pages_text(path) -> list[str]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in doc]
    finally:
        doc.close()


def test_pages_are_a4_and_render(report_vi):
    doc = pdfium.PdfDocument(str(report_vi))
    try:
        assert len(doc) == 3  # headline, map, tables (the tiny province's fit on one)
        sizes = [tuple(round(v) for v in page.get_size()) for page in doc]
        assert sizes == [A4, A4[::-1], A4]  # the map on a landscape page
        for page, size in zip(doc, sizes, strict=True):
            image = page.render(scale=0.5).to_pil()
            assert image.size == tuple(round(v / 2) for v in size)
            grey = image.convert("L")
            assert grey.getextrema()[0] < 100  # something dark is drawn on the white page
    finally:
        doc.close()


def test_text_has_headline_share_and_vietnamese_words(result, report_vi):
    text = "\n".join(_pages_text(report_vi))
    s = result.summary
    share = coverage.maps.i18n.percent(s["village_coverage_share"], "vi")
    assert share == "25,0%"
    assert f"1 / 4 ({share})" in text
    for words in (
        "Báo cáo hiện trạng phủ sóng",
        "Thôn/bản có sóng 3G/4G",
        "Trung tâm xã chưa có cáp quang",
        "Bản Bốn",  # an uncovered village
        "Bưu cục Hai",  # the postal point without broadband
        "bán kính phủ sóng cố định",  # the model in words
        "≥ 50% diện tích thôn",  # the rule
        "03/12/2026",
        "villages.geojson",  # a data source
        "Trang 3/3",
    ):
        assert words in text, words
    assert "Thôn Một" not in text.split("Thôn/bản lõm sóng")[-1]  # covered: not a gap


def test_no_text_leaves_the_page_or_its_cell(result):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    pages = [pdf._headline_page(result, "vi", dt.date(2026, 12, 3))]
    pages.append(pdf._map_page(result, "vi", None))
    pages += pdf._table_pages(pdf._tables(result, "vi"), "vi")
    for fig in pages:
        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # lays the legend out
        renderer = canvas.get_renderer()
        page = fig.bbox
        for text in [*fig.axes[0].texts, *(t for lg in fig.legends for t in lg.get_texts())]:
            box = text.get_window_extent(renderer)
            assert page.x0 <= box.x0 and box.x1 <= page.x1 + 0.5, text.get_text()
            assert page.y0 <= box.y0 and box.y1 <= page.y1, text.get_text()


def test_long_tables_continue_with_their_header(tmp_path):
    from matplotlib.backends.backend_pdf import PdfPages

    name = "Thôn có một cái tên rất dài " * 8
    rows = [[f"{name}{i}", str(i)] for i in range(70)]
    pages = pdf._table_pages([Table("Bảng", ["Tên thôn", "Số"], rows, "lr")], "vi")
    assert len(pages) >= 2
    path = tmp_path / "t.pdf"
    with PdfPages(path) as out:
        for fig in pages:
            out.savefig(fig)
    texts = _pages_text(path)
    assert all("Tên thôn" in t for t in texts)  # the header on every page
    assert "Bảng (tiếp)" in texts[1]
    assert "69" in texts[-1]  # no row lost
    assert "…" in texts[0]  # the long names shortened to their column


def test_fit_and_wrap_measure_the_font():
    long = "Điểm Bưu điện - Văn hóa xã Nông trường Việt Trung " * 3
    short = pdf._fit(long, 100, 8)
    assert short.endswith("…") and pdf._width(short, 8) <= 100
    assert pdf._fit("Xã Hai", 100, 8) == "Xã Hai"
    lines = pdf._wrap("/a/very/long/path/" * 10, 120, 8.5)
    assert len(lines) > 1 and all(pdf._width(line, 8.5) <= 120 for line in lines)


def test_cli_report_english(runner, tiny, tmp_path):
    out = tmp_path / "leaders.pdf"
    res = runner.invoke(
        cli, ["report", *tiny_args(tiny), "--lang", "en", "--out", str(out), "--quiet"]
    )
    assert res.exit_code == 0, res.output
    assert str(out) in res.output
    text = "\n".join(_pages_text(out))
    for words in (
        "Telecom coverage and infrastructure report",
        "Villages with 3G/4G",
        "1 / 4 (25.0%)",
        "Commune centres without fibre",
        "fixed coverage radii",
        "Page 1 of 3",
    ):
        assert words in text, words
    assert not [p.name for p in tmp_path.iterdir() if p.name != "leaders.pdf"]


def test_cli_report_help_and_bad_language(runner):
    res = runner.invoke(cli, ["report", "--help"])
    assert res.exit_code == 0
    assert "$ coverage report" in res.output and "report.pdf" in res.output
    res = runner.invoke(cli, ["report", "--lang", "fr"])
    assert res.exit_code == 2 and "'fr' is not one of 'vi', 'en'" in res.output
