"""The registry of propagation models: one line per model.

Adding a model is one module under :mod:`coverage.models` with a
:class:`~coverage.models.base.PropagationModel` subclass, plus one line in
:data:`MODELS` below (see CONTRIBUTING.md).
"""

from __future__ import annotations

from .._errors import ConfigError
from .base import PropagationModel
from .range import RangeModel
from .terrain import HataModel, ItmModel, TerrainModel

#: Registered models by name, simplest first.
MODELS: dict[str, type[PropagationModel]] = {
    RangeModel.name: RangeModel,
    HataModel.name: HataModel,
    TerrainModel.name: TerrainModel,
    ItmModel.name: ItmModel,
}


def get_model(name: str) -> PropagationModel:
    """Return the model registered as ``name``."""
    try:
        return MODELS[name]()
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; available: {', '.join(MODELS)}") from None
