"""The pipeline, stage by stage: load -> project and check -> predict -> measure -> summarise.

:func:`run` is what ``coverage compute`` calls; each stage is a public function
too, so a notebook can stop after any of them.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import __version__
from ._errors import CoverageWarning, InputError, Problem, ValidationError
from .checks import overlapping_communes, villages_outside_their_commune
from .connectivity import fibre_connectivity
from .io import read_layer
from .metrics import (
    commune_summary,
    district_summary,
    headline_label,
    village_coverage,
    village_summary,
)
from .models import get_model
from .models.base import Prediction
from .projection import choose_metric_crs, to_crs
from .settings import TECHNOLOGIES, Settings

log = logging.getLogger(__name__)

PathLike = str | os.PathLike
Progress = Callable[[str], None]

#: Points (centres, postal points) farther than this outside the villages' extent
#: are an error: they belong to another area, or their coordinates are wrong.
OUTSIDE_TOLERANCE_M = 20_000.0


@dataclass
class Inputs:
    """The layers of one run, canonical columns, each in its own CRS."""

    villages: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame | None = None
    centres: gpd.GeoDataFrame | None = None
    fibre: gpd.GeoDataFrame | None = None
    postal: gpd.GeoDataFrame | None = None
    sources: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass
class Result:
    """Everything a run produced: per-village and per-commune tables and the summary."""

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


def load_inputs(
    villages: PathLike,
    sites: PathLike,
    *,
    communes: PathLike | None = None,
    centres: PathLike | None = None,
    fibre: Sequence[PathLike] = (),
    postal: PathLike | None = None,
    settings: Settings | None = None,
) -> Inputs:
    """Read and validate every layer, reporting the problems of all layers at once.

    Examples
    --------
    >>> from coverage import datasets
    >>> inputs = load_inputs(**datasets.demo_layers())
    >>> len(inputs.villages) > 1000
    True
    """
    settings = settings or Settings()
    specs: list[tuple[str, str, PathLike]] = [
        ("villages", "villages", villages),
        ("sites", "sites", sites),
    ]
    if communes is not None:
        specs.append(("communes", "communes", communes))
    if centres is not None:
        specs.append(("centres", "centres", centres))
    if postal is not None:
        specs.append(("postal", "postal", postal))
    specs += [(f"fibre{i}", "fibre", p) for i, p in enumerate(fibre)]
    layers: dict[str, gpd.GeoDataFrame] = {}
    problems: list[Problem] = []
    for key, kind, spec in specs:
        try:
            layers[key] = read_layer(
                spec,
                kind,
                csv_crs=settings.csv_crs,
                use_opencellid_range=settings.use_opencellid_range,
                encoding=settings.encoding,
            )
        except ValidationError as exc:
            problems.extend(exc.problems)
        except InputError as exc:
            problems.append(Problem(exc.message, exc.path, exc.column, exc.row))
    if problems:
        raise ValidationError(problems)
    fibre_layers = [layers[k] for k in sorted(layers) if k.startswith("fibre")]
    return Inputs(
        villages=layers["villages"],
        sites=layers["sites"],
        communes=layers.get("communes"),
        centres=layers.get("centres"),
        fibre=_stack_fibre(fibre_layers),
        postal=layers.get("postal"),
        sources={
            "villages": str(villages),
            "sites": str(sites),
            **({"communes": str(communes)} if communes is not None else {}),
            **({"centres": str(centres)} if centres is not None else {}),
            **({"postal": str(postal)} if postal is not None else {}),
            **({"fibre": [str(p) for p in fibre]} if fibre else {}),
        },
    )


def _stack_fibre(layers: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
    if not layers:
        return None
    crs = layers[0].crs
    parts = [gpd.GeoDataFrame(geometry=lyr.geometry.to_crs(crs).values, crs=crs) for lyr in layers]
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=crs)
    out.attrs["source"] = ", ".join(lyr.attrs.get("source", "") for lyr in layers)
    return out


def project_inputs(inputs: Inputs, *, settings: Settings) -> tuple[Inputs, CRS]:
    """Bring every layer into one metric CRS and check that the layers belong together.

    Sites beyond the reach of every village (farther than the maximum range) are
    dropped with a warning; points of other layers far outside the villages'
    extent are an error, with a hint when swapping lon/lat would fix them.
    """
    crs = choose_metric_crs(inputs.villages, settings.crs)
    villages = to_crs(inputs.villages, crs)
    xmin, ymin, xmax, ymax = villages.total_bounds
    study = shapely.box(xmin, ymin, xmax, ymax)

    def outside(layer: gpd.GeoDataFrame, margin: float) -> np.ndarray:
        return ~shapely.dwithin(layer.geometry.to_numpy(), study, margin)

    problems: list[Problem] = []
    # Zero-area polygons measured where it matters: a sliver in degrees may be flat in metres.
    for layer in (villages, inputs.communes):
        if layer is None:
            continue
        metric = villages if layer is villages else to_crs(layer, crs)
        geoms = metric.geometry.to_numpy()
        flat = np.isin(shapely.get_type_id(geoms), [3, 6]) & (shapely.area(geoms) < 1.0)
        if flat.any():
            first = int(np.flatnonzero(flat)[0])
            labels = layer.attrs.get("row_labels")
            problems.append(
                Problem(
                    f"{int(flat.sum())} polygon(s) have (almost) zero area in metres "
                    "(< 1 m2); fix or remove them",
                    layer.attrs.get("source"),
                    "geometry",
                    labels[first] if labels else first + 1,
                )
            )
    out = Inputs(villages=villages, sites=to_crs(inputs.sites, crs), sources=inputs.sources)
    for name in ("communes", "centres", "postal"):
        layer = getattr(inputs, name)
        if layer is None:
            continue
        projected = to_crs(layer, crs)
        far = outside(projected, OUTSIDE_TOLERANCE_M)
        if far.any():
            problems.append(_far_problem(layer, far, crs, study, name))
        setattr(out, name, projected)
    if inputs.fibre is not None:
        fibre = to_crs(inputs.fibre, crs)
        far = outside(fibre, settings.fibre_distance_m + OUTSIDE_TOLERANCE_M)
        if far.all():
            problems.append(_far_problem(inputs.fibre, far, crs, study, "fibre"))
        out.fibre = fibre[~far]
    far = outside(out.sites, settings.max_range_m)
    if far.all():
        problems.append(_far_problem(inputs.sites, far, crs, study, "sites"))
    elif far.any():
        warnings.warn(
            f"{int(far.sum())} of {len(far)} site row(s) of {inputs.sites.attrs.get('source')} "
            f"lie more than {settings.max_range_m / 1000:g} km from every village and are ignored",
            CoverageWarning,
            stacklevel=2,
        )
        out.sites = out.sites[~far]
        out.sites.attrs.update(inputs.sites.attrs)
    if problems:
        raise ValidationError(problems)
    out.sites.attrs["dropped_far"] = int(far.sum())
    return out, crs


def _far_problem(layer: gpd.GeoDataFrame, far: np.ndarray, crs: CRS, study, name: str) -> Problem:
    source = layer.attrs.get("source", name)
    labels = layer.attrs.get("row_labels")
    first = int(np.flatnonzero(far)[0])
    row = labels[first] if labels else first + 1
    hint = "check its CRS"
    geo = layer.to_crs(4326) if layer.crs is not None else layer
    swapped = shapely.transform(geo.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    try:
        swapped_m = gpd.GeoSeries(swapped, crs=4326).to_crs(crs).to_numpy()
        if (shapely.dwithin(swapped_m, study, OUTSIDE_TOLERANCE_M)).mean() > 0.5:
            hint = "lon and lat appear to be swapped"
    except Exception:  # swapped values may be out of range for the projection
        pass
    column = "lon/lat" if str(source).lower().endswith((".csv", ".txt")) else "geometry"
    return Problem(
        f"{int(far.sum())} of {len(far)} {name} lie far outside the villages' extent: {hint}",
        source,
        column,
        row,
    )


def consistency_warnings(
    villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None
) -> list[str]:
    """Cross-layer findings that do not stop a run (see :mod:`coverage.checks`)."""
    if communes is None:
        return []
    return [*overlapping_communes(communes), *villages_outside_their_commune(villages, communes)]


def commune_centres(inputs: Inputs) -> gpd.GeoDataFrame | None:
    """Return one centre point per commune: the given centres, else a representative point.

    A commune without a given centre gets ``shapely.point_on_surface`` of its polygon,
    with a warning naming how many did.
    """
    communes, centres = inputs.communes, inputs.centres
    if communes is None:
        return centres
    ids = communes["commune_id"]
    given = centres if centres is not None else None
    have = set(given["commune_id"]) if given is not None else set()
    missing = communes[~ids.isin(have)]
    if len(missing):
        where = (
            f"{inputs.sources.get('centres')} has no centre for"
            if given is not None
            else "no commune centres layer was given, so"
        )
        warnings.warn(
            f"{where} {len(missing)} commune(s): using a representative point inside the "
            "commune polygon instead (give centres for exact results)",
            CoverageWarning,
            stacklevel=2,
        )
        fallback = gpd.GeoDataFrame(
            {
                "commune_id": missing["commune_id"].to_numpy(),
                "name": missing["name"].to_numpy() if "name" in missing else None,
            },
            geometry=shapely.point_on_surface(missing.geometry.to_numpy()),
            crs=communes.crs,
        )
        fallback["centre_source"] = "representative point"
        given = given.assign(centre_source="given") if given is not None else None
        given = pd.concat([g for g in (given, fallback) if g is not None], ignore_index=True)
        given = gpd.GeoDataFrame(given, geometry="geometry", crs=communes.crs)
    else:
        given = given.assign(centre_source="given")
    unknown = ~given["commune_id"].isin(set(ids))
    if unknown.any():
        warnings.warn(
            f"{inputs.sources.get('centres', 'centres')}: {int(unknown.sum())} commune centre(s) "
            "name a commune_id missing from the communes "
            f"layer (first: {given['commune_id'][unknown].iloc[0]!r}); they are still counted",
            CoverageWarning,
            stacklevel=2,
        )
    given.attrs["source"] = inputs.sources.get("centres", "commune polygons")
    return given


def assign_communes(
    villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    """Fill missing ``commune_id`` of villages from the commune polygon holding them."""
    if communes is None:
        if "commune_id" not in villages.columns:
            return villages.assign(commune_id=None)
        return villages
    need = (
        np.ones(len(villages), bool)
        if "commune_id" not in villages.columns
        else villages["commune_id"].isna().to_numpy()
    )
    if not need.any():
        unknown = ~villages["commune_id"].isin(set(communes["commune_id"]))
        if unknown.any():
            warnings.warn(
                f"{villages.attrs.get('source', 'villages')}: {int(unknown.sum())} village(s) "
                "name a commune_id missing from the communes "
                f"layer (first: {villages['commune_id'][unknown].iloc[0]!r}); they are counted "
                "in the province totals but under an unknown commune",
                CoverageWarning,
                stacklevel=2,
            )
        return villages
    out = villages.copy()
    if "commune_id" not in out.columns:
        out["commune_id"] = None
    probe = shapely.point_on_surface(out.geometry.to_numpy()[need])
    tree = shapely.STRtree(communes.geometry.to_numpy())
    pi, ci = tree.query(probe, predicate="within")
    ids = np.full(int(need.sum()), None, dtype=object)
    ids[pi] = communes["commune_id"].to_numpy()[ci]
    out.loc[need, "commune_id"] = ids
    warnings.warn(
        f"{int(need.sum())} village(s) had no commune_id: taken from the commune polygon "
        f"containing each ({int(pd.isna(ids).sum())} fell in none)",
        CoverageWarning,
        stacklevel=2,
    )
    out.attrs.update(villages.attrs)
    return out


def compute(
    inputs: Inputs,
    *,
    settings: Settings | None = None,
    model: str = "range",
    progress: Progress | None = None,
) -> Result:
    """Run every stage after loading and return the :class:`Result`.

    Examples
    --------
    >>> from coverage import datasets
    >>> result = compute(load_inputs(**datasets.demo_layers()))
    >>> 0.9 < result.summary["village_coverage_share"] <= 1
    True
    """
    settings = settings or Settings()
    step = progress or (lambda _msg: None)
    step("projecting layers")
    projected, crs = project_inputs(inputs, settings=settings)
    villages = assign_communes(projected.villages, projected.communes)
    for message in consistency_warnings(villages, projected.communes):
        warnings.warn(message, CoverageWarning, stacklevel=2)
    step(f"predicting coverage ({model} model)")
    prediction = get_model(model)(
        projected.sites, settings=settings, area=tuple(villages.total_bounds)
    )
    step(f"measuring {len(villages):,} villages")
    villages = village_coverage(villages, prediction, settings=settings)
    if hasattr(prediction, "max_signal"):
        villages["best_signal_dbm"] = prediction.max_signal(
            villages.geometry.to_numpy(), settings.headline_technologies
        )
    step("fibre and broadband")
    centres = commune_centres(projected)
    if centres is not None:
        conn = fibre_connectivity(
            centres, projected.fibre, attribute="fibre", max_distance=settings.fibre_distance_m
        )
        centres = centres.join(conn)
    postal = projected.postal
    if postal is not None:
        conn = fibre_connectivity(
            postal, projected.fibre, attribute="broadband", max_distance=settings.fibre_distance_m
        )
        postal = postal.join(conn)
    step("summarising")
    communes = commune_summary(villages, projected.communes, centres, settings=settings)
    districts = district_summary(communes, settings=settings)
    summary = _summary(
        villages,
        communes,
        districts,
        centres,
        postal,
        projected,
        prediction,
        settings=settings,
        crs=crs,
        model=model,
    )
    geometry = (
        None
        if projected.communes is None
        else projected.communes[["commune_id", "geometry"]].drop_duplicates("commune_id")
    )
    return Result(
        villages=villages,
        communes=communes,
        districts=districts,
        centres=centres,
        postal=postal,
        summary=summary,
        crs=crs,
        input_crs=inputs.villages.crs,
        commune_geometry=geometry,
        sites=projected.sites,
        fibre=projected.fibre,
        prediction=prediction,
    )


def _share(part: int, total: int) -> float | None:
    return part / total if total else None


def _summary(
    villages,
    communes,
    districts,
    centres,
    postal,
    projected,
    prediction,
    *,
    settings: Settings,
    crs: CRS,
    model: str,
) -> dict:
    summary: dict = {"coverage_version": __version__, "model": model}
    summary.update(village_summary(villages, settings=settings))
    summary["headline_technologies"] = headline_label(settings)
    n_centres = 0 if centres is None else len(centres)
    n_fibre = 0 if centres is None else int(centres["connected"].sum())
    summary.update(
        commune_centres_total=n_centres,
        commune_centres_fibre=n_fibre,
        commune_centre_fibre_share=_share(n_fibre, n_centres),
    )
    if centres is not None:
        summary["commune_centres_decided_by"] = _counts(centres["decided_by"])
        summary["commune_centres_source"] = _counts(
            centres.get("centre_source", pd.Series(dtype=str))
        )
    n_postal = 0 if postal is None else len(postal)
    n_bb = 0 if postal is None else int(postal["connected"].sum())
    summary.update(
        postal_points_total=n_postal,
        postal_points_broadband=n_bb,
        postal_broadband_share=_share(n_bb, n_postal),
    )
    if postal is not None:
        summary["postal_points_decided_by"] = _counts(postal["decided_by"])
    summary["rule"] = settings.describe_rule()
    summary["crs"] = crs.to_string()
    summary["fibre_distance_m"] = settings.fibre_distance_m
    sites = projected.sites
    summary["sites"] = {
        "rows": len(sites),
        "sites": int(sites["site_id"].nunique()),
        "rows_by_technology": {t: int((sites["technology"] == t).sum()) for t in TECHNOLOGIES},
        "ignored_out_of_reach": int(sites.attrs.get("dropped_far", 0)),
    }
    summary["model_info"] = prediction.info if hasattr(prediction, "info") else {}
    summary["by_district"] = _records(districts)
    if len(communes):
        with_villages = communes[communes["villages"] > 0]
        worst = with_villages.sort_values(
            ["coverage_share", "villages"], ascending=[True, False], kind="stable"
        ).head(10)
        keep = [
            c
            for c in (
                "commune_id",
                "name",
                "district",
                "villages",
                "villages_covered",
                "coverage_share",
            )
            if c in worst.columns
        ]
        summary["worst_communes"] = _records(worst[keep])
    summary["gaps"] = _gaps(villages, communes, centres, postal)
    summary["repairs"] = {
        name: dict(layer.attrs.get("repairs", {}))
        for name, layer in (
            ("villages", projected.villages),
            ("communes", projected.communes),
            ("sites", projected.sites),
            ("centres", projected.centres),
            ("postal", projected.postal),
        )
        if layer is not None and layer.attrs.get("repairs")
    }
    summary["inputs"] = projected.sources
    return summary


def _gaps(villages, communes, centres, postal) -> dict:
    """The lists behind the shares: uncovered villages, unconnected centres and points."""
    names = communes.set_index("commune_id")["name"].to_dict() if "name" in communes.columns else {}
    district = (
        communes.set_index("commune_id")["district"].to_dict()
        if "district" in communes.columns
        else {}
    )
    v = villages[~villages["covered"].astype(bool)]
    cols = [
        c
        for c in ("village_id", "name", "commune_id", "population", "best_signal_dbm")
        if c in v.columns
    ]
    table = pd.DataFrame(v[cols]).assign(
        commune=v["commune_id"].map(names) if "commune_id" in v else None,
        district=v["commune_id"].map(district) if "commune_id" in v else None,
        covered_share=v["covered_share"].round(4),
    )
    gaps = {"villages": _records(table.sort_values(["covered_share", *cols[:1]]))}
    for key, layer, id_col in (
        ("commune_centres", centres, "commune_id"),
        ("postal_points", postal, "point_id"),
    ):
        if layer is None:
            continue
        off = layer[~layer["connected"].astype(bool)]
        keep = [c for c in (id_col, "name", "commune_id", "decided_by") if c in off.columns]
        frame = pd.DataFrame(off[keep]).loc[:, lambda f: ~f.columns.duplicated()]
        frame["fibre_distance_m"] = off["fibre_distance_m"].round(1)
        gaps[key] = _records(frame)
    return gaps


def _counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(series.value_counts().items())}


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, np.integer | np.bool_):
                value = value.item()
            elif isinstance(value, float | np.floating):
                value = None if np.isnan(value) else float(value)
            elif value is pd.NA:
                value = None
            clean[str(key)] = value
        out.append(clean)
    return out


def run(
    villages: PathLike,
    sites: PathLike,
    *,
    communes: PathLike | None = None,
    centres: PathLike | None = None,
    fibre: Sequence[PathLike] = (),
    postal: PathLike | None = None,
    settings: Settings | None = None,
    model: str = "range",
    progress: Progress | None = None,
) -> Result:
    """Load, compute and summarise; warnings are logged and recorded in the summary.

    Examples
    --------
    >>> from coverage import datasets
    >>> result = run(**datasets.demo_layers())
    >>> sorted(result.summary)[:3]
    ['by_district', 'commune_centre_fibre_share', 'commune_centres_decided_by']
    """
    settings = settings or Settings()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CoverageWarning)
        step = progress or (lambda _msg: None)
        step("reading layers")
        inputs = load_inputs(
            villages,
            sites,
            communes=communes,
            centres=centres,
            fibre=fibre,
            postal=postal,
            settings=settings,
        )
        result = compute(inputs, settings=settings, model=model, progress=progress)
    messages = []
    for w in caught:
        if issubclass(w.category, CoverageWarning):
            messages.append(str(w.message))
            log.warning("%s", w.message)
        else:
            log.debug("%s: %s", w.category.__name__, w.message)
    result.warnings = messages
    result.summary["warnings"] = messages
    return result


def predict_sites(
    villages: PathLike,
    sites: PathLike,
    *,
    settings: Settings | None = None,
    model: str = "terrain",
    site_ids: Sequence[str] = (),
    per_site: bool = False,
    progress: Progress | None = None,
) -> list[tuple[str, Prediction]]:
    """Predict coverage rasters for the sites (optionally some of them, one by one).

    Returns ``(file prefix, prediction)`` pairs: first the combined prediction, then
    with ``per_site`` one per selected site.
    """
    settings = settings or Settings()
    step = progress or (lambda _msg: None)
    step("reading layers")
    layers = load_inputs(villages, sites, settings=settings)
    projected, _crs = project_inputs(layers, settings=settings)
    chosen = projected.sites
    if site_ids:
        wanted = {str(s) for s in site_ids}
        missing = sorted(wanted - set(chosen["site_id"].astype(str)))
        if missing:
            raise InputError(
                f"no site {missing[0]!r} in the sites layer", path=str(sites), column="site_id"
            )
        chosen = chosen[chosen["site_id"].astype(str).isin(wanted)]
    area = tuple(projected.villages.total_bounds) if not site_ids else tuple(chosen.total_bounds)
    predict = get_model(model)
    step(f"predicting {len(chosen):,} site rows ({model} model)")
    runs = [("", predict(chosen, settings=settings, area=area))]
    if per_site:
        for site_id in sorted(chosen["site_id"].astype(str).unique()):
            one = chosen[chosen["site_id"].astype(str) == site_id]
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in site_id)
            runs.append(
                (f"site_{safe}_", predict(one, settings=settings, area=tuple(one.total_bounds)))
            )
    return runs


def _cheap_stage_warnings(villages, projected: Inputs, centres, settings: Settings) -> None:
    """Raise the warnings the compute stages would raise, without computing coverage."""
    from .models.range import site_ranges

    points = shapely.get_type_id(villages.geometry.to_numpy()) == 0
    if points.any() and settings.rule in ("area", "population"):
        warn_point_villages(villages, int(points.sum()), settings.rule)
    site_ranges(projected.sites, settings=settings)
    for layer, attribute in ((centres, "fibre"), (projected.postal, "broadband")):
        if layer is not None:
            fibre_connectivity(
                layer, projected.fibre, attribute=attribute, max_distance=settings.fibre_distance_m
            )


def warn_point_villages(villages: gpd.GeoDataFrame, count: int, rule: str) -> None:
    """The warning of :func:`coverage.metrics.village_coverage` for point villages."""
    warnings.warn(
        f"{villages.attrs.get('source', 'villages')}: {count} village(s) are points, not "
        f"polygons: for them the {rule} rule uses whether the point is covered",
        CoverageWarning,
        stacklevel=3,
    )


@dataclass
class CheckReport:
    """What ``coverage check`` found: errors (a run would refuse) and warnings (repairs)."""

    errors: list[str]
    warnings: list[str]
    features: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_inputs(
    villages: PathLike,
    sites: PathLike,
    *,
    communes: PathLike | None = None,
    centres: PathLike | None = None,
    fibre: Sequence[PathLike] = (),
    postal: PathLike | None = None,
    settings: Settings | None = None,
) -> CheckReport:
    """Read, validate and cross-check the layers without computing coverage.

    Examples
    --------
    >>> from coverage import datasets
    >>> check_inputs(**datasets.demo_layers()).ok
    True
    """
    settings = settings or Settings()
    errors: list[str] = []
    features: dict[str, int] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CoverageWarning)
        try:
            inputs = load_inputs(
                villages,
                sites,
                communes=communes,
                centres=centres,
                fibre=fibre,
                postal=postal,
                settings=settings,
            )
            for name in ("villages", "sites", "communes", "centres", "fibre", "postal"):
                layer = getattr(inputs, name)
                if layer is not None:
                    features[name] = len(layer)
            projected, _crs = project_inputs(inputs, settings=settings)
            village_layer = assign_communes(projected.villages, projected.communes)
            for message in consistency_warnings(village_layer, projected.communes):
                warnings.warn(message, CoverageWarning, stacklevel=2)
            centres = commune_centres(projected)
            _cheap_stage_warnings(village_layer, projected, centres, settings)
        except ValidationError as exc:
            errors = [str(p) for p in exc.problems]
        except InputError as exc:
            errors = [str(exc)]
    found = [str(w.message) for w in caught if issubclass(w.category, CoverageWarning)]
    return CheckReport(errors=errors, warnings=found, features=features)
