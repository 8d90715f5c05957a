"""Writing a fibre plan: a GeoPackage, the routes and targets as CSV, JSON.

``fibre.gpkg`` holds the layers ``fibre_network`` (the new cable, one line per road class
and number of targets served; their lengths add up to ``total_km``), ``fibre_routes``
(each target's path to the network, following the roads; paths overlap where they share
a trench) and ``fibre_targets`` (each target, its km and cost share), which
``coverage map --plan DIR`` draws. ``fibre_routes.csv`` gives the routes with their
geometry as WKT in WGS 84, ``fibre_targets.csv`` the targets, ``fibre_plan.json`` the
``--json`` object. The files sit beside a site plan's in the same folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..output import Writer, summary_json, write_files
from .fibre import FibrePlan

#: The files of a fibre plan.
FIBRE_FILES = ("fibre.gpkg", "fibre_routes.csv", "fibre_targets.csv", "fibre_plan.json")
#: The layers of ``fibre.gpkg``.
FIBRE_LAYERS = ("fibre_network", "fibre_routes", "fibre_targets")


def write_fibre_plan(result: FibrePlan, out_dir: str | os.PathLike) -> list[Path]:
    """Write the fibre plan's files (:data:`FIBRE_FILES`) into ``out_dir`` as one set."""
    crs = result.input_crs or result.crs
    frames = dict(zip(FIBRE_LAYERS, (result.network, result.routes, result.targets), strict=True))

    def gpkg(path: Path) -> None:
        for k, (name, frame) in enumerate(frames.items()):
            gpd.GeoDataFrame(frame, geometry="geometry", crs=result.crs).to_crs(crs).to_file(
                path, layer=name, driver="GPKG", engine="pyogrio", append=k > 0
            )

    def csv(frame: pd.DataFrame, path: Path) -> None:
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")

    routes = pd.DataFrame(result.routes.drop(columns="geometry"))
    routes["wkt"] = result.routes.geometry.to_crs(4326).to_wkt(rounding_precision=7).to_numpy()
    targets = pd.DataFrame(result.targets.drop(columns="geometry"))
    ll = result.targets.geometry.to_crs(4326)
    targets.insert(2, "lon", ll.x.round(7).to_numpy())
    targets.insert(3, "lat", ll.y.round(7).to_numpy())
    writers: dict[str, Writer] = {
        "fibre.gpkg": gpkg,
        "fibre_routes.csv": lambda p: csv(routes, p),
        "fibre_targets.csv": lambda p: csv(targets, p),
        "fibre_plan.json": lambda p: p.write_text(summary_json(result.summary), encoding="utf-8"),
    }
    return write_files(out_dir, writers, replaces=FIBRE_FILES)
