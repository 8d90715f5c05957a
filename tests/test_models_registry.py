"""The model registry, and CONTRIBUTING's recipe for adding a model, followed by a toy model."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import shapely

import coverage
from coverage.layers import Layers
from coverage.models import registry
from coverage.models.base import FootprintPrediction, PropagationModel


class ToyModel(PropagationModel):
    """Every site covers a 1 km square around it, for every technology it has."""

    name = "toy"
    title = "1 km squares"
    needs_dem = False
    produces = "footprints"
    uses_columns: ClassVar[frozenset[str]] = frozenset(
        {"range_m", "eirp_dbm", "height_m", "tilt_deg"}
    )

    def predict(self, sites, *, settings, area=None, progress=None):
        xy = shapely.get_coordinates(sites.geometry.to_numpy())
        squares = shapely.box(xy[:, 0] - 500, xy[:, 1] - 500, xy[:, 0] + 500, xy[:, 1] + 500)
        tech = sites["technology"].to_numpy()
        return FootprintPrediction(
            {t: squares[tech == t] for t in np.unique(tech)}, model=self.name
        )


class ToyDemModel(ToyModel):
    name = "toydem"
    needs_dem = True


@pytest.fixture
def registered(monkeypatch):
    # The recipe's one registry line, done for the test's lifetime.
    monkeypatch.setitem(registry.MODELS, ToyModel.name, ToyModel)
    monkeypatch.setitem(registry.MODELS, ToyDemModel.name, ToyDemModel)


def test_registered_models_declare_their_needs():
    for name, model in registry.MODELS.items():
        assert model.name == name
        assert model.produces in ("footprints", "raster")
        assert isinstance(model.needs_dem, bool)
    assert [m for m, cls in registry.MODELS.items() if cls.needs_dem] == ["terrain", "itm"]


def test_a_toy_model_runs_end_to_end(registered, tiny, runner):
    result = coverage.compute(Layers(**tiny), model="toy")
    assert result.summary["model"] == "toy"
    # the tiny villages are hand-placed within a few hundred metres of their sites
    squares = ToyModel().predict(result.sites, settings=coverage.Settings())
    expected = squares.area_share(result.villages.geometry.to_numpy(), ["3G", "4G"]) >= 0.5
    assert result.villages["covered"].tolist() == expected.tolist()
    assert result.summary["warnings"] == []  # it reads every site column the fixture gives
    from coverage.cli.main import cli

    from .conftest import tiny_args

    cli_result = runner.invoke(cli, ["compute", "--json", *tiny_args(tiny, model="toy")])
    assert cli_result.exit_code == 0, cli_result.output
    assert '"model": "toy"' in cli_result.stdout


def test_a_model_needing_a_dem_is_refused_without_one(registered, tiny):
    with pytest.raises(coverage.ConfigError, match="toydem model needs a DEM"):
        coverage.compute(Layers(**tiny), model="toydem")
