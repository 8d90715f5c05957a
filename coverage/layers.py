"""The input layers of a run: what the user names and what was read.

:class:`Layers` is the one value the API and the CLI pass around instead of seven path
parameters; each entry is a path (``FILE`` or ``FILE::LAYER``) or, from Python, a
GeoDataFrame. :class:`Layer` is one validated layer with its provenance (the source to
name in messages, a label per feature, the repairs made), carried explicitly from stage
to stage.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd

from . import datasets

#: A layer as the user gives it: a path (``FILE::LAYER`` picks a layer), a GeoDataFrame, or
#: a DataFrame with coordinate columns (``lon``/``lat``, like a CSV file).
LayerSource: TypeAlias = str | os.PathLike | pd.DataFrame

#: The single-file layer kinds, in reading order.
SINGLE_KINDS: tuple[str, ...] = (
    "villages",
    "sites",
    "communes",
    "centres",
    "postal",
    "new_communes",
    "crosswalk",
)


def _as_tuple(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str | os.PathLike | pd.DataFrame):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class Layers:
    """The input layers of one run.

    Parameters
    ----------
    villages, sites
        Village (thôn/bản) polygons or points; cell sites (one row per site x
        technology or sector, or an OpenCelliD export).
    communes, centres, postal
        Optional: commune polygons, commune centre points, public postal points.
    fibre
        Fibre nodes and/or routes, any number of files.
    dem
        DEM tiles (GeoTIFF, SRTM ``.hgt``), mosaicked; the raster models need one.
    new_communes, crosswalk
        Optional: the units of today (2025) to report on too: their polygons, and/or a
        table ``old_commune_id, new_commune_id[, weight, new_name, new_province]`` from
        the villages' communes to them (:mod:`coverage.units`).

    Examples
    --------
    >>> demo = Layers.demo()
    >>> demo.sites.name, len(demo.fibre), demo.dem[0].name
    ('sites.csv', 2, 'dem.tif')
    >>> Layers(villages="thon.gpkg", sites="bts.csv").replace(dem="N17E106.hgt").dem
    ('N17E106.hgt',)
    """

    villages: LayerSource | None = None
    sites: LayerSource | Sequence[LayerSource] | None = None
    communes: LayerSource | None = None
    centres: LayerSource | None = None
    fibre: Sequence[LayerSource] = ()
    postal: LayerSource | None = None
    dem: Sequence[str | os.PathLike] = ()
    new_communes: LayerSource | None = None
    crosswalk: LayerSource | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fibre", _as_tuple(self.fibre))
        object.__setattr__(self, "dem", _as_tuple(self.dem))

    @classmethod
    def demo(cls) -> Layers:
        """The embedded demo province (modelled on Quảng Bình), with its DEM."""
        return cls(
            villages=datasets.get_path("villages"),
            sites=datasets.get_path("sites"),
            communes=datasets.get_path("communes"),
            centres=datasets.get_path("centres"),
            fibre=(datasets.get_path("fibre_nodes"), datasets.get_path("fibre_routes")),
            postal=datasets.get_path("postal"),
            dem=(datasets.get_path("dem"),),
            new_communes=datasets.get_path("communes_2025"),
            crosswalk=datasets.get_path("crosswalk_2025"),
        )

    def replace(self, **changes: Any) -> Layers:
        """A copy with some layers replaced."""
        return dataclasses.replace(self, **changes)

    def over_demo(self) -> Layers:
        """Without villages: the demo province fills every layer not given (DEM included).

        With villages, the layers stay as given (sites are then required).
        """
        if self.villages is not None:
            return self
        demo = Layers.demo()
        given = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        filled = {k: (getattr(demo, k) if _missing(v) else v) for k, v in given.items()}
        return Layers(**filled)

    @property
    def is_demo(self) -> bool:
        """True when the villages are the demo province's."""
        return _is_demo_path(self.villages)

    def named(self) -> dict[str, LayerSource]:
        """The single-file layers given, by kind, in reading order."""
        return {k: getattr(self, k) for k in SINGLE_KINDS if getattr(self, k) is not None}

    def sources(self) -> dict[str, str | list[str]]:
        """How each given layer is named in messages and in the JSON ``inputs``."""
        out: dict[str, str | list[str]] = {
            k: [source_name(x, k) for x in v] if isinstance(v, list | tuple) else source_name(v, k)
            for k, v in self.named().items()
        }
        if self.fibre:
            out["fibre"] = [source_name(v, "fibre") for v in self.fibre]
        if self.dem:
            out["dem"] = [str(p) for p in self.dem]
        return out


def _missing(value: Any) -> bool:
    """A layer not given: None, or no files (a DataFrame is never compared with ==)."""
    return value is None or (isinstance(value, tuple) and not value)


def source_name(value: LayerSource, kind: str) -> str:
    """The path of a layer, or ``<kind GeoDataFrame>`` for one given from Python."""
    if isinstance(value, pd.DataFrame):
        return f"<{kind} {type(value).__name__}>"
    return os.fspath(value)


def _is_demo_path(path: Any) -> bool:
    if path is None or isinstance(path, pd.DataFrame):
        return False
    from pathlib import Path

    try:
        return Path(os.fspath(path)).resolve().parent == datasets.data_dir().resolve()
    except Exception:
        return False


@dataclass(frozen=True)
class Layer:
    """One validated layer: canonical columns and where each feature came from.

    Attributes
    ----------
    kind
        One of :data:`coverage.schema.LAYER_KINDS`.
    frame
        The features, canonical columns first.
    source
        The file (or ``<kind GeoDataFrame>``) to name in messages.
    labels
        How to name each feature in messages (CSV line number, or number and id),
        aligned with ``frame``'s rows.
    repairs
        What reading repaired, by kind of repair (for the JSON ``repairs``).
    dropped
        Rows left out while reading, before their values were judged, for lying
        beyond the reach of every village (sites of a national file).
    """

    kind: str
    frame: gpd.GeoDataFrame
    source: str
    labels: np.ndarray = field(repr=False)
    repairs: Mapping[str, Any] = field(default_factory=dict)
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.frame)

    def label(self, position: int) -> str:
        """The message label of the feature at ``position``."""
        return str(self.labels[position])

    def with_frame(self, frame: gpd.GeoDataFrame) -> Layer:
        """The same features (same rows, same order) in another frame, e.g. reprojected."""
        if len(frame) != len(self.frame):
            raise ValueError("with_frame keeps the rows; use subset to drop some")
        return dataclasses.replace(self, frame=frame)

    def subset(self, keep: np.ndarray) -> Layer:
        """The features where ``keep`` is True, labels following."""
        keep = np.asarray(keep, dtype=bool)
        return dataclasses.replace(self, frame=self.frame[keep], labels=self.labels[keep])


@dataclass(frozen=True)
class LayerSet:
    """The read layers of one run, by kind (fibre stacked into one layer)."""

    villages: Layer
    sites: Layer
    communes: Layer | None = None
    centres: Layer | None = None
    postal: Layer | None = None
    fibre: Layer | None = None
    new_communes: Layer | None = None
    crosswalk: Layer | None = None
