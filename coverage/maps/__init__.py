"""Maps of a run: the interactive planner's map, the leadership HTML and a PNG for reports."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .i18n import LANGUAGES

if TYPE_CHECKING:
    import folium

    from .gapmap import gap_map


def __getattr__(name: str) -> Any:
    # folium loads with the map itself, not with ``coverage --help`` or ``compute``
    if name == "gap_map":
        from .gapmap import gap_map

        return gap_map
    raise AttributeError(f"module 'coverage.maps' has no attribute {name!r}")


def map_html(m: folium.Map) -> str:
    """Render a map to one self-contained HTML document."""
    return m.get_root().render()


def write_map(m: folium.Map, path: str | os.PathLike) -> Path:
    """Write a map's HTML atomically and return the path."""
    from ..output import atomic_path  # geopandas: not for ``coverage --help``

    target = Path(path)
    text = map_html(m)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


__all__ = ["LANGUAGES", "gap_map", "map_html", "write_map"]
