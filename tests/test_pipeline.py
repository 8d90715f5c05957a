"""The stages chained: load -> project -> prepare -> predict -> measure, and the model choice."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage import ConfigError, Settings
from coverage.layers import Layer, Layers
from coverage.pipeline import check, choose_model, load, measure, predict, prepare, project, run


def _sites(range_m: list[float | None]) -> Layer:
    frame = gpd.GeoDataFrame(
        {
            "site_id": list("ab"[: len(range_m)]),
            "technology": ["4G"] * len(range_m),
            "range_m": [np.nan if r is None else r for r in range_m],
        },
        geometry=[shapely.Point(0, 0)] * len(range_m),
        crs=32648,
    )
    return Layer("sites", frame, "bts.csv", np.array(["2", "3"][: len(range_m)]))


@pytest.mark.parametrize(
    ("dem", "range_m", "expected"),
    [
        (("dem.tif",), [500.0, 700.0], "terrain"),  # a DEM wins
        ((), [500.0, 700.0], "range"),  # the planner's radii on every row
        ((), [500.0, None], "hata"),  # not on every row: the link budget
        ((), [None, None], "hata"),
    ],
)
def test_default_model(dem, range_m, expected):
    chosen = choose_model(None, settings=Settings(dem=dem), sites=_sites(range_m))
    assert chosen.name == expected


def test_asked_model_wins_but_needs_its_dem():
    assert choose_model("hata", settings=Settings(), sites=_sites([500.0])).name == "hata"
    with pytest.raises(ConfigError, match="itm model needs a DEM"):
        choose_model("itm", settings=Settings(), sites=_sites([500.0]))


def test_the_stages_chained_equal_run(tiny):
    layers = Layers(**tiny)
    settings = Settings()
    inputs = load(layers, settings=settings)
    assert len(inputs.villages) == 4 and inputs.fibre is not None
    assert inputs.fibre.source == ", ".join(str(p) for p in tiny["fibre"])
    projected = project(inputs, settings=settings)
    assert projected.crs.to_epsg() == 32648
    prepared = prepare(layers, model="range", settings=settings)
    assert prepared.model.name == "range"
    assert {"connected", "decided_by"} <= set(prepared.centres.columns)
    result = measure(prepared, predict(prepared, use_cache=False), step=lambda _m: None)
    whole = run(layers, model="range", use_cache=False)
    assert result.summary == {k: v for k, v in whole.summary.items() if k != "warnings"}


def test_run_records_warnings_in_order_and_in_the_summary(tiny):
    without_centres = {k: v for k, v in tiny.items() if k != "centres"}
    result = run(Layers(**without_centres), model="range")
    assert result.warnings == result.summary["warnings"]
    assert any("representative point" in w for w in result.warnings)


def test_check_runs_the_same_stages_without_predicting(tiny, monkeypatch):
    import coverage.pipeline as pipeline

    def fail(*_a, **_k):
        raise AssertionError("check must not predict")

    monkeypatch.setattr(pipeline, "predict", fail)
    without_centres = {k: v for k, v in tiny.items() if k != "centres"}
    report = check(Layers(**without_centres))
    monkeypatch.undo()
    computed = run(Layers(**without_centres))
    assert report.ok
    assert report.warnings == computed.warnings  # the same findings as a run


def test_the_demo_fills_what_is_not_given_and_brings_its_dem():
    layers = Layers().over_demo()
    assert layers.dem and layers.villages is not None
    assert Layers().over_demo() == Layers.demo()


def test_the_prediction_reports_its_progress(tiny):
    messages: list[str] = []
    run(Layers(**tiny), model="hata", use_cache=False, progress=messages.append)
    counts = [m.rsplit(": ", 1)[1] for m in messages if m.endswith(" sites")]
    # every site done is reported once per tenth of the work, the last one included
    total = counts[-1].split(" / ")[1].removesuffix(" sites")
    assert counts[-1] == f"{total} / {total} sites"
    assert messages[0] == "reading layers" and messages[-1] == "summarising"
