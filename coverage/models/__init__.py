"""Coverage models: from site rows to a prediction of where each technology has signal.

Each model is a :class:`~coverage.models.base.PropagationModel` registered in
:data:`~coverage.models.registry.MODELS`. Every prediction answers the same questions,
so the later stages do not care which model made it: what share of each polygon is
covered, is each point covered, and how strong the best signal is.
"""

from __future__ import annotations

from .base import FootprintPrediction, Prediction, PropagationModel
from .range import range_footprints
from .registry import MODELS, get_model

__all__ = [
    "MODELS",
    "FootprintPrediction",
    "Prediction",
    "PropagationModel",
    "get_model",
    "range_footprints",
]
