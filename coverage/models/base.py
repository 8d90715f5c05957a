"""What every coverage model returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..overlay import covered_share, points_covered


class Prediction(ABC):
    """A model's answer: where each technology has usable signal."""

    model: str
    technologies: tuple[str, ...]

    @abstractmethod
    def area_share(
        self, polygons: np.ndarray, technologies: Sequence[str], *, n_jobs: int = 1
    ) -> np.ndarray:
        """Share of each polygon covered by any of ``technologies`` (floats in [0, 1])."""

    @abstractmethod
    def point_covered(self, points: np.ndarray, technologies: Sequence[str]) -> np.ndarray:
        """Whether each point is covered by any of ``technologies``."""


@dataclass
class FootprintPrediction(Prediction):
    """Coverage as vector footprints (discs, wedges) per technology, in a metric CRS."""

    footprints: Mapping[str, np.ndarray]
    model: str = "range"
    info: dict = field(default_factory=dict)

    @property
    def technologies(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(t for t, f in self.footprints.items() if len(f))

    def _select(self, technologies: Sequence[str]) -> np.ndarray:
        parts = [self.footprints[t] for t in technologies if t in self.footprints]
        return np.concatenate(parts) if parts else np.empty(0, dtype=object)

    def area_share(self, polygons, technologies, *, n_jobs=1):
        return covered_share(polygons, self._select(technologies), n_jobs=n_jobs)

    def point_covered(self, points, technologies):
        return points_covered(points, self._select(technologies))
