"""The embedded demo province, reached by name.

The files live in ``data/boundaries/`` of the source tree and are shipped inside
the wheel as ``coverage/_demo``, so the demo runs from an editable install, a
plain ``pip install .`` and a source checkout alike.
"""

from __future__ import annotations

from pathlib import Path

from ._errors import CoverageError

#: Demo layers: name -> file name.
DEMO_FILES: dict[str, str] = {
    "villages": "villages.gpkg",
    "communes": "communes.gpkg",
    "centres": "centres.gpkg",
    "sites": "sites.csv",
    "fibre_nodes": "fibre_nodes.gpkg",
    "fibre_routes": "fibre_routes.gpkg",
    "postal": "postal.gpkg",
    "dem": "dem.tif",
    "roads": "roads.gpkg",
    "communes_2025": "communes_2025.gpkg",
    "crosswalk_2025": "crosswalk_2025.csv",
    "drive_test": "drive_test.csv",
}


def data_dir() -> Path:
    """Return the folder holding the demo province."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_demo", here.parent / "data" / "boundaries"):
        if (candidate / DEMO_FILES["villages"]).exists():
            return candidate
    raise CoverageError(
        "the demo province's data is missing from this installation "
        f"(looked in {here / '_demo'} and {here.parent / 'data' / 'boundaries'})"
    )


def get_path(name: str) -> Path:
    """Return the path of a demo layer.

    Parameters
    ----------
    name
        One of :data:`DEMO_FILES`: ``villages``, ``communes``, ``centres``, ``sites``,
        ``fibre_nodes``, ``fibre_routes``, ``postal``, ``dem``, ``roads`` (national roads
        and the local network, ``class`` national / provincial / local / track),
        ``communes_2025`` (the Quảng Trị communes of 2025 the demo's communes became),
        ``crosswalk_2025`` (old commune -> 2025 commune) and ``drive_test`` (synthetic
        3G/4G scanner levels along the roads, for ``coverage calibrate``).

    Examples
    --------
    >>> get_path("sites").name
    'sites.csv'
    """
    try:
        return data_dir() / DEMO_FILES[name]
    except KeyError:
        raise ValueError(f"no demo layer {name!r}; available: {', '.join(DEMO_FILES)}") from None
