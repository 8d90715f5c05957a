"""The propagation-model interface and what every model returns.

A model is a subclass of :class:`PropagationModel`: it declares what it needs (a DEM
or not), what it produces (vector footprints or signal rasters), which site columns it
reads, and implements :meth:`PropagationModel.predict`. The registry
(:mod:`coverage.models.registry`) names them. Nothing outside the models asks a
prediction what kind it is: the :class:`Prediction` interface answers every question
the later stages ask (share of a polygon covered, is a point covered, strongest
signal, a coverage mask for the maps).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..overlay import covered_share, covered_shares, points_covered, points_covered_groups

if TYPE_CHECKING:
    import geopandas as gpd
    from affine import Affine
    from pyproj import CRS

    from ..settings import Settings

#: ``progress(done, total)``: called by models as their work advances.
Progress = Callable[[int, int], None]


class Prediction(ABC):
    """A model's answer: where each technology has usable signal."""

    model: str
    info: dict

    @property
    @abstractmethod
    def technologies(self) -> tuple[str, ...]:
        """Technologies with any prediction."""

    @abstractmethod
    def area_share(
        self, polygons: np.ndarray, technologies: Sequence[str], *, n_jobs: int = 1
    ) -> np.ndarray:
        """Share of each polygon covered by any of ``technologies`` (floats in [0, 1])."""

    @abstractmethod
    def point_covered(self, points: np.ndarray, technologies: Sequence[str]) -> np.ndarray:
        """Whether each point is covered by any of ``technologies``."""

    def area_shares(
        self, polygons: np.ndarray, groups: Mapping[str, Sequence[str]], *, n_jobs: int = 1
    ) -> dict[str, np.ndarray]:
        """:meth:`area_share` for each group of technologies, keyed like ``groups``.

        Models that can share work between the groups override this.
        """
        return {k: self.area_share(polygons, techs, n_jobs=n_jobs) for k, techs in groups.items()}

    def point_covered_groups(
        self, points: np.ndarray, groups: Mapping[str, Sequence[str]]
    ) -> dict[str, np.ndarray]:
        """:meth:`point_covered` for each group of technologies, keyed like ``groups``."""
        return {k: self.point_covered(points, techs) for k, techs in groups.items()}

    def max_signal(self, geoms: np.ndarray, technologies: Sequence[str]) -> np.ndarray | None:
        """Strongest signal (dBm) inside each polygon or at each point; None: no levels."""
        return None

    def coverage_mask(self, technology: str) -> CoverageMask | None:
        """Where ``technology`` is covered, as a raster (for the maps); None: not a raster."""
        return None

    def coverage_shapes(self, technology: str) -> np.ndarray | None:
        """Where ``technology`` is covered, as polygons (for the maps); None: not vector."""
        return None


@dataclass(frozen=True)
class CoverageMask:
    """A boolean coverage raster with its georeferencing."""

    covered: np.ndarray
    transform: Affine
    crs: CRS


@dataclass
class FootprintPrediction(Prediction):
    """Coverage as vector footprints (discs, wedges) per technology, in a metric CRS."""

    footprints: Mapping[str, np.ndarray]
    model: str = "range"
    info: dict = field(default_factory=dict)

    @property
    def technologies(self) -> tuple[str, ...]:
        return tuple(t for t, f in self.footprints.items() if len(f))

    def _select(self, technologies: Sequence[str]) -> np.ndarray:
        parts = [self.footprints[t] for t in technologies if t in self.footprints]
        return np.concatenate(parts) if parts else np.empty(0, dtype=object)

    def area_share(self, polygons, technologies, *, n_jobs=1):
        return covered_share(polygons, self._select(technologies), n_jobs=n_jobs)

    def point_covered(self, points, technologies):
        return points_covered(points, self._select(technologies))

    def area_shares(self, polygons, groups, *, n_jobs=1):
        # One pass for all groups; a village's shares depend only on the footprints
        # touching it and their order (see covered_shares).
        return covered_shares(polygons, self.footprints, groups, n_jobs=n_jobs)

    def point_covered_groups(self, points, groups):
        return points_covered_groups(points, self.footprints, groups)

    def coverage_shapes(self, technology: str) -> np.ndarray | None:
        shapes = self.footprints.get(technology)
        return None if shapes is None or len(shapes) == 0 else shapes


class PropagationModel(ABC):
    """One coverage model: what it needs, what it produces, and how it predicts.

    Subclasses set the class attributes and implement :meth:`predict`; registering
    the class in :data:`coverage.models.registry.MODELS` makes it available to
    ``--model``, the API, the maps and the cache.
    """

    #: The name used by ``--model`` and in the JSON summary.
    name: ClassVar[str]
    #: One line in words, for help texts and the README table.
    title: ClassVar[str]
    #: True when the model cannot run without a DEM (``settings.dem``).
    needs_dem: ClassVar[bool] = False
    #: ``"footprints"`` (vector coverage) or ``"raster"`` (signal levels per pixel).
    produces: ClassVar[str] = "footprints"
    #: Optional site columns the model reads; a column given and not read is reported.
    uses_columns: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def predict(
        self,
        sites: gpd.GeoDataFrame,
        *,
        settings: Settings,
        area: tuple[float, float, float, float] | None = None,
        progress: Progress | None = None,
    ) -> Prediction:
        """Predict coverage of ``sites`` (metric CRS) over ``area`` (metric bounds)."""
