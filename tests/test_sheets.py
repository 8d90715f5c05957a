"""Spreadsheets as offices hand them over: a title row, merged headers, text and numbers."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from coverage._errors import InputError
from coverage.io import read_layer


def _bts_workbook(path, *, sheet="BTS"):
    """A BTS inventory as a provincial department keeps it, written by openpyxl."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Ghi chú"
    notes["A1"] = "Số liệu tháng 11/2026"
    ws = book.create_sheet(sheet)
    ws["A1"] = "DANH SÁCH TRẠM BTS TỈNH QUẢNG BÌNH"
    ws.merge_cells("A1:F1")
    for cell, text in (("A2", "Mã trạm"), ("B2", "Công nghệ"), ("E2", "Bán kính (km)")):
        ws[cell] = text
        ws.merge_cells(f"{cell}:{cell[0]}3")
    ws["C2"] = "Tọa độ"
    ws.merge_cells("C2:D2")
    ws["C3"], ws["D3"] = "Kinh độ", "Vĩ độ"
    ws["F2"] = "Nhà mạng"
    ws.merge_cells("F2:F3")
    ws.append(["QBH001", "4G", 106.6, 17.47, 1.1, "Viettel"])
    ws.append([])  # a blank row between blocks
    ws.append([2002, "UMTS", "106°37'12\"E", "17,48", "0,8", "VinaPhone"])
    book.save(path)
    return path


def test_a_workbook_with_a_title_row_and_merged_headers(tmp_path):
    path = _bts_workbook(tmp_path / "bts.xlsx")
    # the sheet is named: the first one holds notes
    frame = read_layer(f"{path}::BTS", "sites").frame
    assert frame["site_id"].tolist() == ["QBH001", "2002"]  # a numeric id stays an id
    assert frame["technology"].tolist() == ["4G", "3G"]
    assert frame["range_m"].tolist() == [1100.0, 800.0]  # km, decimal comma
    assert frame.geometry.x.tolist() == pytest.approx([106.6, 106.62])  # DMS converted
    assert frame.geometry.y.tolist() == pytest.approx([17.47, 17.48])
    assert frame["operator"].tolist() == ["Viettel", "VinaPhone"]


def test_the_sheet_named_like_the_layer_is_read_by_default(tmp_path):
    path = _bts_workbook(tmp_path / "bts.xlsx", sheet="Sites")
    assert len(read_layer(path, "sites")) == 2


def test_a_bad_value_is_named_by_its_row_in_the_sheet(tmp_path):
    path = _bts_workbook(tmp_path / "bts.xlsx")
    book = openpyxl.load_workbook(path)
    book["BTS"]["D6"] = "mười bảy"
    book.save(path)
    with pytest.raises(InputError) as err:
        read_layer(f"{path}::BTS", "sites")
    assert "row 6" in str(err.value) and "Vĩ độ" in str(err.value)


def test_an_unknown_sheet_lists_the_sheets(tmp_path):
    path = _bts_workbook(tmp_path / "bts.xlsx")
    with pytest.raises(InputError, match="has no sheet 'Tram'; its sheets are Ghi chú, BTS"):
        read_layer(f"{path}::Tram", "sites")


def test_an_ods_workbook(tmp_path):
    path = tmp_path / "buudien.ods"
    table = pd.DataFrame(
        {
            "Mã điểm": ["BD01", "BD02"],
            "Tên điểm": ["Bưu điện văn hóa xã Tân Hóa", "Điểm BĐ Dân Hóa"],
            "Kinh độ": [106.1, 106.2],
            "Vĩ độ": [17.7, 17.8],
            "Băng rộng": ["Có", "Không"],
        }
    )
    table.to_excel(path, engine="odf", index=False)
    frame = read_layer(path, "postal").frame
    assert frame["point_id"].tolist() == ["BD01", "BD02"]
    assert frame["name"].tolist() == ["Bưu điện văn hóa xã Tân Hóa", "Điểm BĐ Dân Hóa"]
    assert frame["broadband"].tolist() == [True, False]


def test_a_corrupt_workbook_is_one_clear_error(tmp_path):
    path = tmp_path / "bts.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match="cannot read as a spreadsheet"):
        read_layer(path, "sites")
