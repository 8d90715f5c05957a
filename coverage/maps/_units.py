"""Which communes a map is drawn by: the old ones (before 1 July 2025) or today's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._errors import CoverageError
from .i18n import new_units_label

if TYPE_CHECKING:
    from ..pipeline import CoverageResult as Result

#: ``old``: the communes layer (before 1 July 2025); ``new``: the communes of today.
UNITS: tuple[str, ...] = ("old", "new")


def check_units(result: Result, units: str) -> None:
    """Raise :class:`CoverageError` for an unknown ``units`` or new units the run lacks."""
    if units not in UNITS:
        raise CoverageError(f"units must be one of {', '.join(UNITS)}, not {units!r}")
    if units == "new" and result.new_communes is None:
        raise CoverageError(
            "units='new' needs the communes of today: give --new-communes or --crosswalk"
        )


def new_place(result: Result, lang: str) -> str:
    """'Tỉnh Quảng Trị — phần thuộc tỉnh Quảng Bình cũ (41 xã, phường)' from the data."""
    new = result.new_communes
    assert new is not None
    old_provinces = result.communes["province"] if "province" in result.communes else None
    new_provinces = new["province"] if "province" in new else None
    return new_units_label(new_provinces, old_provinces, len(new), lang)


def worst_first(rows: list[dict]) -> list[dict]:
    """The rows by ``coverage_share``, lowest first (units without villages last)."""

    def key(row: dict) -> tuple[bool, float, str]:
        share = row.get("coverage_share")
        missing = share is None or share != share
        value = 0.0 if share is None or missing else float(share)
        return (missing, value, str(row.get("name", "")))

    return sorted(rows, key=key)
