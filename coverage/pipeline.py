"""The pipeline, stage by stage: load -> project and check -> choose the model -> predict
-> measure -> connect -> summarise.

:func:`run` chains the stages; :func:`prepare` is its first half (everything but the
prediction), which is also all that ``coverage check`` runs. Each stage is a public
function, so a notebook can stop after any of them. The public API
(:mod:`coverage.api`) and the CLI both call :func:`run`.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from . import cache
from . import units as new_units
from ._errors import (
    ConfigError,
    CoverageWarning,
    InputError,
    Problem,
    ValidationError,
    printable,
)
from .communes import assign_communes, commune_centres
from .connectivity import fibre_connectivity
from .io import read_layer, read_table
from .layers import Layer, Layers, LayerSet
from .metrics import commune_summary, district_summary, village_coverage
from .models.base import Prediction, PropagationModel
from .models.registry import get_model
from .models.terrain import check_dem
from .projection import choose_metric_crs, to_crs
from .report import build_summary
from .settings import Settings
from .units import NewUnits
from .validation import (
    Projected,
    check_rule,
    check_together,
    consistency_warnings,
    near_villages,
    stray_villages,
    unused_site_columns,
)

log = logging.getLogger(__name__)

#: ``step(message)``: called as each stage starts.
Step = Callable[[str], None]


@dataclass(frozen=True)
class Inputs(LayerSet):
    """The validated layers of one run, each in its own CRS (fibre stacked into one)."""


@dataclass
class CoverageResult:
    """Everything a run produced: per-village and per-commune tables and the summary.

    ``summary`` is exactly what ``coverage compute --json`` prints for the same inputs.
    """

    villages: gpd.GeoDataFrame
    communes: pd.DataFrame
    districts: pd.DataFrame
    centres: gpd.GeoDataFrame | None
    postal: gpd.GeoDataFrame | None
    summary: dict
    crs: CRS
    input_crs: CRS | None = None
    commune_geometry: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    fibre: gpd.GeoDataFrame | None = None
    prediction: Prediction | None = None
    warnings: list[str] = field(default_factory=list)
    #: One row per unit of today (2025) when new units were given (:mod:`coverage.units`).
    new_communes: gpd.GeoDataFrame | None = None


#: The name earlier versions used.
Result = CoverageResult


@dataclass
class Prepared:
    """The first half of a run: layers checked and projected, communes assigned,
    centres and postal points connected, the model chosen."""

    projected: Projected
    villages: gpd.GeoDataFrame
    centres: gpd.GeoDataFrame | None
    postal: gpd.GeoDataFrame | None
    model: PropagationModel
    settings: Settings
    sources: dict
    input_crs: CRS | None
    units: NewUnits = field(default_factory=lambda: NewUnits(None, None))


# --- stages ----------------------------------------------------------------------------


def load(layers: Layers, *, settings: Settings) -> Inputs:
    """Read and validate every layer, reporting the problems of all layers at once.

    Examples
    --------
    >>> inputs = load(Layers.demo(), settings=Settings())
    >>> len(inputs.villages) > 1000
    True
    """
    if layers.villages is None or layers.sites is None:
        raise ConfigError("a run needs villages and sites (or no villages: the demo province)")
    specs = [(k, k, v) for k, v in layers.named().items() if k != "sites"]
    sites = layers.sites if isinstance(layers.sites, list | tuple) else (layers.sites,)
    specs.insert(1, ("sites", "sites", sites[0]))
    specs[2:2] = [(f"sites{i}", "sites", v) for i, v in enumerate(sites[1:], start=1)]
    specs += [(f"fibre{i}", "fibre", v) for i, v in enumerate(layers.fibre)]
    read: dict[str, Layer] = {}
    problems: list[Problem] = []
    for key, kind, spec in specs:  # villages first: site rows out of their reach are left out
        rows = None
        if kind == "sites" and "villages" in read:
            rows = near_villages(read["villages"], settings=settings)
        try:
            if kind == "crosswalk":  # a table, no geometry
                read[key] = read_table(spec, kind, encoding=settings.encoding)
                continue
            read[key] = read_layer(
                spec,
                kind,
                csv_crs=settings.csv_crs,
                use_opencellid_range=settings.use_opencellid_range,
                encoding=settings.encoding,
                settings=settings,
                rows=rows,
            )
        except ValidationError as exc:
            problems.extend(exc.problems)
        except InputError as exc:
            problems.append(Problem(exc.message, exc.path, exc.column, exc.row))
    for dem in settings.dem:  # read later, by the models that need it; named now if missing
        if not str(dem).startswith("/vsi") and not Path(dem).is_file():
            problems.append(Problem("file not found", str(dem)))
    if problems:
        raise ValidationError(problems)
    fibre = [read[k] for k in sorted(read) if k.startswith("fibre")]
    more_sites = [read[f"sites{i}"] for i in range(1, len(sites))]
    return Inputs(
        villages=read["villages"],
        sites=_stack_sites([read["sites"], *more_sites]),
        communes=read.get("communes"),
        centres=read.get("centres"),
        postal=read.get("postal"),
        fibre=_stack_fibre(fibre),
        new_communes=read.get("new_communes"),
        crosswalk=read.get("crosswalk"),
    )


def _stack_sites(layers: list[Layer]) -> Layer:
    """Site rows of several files (``--sites existing.csv --sites proposed.csv``) as one
    layer in the first file's CRS, each row named by its file and row."""
    if len(layers) == 1:
        return layers[0]
    crs = layers[0].frame.crs
    frame = pd.concat([lyr.frame.to_crs(crs) for lyr in layers], ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
    labels = np.concatenate([[f"{lyr.source}: {lab}" for lab in lyr.labels] for lyr in layers])
    dropped = sum(lyr.dropped for lyr in layers)
    return Layer("sites", frame, ", ".join(lyr.source for lyr in layers), labels, dropped=dropped)


def _stack_fibre(layers: list[Layer]) -> Layer | None:
    """Fibre nodes and routes of several files as one layer (geometry only)."""
    if not layers:
        return None
    crs = layers[0].frame.crs
    parts = [gpd.GeoSeries(lyr.frame.geometry.to_crs(crs).values, crs=crs) for lyr in layers]
    frame = gpd.GeoDataFrame(geometry=pd.concat(parts, ignore_index=True), crs=crs)
    labels = np.concatenate([[f"{lyr.source}: {lab}" for lab in lyr.labels] for lyr in layers])
    return Layer("fibre", frame, ", ".join(lyr.source for lyr in layers), labels)


def project(inputs: Inputs, *, settings: Settings) -> Projected:
    """Bring every layer into the run's one metric CRS and check that they belong together."""
    stray_villages(inputs.villages)
    crs = choose_metric_crs(inputs.villages.frame, settings.crs)

    def moved(layer: Layer | None) -> Layer | None:
        return None if layer is None else to_crs(layer, crs)

    layers = LayerSet(
        villages=to_crs(inputs.villages, crs),
        sites=to_crs(inputs.sites, crs),
        communes=moved(inputs.communes),
        centres=moved(inputs.centres),
        postal=moved(inputs.postal),
        fibre=moved(inputs.fibre),
        new_communes=moved(inputs.new_communes),
        crosswalk=inputs.crosswalk,
    )
    return check_together(layers, crs, settings=settings)


def choose_model(model: str | None, *, settings: Settings, sites: Layer) -> PropagationModel:
    """The model asked for, else the best the inputs allow.

    With a DEM: ``terrain``. Without one: ``range`` when every site row gives its own
    ``range_m`` (the planner's radii), else ``hata``. The API and the CLI both choose here.
    """
    if model:
        chosen = get_model(model)
        if chosen.needs_dem and not settings.dem:
            raise ConfigError(f"the {chosen.name} model needs a DEM: give one with --dem FILE")
        return chosen
    frame = sites.frame
    own_ranges = "range_m" in frame.columns and bool(frame["range_m"].notna().all())
    if settings.dem:
        name, why = "terrain", "a DEM is available"
    elif own_ranges:
        name, why = "range", "no DEM, and every site row gives its range_m"
    else:
        name, why = "hata", "no DEM"
    log.info("model: %s (%s)", name, why)
    return get_model(name)


def connect(
    points: gpd.GeoDataFrame | None,
    fibre: Layer | None,
    *,
    attribute: str,
    source: str,
    settings: Settings,
) -> gpd.GeoDataFrame | None:
    """Points with ``connected``, ``decided_by`` and ``fibre_distance_m`` added."""
    if points is None:
        return None
    conn = fibre_connectivity(
        points,
        None if fibre is None else fibre.frame,
        attribute=attribute,
        max_distance=settings.fibre_distance_m,
        source=source,
    )
    return points.join(conn)


def prepare(
    layers: Layers,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    step: Step | None = None,
) -> Prepared:
    """Every stage but the prediction: what ``coverage check`` runs."""
    settings = settings or Settings()
    step = step or (lambda _msg: None)
    if layers.dem:
        settings = settings.replace(dem=tuple(str(p) for p in layers.dem))
    step("reading layers")
    inputs = load(layers, settings=settings)
    step("projecting layers")
    projected = project(inputs, settings=settings)
    villages = assign_communes(projected.villages, projected.communes)
    for message in consistency_warnings(projected.villages, projected.communes):
        warnings.warn(message, CoverageWarning, stacklevel=2)
    check_rule(villages, settings=settings, source=projected.villages.source)
    chosen = choose_model(model, settings=settings, sites=projected.sites)
    for message in unused_site_columns(projected.sites, chosen.name, chosen.uses_columns):
        warnings.warn(message, CoverageWarning, stacklevel=2)
    if chosen.needs_dem:
        step("checking the DEM")
        check_dem(settings, crs=projected.crs, area=tuple(projected.villages.frame.total_bounds))
    centres = commune_centres(projected.communes, projected.centres)
    centres_source = projected.centres.source if projected.centres else "commune polygons"
    postal_source = projected.postal.source if projected.postal else "postal"
    centres = connect(
        centres, projected.fibre, attribute="fibre", source=centres_source, settings=settings
    )
    postal = connect(
        None if projected.postal is None else projected.postal.frame,
        projected.fibre,
        attribute="broadband",
        source=postal_source,
        settings=settings,
    )
    units = NewUnits(projected.new_communes, projected.crosswalk)
    if units.given:
        villages, centres, postal, units = new_units.apply(
            projected, villages, centres, postal, units, centres_source, postal_source
        )
    return Prepared(
        projected=projected,
        villages=villages,
        centres=centres,
        postal=postal,
        model=chosen,
        settings=settings,
        sources=layers.sources(),
        input_crs=inputs.villages.frame.crs,
        units=units,
    )


def predict(prepared: Prepared, *, use_cache: bool = True, progress=None) -> Prediction:
    """The chosen model's prediction over the villages' extent (through the cache)."""
    area = tuple(prepared.villages.total_bounds)
    return cache.cached_predict(
        prepared.model.predict,
        prepared.model.name,
        prepared.projected.sites.frame,
        settings=prepared.settings,
        area=area,
        use_cache=use_cache,
        progress=progress,
    )


def measure(prepared: Prepared, prediction: Prediction, *, step: Step) -> CoverageResult:
    """Village coverage, commune and district tables, and the summary."""
    settings = prepared.settings
    step(f"measuring {len(prepared.villages):,} villages")
    villages = village_coverage(
        prepared.villages, prediction, settings=settings, source=prepared.projected.villages.source
    )
    signal = prediction.max_signal(villages.geometry.to_numpy(), settings.headline_technologies)
    if signal is not None:
        villages["best_signal_dbm"] = signal
    return summarise(prepared, villages, prediction.info, prediction=prediction, step=step)


def summarise(
    prepared: Prepared,
    villages: gpd.GeoDataFrame,
    model_info: dict,
    *,
    prediction: Prediction | None,
    step: Step,
) -> CoverageResult:
    """Commune and district tables and the summary of measured ``villages``."""
    settings = prepared.settings
    projected = prepared.projected
    step("summarising")
    communes_frame = None if projected.communes is None else projected.communes.frame
    communes = commune_summary(villages, communes_frame, prepared.centres, settings=settings)
    districts = district_summary(communes, settings=settings)
    summary = build_summary(
        villages,
        communes,
        districts,
        prepared.centres,
        prepared.postal,
        projected,
        model_info,
        settings=settings,
        model=prepared.model.name,
        sources=prepared.sources,
    )
    new_table = None
    if prepared.units.given:
        new_table = new_units.summary(
            villages,
            prepared.centres,
            prepared.postal,
            prepared.units,
            population_weighted=settings.rule == "population",
        )
        summary["by_new_commune"] = new_units.records(new_table)
    geometry = (
        None
        if communes_frame is None
        else communes_frame[["commune_id", "geometry"]].drop_duplicates("commune_id")
    )
    return CoverageResult(
        villages=villages,
        communes=communes,
        districts=districts,
        centres=prepared.centres,
        postal=prepared.postal,
        summary=summary,
        crs=projected.crs,
        input_crs=prepared.input_crs,
        commune_geometry=geometry,
        sites=projected.sites.frame,
        fibre=None if projected.fibre is None else projected.fibre.frame,
        prediction=prediction,
        new_communes=new_table,
    )


# --- the chain ---------------------------------------------------------------------------


def run(
    layers: Layers,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    progress: Step | None = None,
    use_cache: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
) -> CoverageResult:
    """Load, check, predict, measure and summarise; warnings are logged and recorded.

    With ``workers`` (a Dask ``LocalCluster`` of that many processes) or ``scheduler`` (a
    Dask scheduler's address) the prediction and measurement run as independent tasks
    (:mod:`coverage.partition`): the same numbers, bit for bit; the result then holds no
    prediction (``result.prediction`` is None), and the prediction cache is not used.

    Examples
    --------
    >>> result = run(Layers.demo(), model="range")
    >>> 0.9 < result.summary["village_coverage_share"] <= 1
    True
    """
    step = progress or (lambda _msg: None)
    with collected_warnings() as messages:
        prepared = prepare(layers, model=model, settings=settings, step=step)
        label = f"predicting coverage ({prepared.model.name} model)"
        step(label)
        if workers is None and scheduler is None:
            prediction = predict(prepared, use_cache=use_cache, progress=_every_tenth(step, label))
            result = measure(prepared, prediction, step=step)
        else:
            result = run_partitioned(
                prepared, step=step, label=label, workers=workers, scheduler=scheduler
            )
    result.warnings = messages
    result.summary["warnings"] = messages
    return result


def run_partitioned(
    prepared: Prepared,
    *,
    step: Step,
    label: str,
    workers: int | None = None,
    scheduler: str | None = None,
    executor=None,
    **cut,
) -> CoverageResult:
    """Predict and measure as independent tasks on a cluster (``workers`` or
    ``scheduler``; or on ``executor``, see :mod:`coverage.cluster`): the serial run's
    numbers, bit for bit. ``cut``: ``tile_pixels`` for the raster models."""
    from . import cluster, partition

    with contextlib.ExitStack() as stack:
        if executor is None:
            step(f"{label}: starting the Dask cluster")
            executor = stack.enter_context(cluster.executor(workers, scheduler))
        if prepared.model.produces == "raster":
            progress = _every_tenth(step, label, unit="tiles")
            prediction = partition.predict_partitioned(prepared, executor, progress=progress, **cut)
            result = measure(prepared, prediction, step=step)
            result.prediction = None  # values at the village pixels only: not a map
            return result
        progress = _every_tenth(step, f"measuring {len(prepared.villages):,} villages", "blocks")
        villages, info = partition.measure_range_partitioned(prepared, executor, progress=progress)
    return summarise(prepared, villages, info, prediction=None, step=step)


def _every_tenth(step: Step, label: str, unit: str = "sites") -> Callable[[int, int], None]:
    """A model's ``progress(done, total)`` as stage messages, one per tenth of the work."""
    shown = [-1]

    def progress(done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth > shown[0]:
            shown[0] = tenth
            step(f"{label}: {done:,} / {total:,} {unit}")

    return progress


class collected_warnings:
    """Record every :class:`CoverageWarning` raised inside, in order, and log it (unless
    ``log=False``: ``check`` prints them itself).

    ``with collected_warnings() as messages:`` gives the list, filled on exit.
    """

    def __init__(self, *, log: bool = True) -> None:
        self.log = log

    def __enter__(self) -> list[str]:
        self._ctx = warnings.catch_warnings(record=True)
        self._caught = self._ctx.__enter__()
        warnings.simplefilter("always", CoverageWarning)
        self.messages: list[str] = []
        return self.messages

    def __exit__(self, *exc) -> None:
        self._ctx.__exit__(*exc)
        for w in self._caught:
            if issubclass(w.category, CoverageWarning):
                message = printable(str(w.message))
                self.messages.append(message)
                if self.log:
                    log.warning("%s", message)
            else:
                log.debug("%s: %s", w.category.__name__, printable(str(w.message)))


# --- check ---------------------------------------------------------------------------------


@dataclass
class CheckReport:
    """What ``coverage check`` found: errors (a run would refuse) and warnings (repairs)."""

    errors: list[str]
    warnings: list[str]
    features: dict[str, int]
    model: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check(
    layers: Layers,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    progress: Step | None = None,
) -> CheckReport:
    """Run every stage but the prediction; collect errors and warnings instead of raising.

    Examples
    --------
    >>> check(Layers.demo()).ok
    True
    """
    errors: list[str] = []
    features: dict[str, int] = {}
    chosen = None
    with collected_warnings(log=False) as messages:
        try:
            prepared = prepare(layers, model=model, settings=settings, step=progress)
            chosen = prepared.model.name
            p = prepared.projected
            for name in (
                "villages",
                "sites",
                "communes",
                "centres",
                "fibre",
                "postal",
                "new_communes",
                "crosswalk",
            ):
                layer = getattr(p, name)
                if layer is not None:
                    features[name] = len(layer)
            if p.sites_out_of_reach:
                features["sites"] += p.sites_out_of_reach
        except ValidationError as exc:
            errors = [str(e) for e in exc.problems]
        except (InputError, ConfigError) as exc:
            errors = [str(exc)]
    return CheckReport(errors=errors, warnings=messages, features=features, model=chosen)


def predict_rasters(
    layers: Layers,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    site_ids: tuple[str, ...] = (),
    per_site: bool = False,
    progress: Step | None = None,
    use_cache: bool = True,
) -> list[tuple[str, Prediction]]:
    """Predictions for the sites (optionally some of them, one by one).

    Returns ``(file prefix, prediction)`` pairs: first the combined prediction, then
    with ``per_site`` one per selected site.
    """
    step = progress or (lambda _msg: None)
    with collected_warnings():
        prepared = prepare(layers, model=model, settings=settings, step=step)
        if prepared.model.produces != "raster":
            raise ConfigError(
                f"the {prepared.model.name} model makes no rasters: choose one that does "
                "(--model hata, terrain or itm)"
            )
        sites = prepared.projected.sites
        chosen = sites.frame
        if site_ids:
            wanted = {str(s) for s in site_ids}
            missing = sorted(wanted - set(chosen["site_id"].astype(str)))
            if missing:
                raise InputError(
                    f"no site {missing[0]!r} in the sites layer",
                    path=sites.source,
                    column="site_id",
                )
            chosen = chosen[chosen["site_id"].astype(str).isin(wanted)]
        area = tuple(prepared.villages.total_bounds) if not site_ids else tuple(chosen.total_bounds)
        name = prepared.model.name
        step(f"predicting {len(chosen):,} site rows ({name} model)")

        def one(frame: gpd.GeoDataFrame, bounds: tuple) -> Prediction:
            return cache.cached_predict(
                prepared.model.predict,
                name,
                frame,
                settings=prepared.settings,
                area=bounds,
                use_cache=use_cache,
            )

        runs = [("", one(chosen, area))]
        if per_site:
            for site_id in sorted(chosen["site_id"].astype(str).unique()):
                frame = chosen[chosen["site_id"].astype(str) == site_id]
                safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in site_id)
                runs.append((f"site_{safe}_", one(frame, tuple(frame.total_bounds))))
    return runs
