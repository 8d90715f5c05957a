"""Reading spreadsheets (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) as tables of text.

Site lists and commune centres travel between operators and the provincial department
as workbooks, usually with a title row above the header, merged header cells (``Tọa độ``
over ``Kinh độ`` and ``Vĩ độ``), numbers and text mixed in one column. The cells are read
with python-calamine (one well-kept reader, in Rust, for all three formats, that also
reports merged cells); :func:`read_sheet` finds the header row and returns the cells
as text, so that the table is then read exactly like a CSV file (decimal commas, DMS
coordinates, Vietnamese headers).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ._errors import InputError, first_line
from .schema import SCHEMAS, match_column, normalize_name

#: File suffixes read as spreadsheets.
SHEET_SUFFIXES: frozenset[str] = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})

#: Rows searched for the header (title rows, notes and blank rows may come first).
HEADER_SEARCH_ROWS = 30


def read_sheet(path: Path, sheet: str | None, kind: str) -> tuple[pd.DataFrame, list[str]]:
    """Read one sheet as a table of text, and each row's number in the sheet.

    Parameters
    ----------
    path
        The workbook.
    sheet
        The sheet's name (``FILE::SHEET``); ``None``: the sheet named like ``kind``
        if there is one, else the first.
    kind
        The layer kind, whose column names find the header row.

    Returns
    -------
    (table, rows)
        The cells below the header as text (blank: ``""``), headed by the header's
        text (merged header cells filled in), and each row's number as the
        spreadsheet shows it, for messages.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        name = _pick_sheet(names, sheet, kind, path)
        grid = book.get_sheet_by_name(name)
        cells = grid.to_python(skip_empty_area=False)
        merged = grid.merged_cell_ranges or []
        top, left = grid.start or (0, 0)
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError(
            f"cannot read as a spreadsheet ({first_line(exc)})", path=str(path)
        ) from None
    rows = [[_text(v) for v in row] for row in cells]
    _fill_merged(rows, merged, top, left)
    if not any(any(row) for row in rows):
        raise InputError(f"sheet {name!r} is empty: no {kind} to read", path=str(path))
    at = _header_row(rows, kind)
    header = _header(rows, at)
    body = [row + [""] * (len(header) - len(row)) for row in rows[at + 1 :]]
    numbers = [str(top + at + 2 + i) for i in range(len(body))]
    keep = [i for i, row in enumerate(body) if any(cell.strip() for cell in row)]
    table = pd.DataFrame([body[i] for i in keep], columns=header, dtype=object)
    blank = [c for c in table.columns if c.startswith("_blank_") and not table[c].str.strip().any()]
    return table.drop(columns=blank), [numbers[i] for i in keep]


def _pick_sheet(names: list[str], sheet: str | None, kind: str, path: Path) -> str:
    if not names:
        raise InputError("the workbook has no sheets", path=str(path))
    if sheet is not None:
        if sheet in names:
            return sheet
        raise InputError(
            f"has no sheet {sheet!r}; its sheets are {', '.join(names)}", path=str(path)
        )
    for name in names:
        if normalize_name(name) == kind:
            return name
    return names[0]


def _text(value: object) -> str:
    """A cell as text: whole numbers without ``.0`` (ids, years), dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _fill_merged(rows: list[list[str]], merged: list, top: int, left: int) -> None:
    """Give every cell of a merged range the text of its top-left cell."""
    for (r0, c0), (r1, c1) in merged:
        r0, r1, c0, c1 = r0 - top, r1 - top, c0 - left, c1 - left
        if not (0 <= r0 < len(rows)) or c0 < 0:
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, c1 + 1):
                if c < len(rows[r]):
                    rows[r][c] = value


def _header_row(rows: list[list[str]], kind: str) -> int:
    """The row naming the most known columns of the layer (the last such row, so that
    the lower row of a two-row merged header wins); the first non-blank row if none."""
    schema = SCHEMAS[kind]
    known = {*schema.required, *schema.optional, "lon", "lat"}
    best, best_at = 0, -1
    for at, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        canon = {match_column(cell, kind).canonical for cell in row if cell}
        score = len(canon & known)
        if score >= best and score > 0:
            best, best_at = score, at
    if best_at >= 0:
        return best_at
    return next(i for i, row in enumerate(rows) if any(row))


def _header(rows: list[list[str]], at: int) -> list[str]:
    """Header texts; a blank or repeated one gets a placeholder or a number."""
    out: list[str] = []
    for i, cell in enumerate(rows[at]):
        name = cell or f"_blank_{i + 1}"
        while name in out:
            name = f"{name}_{i + 1}"
        out.append(name)
    return out
