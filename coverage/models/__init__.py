"""Coverage models: from site rows to a prediction of where each technology has signal.

A model is a function ``predict(sites, *, settings, area=None) -> Prediction`` registered in
:data:`MODELS`. Every prediction answers the same two questions, so the metrics
stage does not care which model made it: what share of each polygon is covered,
and is each point covered.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import FootprintPrediction, Prediction
from .range import predict as predict_range
from .range import range_footprints
from .terrain import predict_hata, predict_itm, predict_terrain

#: Registered models by name, simplest first.
MODELS: dict[str, Callable[..., Prediction]] = {
    "range": predict_range,
    "hata": predict_hata,
    "terrain": predict_terrain,
    "itm": predict_itm,
}


def get_model(name: str) -> Callable[..., Prediction]:
    """Return the ``predict`` function of a model by name."""
    from .._errors import ConfigError

    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; available: {', '.join(MODELS)}") from None


__all__ = ["MODELS", "FootprintPrediction", "Prediction", "get_model", "range_footprints"]
