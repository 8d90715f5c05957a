"""``coverage plan sites``: which new sites (or upgrades) close the most coverage gaps.

The run is ``compute``'s (same inputs, settings and model) up to the village coverage of
the existing network; then:

1. **Candidates** from a file and/or generated (:mod:`coverage.plan.candidates`).
2. **Footprints**: each candidate's headline (3G/4G) coverage on the model's own pixels:
   for the raster models (hata, terrain, itm) the same kernel calls on the same grid as
   a prediction of all sites (:func:`coverage.models.raster.site_footprints`); for the
   range model its discs/wedges rasterised at ``resolution_m`` (default 50 m).
3. **The rule, as compute applies it**: a village is judged on the pixels whose centre
   it contains; it is covered when the covered share reaches the threshold (the centroid
   rule: its representative point's pixel). Coverage combines as the union of
   footprints, so a village half covered by one candidate and half by another counts
   covered with both, as ``compute`` would count it, and with neither alone. Each
   uncovered village's uncovered pixels are grouped into atoms (pixels with the same
   candidates) and its *need* is the threshold's pixels minus those already covered.
4. **Solving** (:mod:`coverage.plan.solve`): the greedy plan, then the exact MILP with
   HiGHS warm-started from it, which proves optimality or reports its gap.
5. **The figure after**: the existing prediction combined with the selected sites'
   (the best server over both), measured with compute's village rule, so it is the
   figure ``coverage compute --sites existing --sites proposed`` gives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features
from scipy import sparse

from .._errors import ConfigError, InputError, ValidationError
from ..io import read_layer
from ..layers import Layers
from ..metrics import village_coverage
from ..models.base import Prediction
from ..models.range import range_footprints
from ..models.raster import RasterKernel, RasterPrediction, predict_raster, site_footprints
from ..models.terrain import grid_and_kernel
from ..pipeline import Prepared, predict, prepare
from ..projection import to_crs
from ..radio.dem import Grid, load_dem
from ..settings import Settings
from ..validation import to_yes_no
from . import candidates as cands
from . import solve

log = logging.getLogger(__name__)

#: Pixel size of the range model's planning raster when ``resolution_m`` is not set.
RANGE_RESOLUTION_M = 50.0
OBJECTIVES = ("villages", "population")

Step = Callable[[str], None]


@dataclass
class PlanResult:
    """A plan: the JSON ``summary``, the ranked ``selected`` sites (one row each), the
    ``proposed`` site rows (sites schema), the villages before/after and the footprints."""

    summary: dict
    selected: gpd.GeoDataFrame
    proposed: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame
    crs: object
    input_crs: object = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class _World:
    """The pixels a plan is judged on: village zones, coverage now, candidates' pixels."""

    shape: tuple[int, int]
    transform: Affine
    zone_pix: np.ndarray
    zone_village: np.ndarray
    point_pix: np.ndarray  # each village's representative point's pixel (-1: outside)
    covered_now: np.ndarray  # flat bool
    footprints: dict[str, np.ndarray]
    grid: Grid | None = None  # the raster models' grid and kernel, for the figure after
    kernel: RasterKernel | None = None


def plan_sites(
    layers: Layers,
    *,
    candidates: object | None = None,
    auto_candidates: bool = False,
    max_sites: int | None = None,
    budget: float | None = None,
    cover_all: bool = False,
    objective: str = "villages",
    eligible: str | None = None,
    model: str | None = None,
    settings: Settings | None = None,
    progress: Step | None = None,
    use_cache: bool = True,
) -> PlanResult:
    """Plan new sites; see the module docstring. Exactly one of ``max_sites``, ``budget``
    and ``cover_all``; candidates from ``candidates`` (a sites layer with optional
    ``cost``) and/or ``auto_candidates``."""
    modes = (max_sites is not None) + (budget is not None) + bool(cover_all)
    if modes != 1:
        raise ConfigError("give exactly one of --max-sites, --budget and --cover-all")
    if objective not in OBJECTIVES:
        raise ConfigError(f"--objective must be one of {', '.join(OBJECTIVES)}")
    if candidates is None and not auto_candidates:
        raise ConfigError("give --candidates FILE and/or --auto-candidates")
    step = progress or (lambda _msg: None)
    prepared = prepare(layers, model=model, settings=settings, step=step)
    settings = prepared.settings
    step(f"predicting the existing network ({prepared.model.name} model)")
    prediction = predict(prepared, use_cache=use_cache)
    step(f"measuring {len(prepared.villages):,} villages")
    source = prepared.projected.villages.source
    before = village_coverage(prepared.villages, prediction, settings=settings, source=source)
    eligible_mask = _eligible(before, eligible, source)
    gaps = before.loc[~before["covered"].to_numpy(dtype=bool) & eligible_mask]
    table = _candidates(prepared, gaps, candidates, auto_candidates, settings, step)
    step(f"predicting {table['site_id'].nunique():,} candidates")
    gap_rows = before.index.get_indexer(gaps.index)
    world = _world(prepared, prediction, table, settings, step, gap_rows)
    problem, ids = _problem(world, before, gaps.index, table, settings, objective)
    step("solving")
    t0 = time.perf_counter()
    greedy = solve.greedy(problem, max_sites=max_sites, budget=budget, cover_all=cover_all)
    t1 = time.perf_counter()
    plan = solve.solve_milp(
        problem,
        max_sites=max_sites,
        budget=budget,
        cover_all=cover_all,
        warm=greedy,
        time_limit=float(settings.plan_time_limit_s),
    )
    t2 = time.perf_counter()
    log.info("greedy %.2f s, MILP %.2f s", t1 - t0, t2 - t1)
    chosen = [ids[i] for i in plan.selected]
    step("measuring the plan")
    after, shapes = _after(prepared, prediction, world, table, chosen, before, settings)
    result = _result(prepared, before, after, table, chosen, plan, greedy, problem, ids, shapes)
    result.summary["solver_seconds"] = {"greedy": round(t1 - t0, 3), "milp": round(t2 - t1, 3)}
    return result


def _eligible(villages: gpd.GeoDataFrame, column: str | None, source: str) -> np.ndarray:
    if column is None:
        return np.ones(len(villages), dtype=bool)
    if column not in villages.columns:
        raise InputError(
            f"no column {column!r} for --eligible (columns: "
            f"{', '.join(c for c in villages.columns if c != 'geometry')})",
            path=source,
            column=column,
        )
    labels = [str(v) for v in villages["village_id"]]
    problems: list = []
    values = to_yes_no(villages[column], source, column, labels, problems)
    if problems:
        raise ValidationError(problems)
    return values.eq(True).to_numpy(dtype=bool)


def _candidates(
    prepared: Prepared,
    gaps: gpd.GeoDataFrame,
    spec: object | None,
    auto: bool,
    settings: Settings,
    step: Step,
) -> gpd.GeoDataFrame:
    crs = prepared.projected.crs
    parts = []
    if spec is not None:
        step("reading candidates")
        layer = read_layer(spec, "sites", csv_crs=settings.csv_crs, settings=settings)
        layer = to_crs(layer, crs)
        parts.append(cands.from_layer(layer, settings=settings))
    if auto:
        step("generating candidates")
        dem = None
        if settings.dem and len(gaps):
            xmin, ymin, xmax, ymax = gaps.total_bounds
            r = float(settings.plan_reach_m)
            dem = load_dem(settings.dem, crs=crs, bounds=(xmin - r, ymin - r, xmax + r, ymax + r))
        parts.append(cands.auto(gaps, prepared.projected.sites.frame, dem, settings=settings))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    table = gpd.GeoDataFrame(table, geometry="geometry", crs=crs)
    log.info("%d candidate sites (%d rows)", table["site_id"].nunique(), len(table))
    return table


def _world(
    prepared: Prepared,
    prediction,
    table: gpd.GeoDataFrame,
    settings: Settings,
    step: Step,
    gap_rows: np.ndarray,
) -> _World:
    """The pixels: village zones, coverage now, and each candidate's pixels among the
    uncovered pixels of the villages without coverage (``gap_rows``)."""
    headline = tuple(settings.headline_technologies)
    villages = prepared.villages.geometry.to_numpy()
    name = prepared.model.name

    def tick(done: int, total: int) -> None:
        if done == total or done % max(total // 10, 1) == 0:
            step(f"predicting candidates: {done:,} / {total:,}")

    if isinstance(prediction, RasterPrediction):
        area = tuple(prepared.villages.total_bounds)
        grid, kernel = grid_and_kernel(
            name, prepared.projected.sites.frame, settings=settings, area=area
        )
        if grid.transform != prediction.transform or grid.shape != _shape(prediction):
            raise RuntimeError("the planning grid differs from the prediction's")
        pix, vil = prediction.zones(villages)
        points = prediction.pixel_of(shapely.point_on_surface(villages))
        covered = prediction.covered(headline).ravel()
        keep = _open_pixels(pix, vil, points, covered, gap_rows, grid.shape)
        fps = (
            site_footprints(
                table,
                grid,
                settings=settings,
                kernel=kernel,
                technologies=headline,
                keep=keep,
                progress=tick,
            )
            if len(table)
            else {}
        )
        return _World(grid.shape, grid.transform, pix, vil, points, covered, fps, grid, kernel)
    # range model: rasterise the footprints
    res = float(settings.resolution_m or RANGE_RESOLUTION_M)
    xmin, ymin, xmax, ymax = prepared.villages.total_bounds
    width, height = int(np.ceil((xmax - xmin) / res)) + 1, int(np.ceil((ymax - ymin) / res)) + 1
    transform = Affine(res, 0, xmin, 0, -res, ymax)
    frame = RasterPrediction(
        {"4G": np.zeros((height, width), dtype=np.float32)},
        {},
        {},
        transform,
        prepared.projected.crs,
    )
    pix, vil = frame.zones(villages)
    points = frame.pixel_of(shapely.point_on_surface(villages))
    shapes_now = []
    for tech in headline:
        found = prediction.coverage_shapes(tech)
        shapes_now += [] if found is None else list(found)
    covered = _burn(shapes_now, (height, width), transform).ravel()
    keep = _open_pixels(pix, vil, points, covered, gap_rows, (height, width))
    drawn: dict[str, np.ndarray] = {}
    rows = table.loc[table["technology"].isin(headline)]
    if len(rows):
        fp = range_footprints(rows, settings=settings)
        by_site = fp.groupby("site_id").geometry.apply(lambda g: shapely.union_all(g.to_numpy()))
        for k, (sid, geom) in enumerate(by_site.items(), start=1):
            flat = _burn_flat(geom, (height, width), transform)
            drawn[str(sid)] = flat[keep[flat]]
            tick(k, len(by_site))
    return _World((height, width), transform, pix, vil, points, covered, drawn)


def _open_pixels(
    pix: np.ndarray,
    vil: np.ndarray,
    points: np.ndarray,
    covered: np.ndarray,
    gap_rows: np.ndarray,
    shape: tuple[int, int],
) -> np.ndarray:
    """Flat mask of the pixels a plan can change: the uncovered pixels judging a village
    without coverage (its zone, and its representative point's pixel)."""
    keep = np.zeros(shape[0] * shape[1], dtype=bool)
    gap = np.zeros(len(points), dtype=bool)
    gap[gap_rows] = True
    keep[pix[gap[vil]]] = True
    keep[points[gap & (points >= 0)]] = True
    return keep & ~covered


def _shape(prediction: RasterPrediction) -> tuple[int, int]:
    return next(iter(prediction.best.values())).shape


def _burn_flat(geom, shape: tuple[int, int], transform: Affine) -> np.ndarray:
    """Flat indices of the pixels whose centre lies in ``geom``, drawn in its own window."""
    xmin, ymin, xmax, ymax = geom.bounds
    inv = ~transform
    c0, r0 = (int(np.floor(v)) for v in inv * (xmin, ymax))
    c1, r1 = (int(np.ceil(v)) for v in inv * (xmax, ymin))
    r0, c0 = max(r0, 0), max(c0, 0)
    r1, c1 = min(r1, shape[0]), min(c1, shape[1])
    if r1 <= r0 or c1 <= c0:
        return np.zeros(0, dtype=np.int64)
    window = transform * Affine.translation(c0, r0)
    part = _burn([geom], (r1 - r0, c1 - c0), window)
    rr, cc = np.nonzero(part)
    return (rr + r0).astype(np.int64) * shape[1] + (cc + c0)


def _burn(geoms: list, shape: tuple[int, int], transform: Affine) -> np.ndarray:
    """Pixels whose centre lies in one of ``geoms`` (as the village zones are drawn)."""
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return np.zeros(shape, dtype=bool)
    return features.rasterize(
        ((g, 1) for g in geoms), out_shape=shape, transform=transform, fill=0, dtype="uint8"
    ).astype(bool)


def _problem(
    world: _World,
    villages: gpd.GeoDataFrame,
    gap_index: pd.Index,
    table: gpd.GeoDataFrame,
    settings: Settings,
    objective: str,
) -> tuple[solve.Problem, list[str]]:
    """The optimisation over the uncovered villages' uncovered pixels (atoms)."""
    n = len(villages)
    target = np.zeros(n, dtype=bool)
    target[villages.index.get_indexer(gap_index)] = True
    npx = np.bincount(world.zone_village, minlength=n).astype(float)
    point_only = npx == 0
    point_pix = world.point_pix  # judged at one pixel: the representative point's
    by_point = point_only if settings.rule != "centroid" else np.ones(n, dtype=bool)
    keep = ~by_point[world.zone_village]
    pix = np.concatenate([world.zone_pix[keep], point_pix[by_point & (point_pix >= 0)]])
    vil = np.concatenate([world.zone_village[keep], np.flatnonzero(by_point & (point_pix >= 0))])
    now = world.covered_now[pix]
    covered_now = np.bincount(vil[now], minlength=n).astype(float)
    total = np.where(by_point, 1.0, npx)
    threshold = 1.0 if settings.rule == "centroid" else float(settings.threshold)
    need = np.maximum(threshold * total - covered_now, 0.0)
    need = np.where(by_point, 1.0, need)
    open_ = target[vil] & ~now
    pix, vil = pix[open_], vil[open_]
    # candidate x pixel incidence over the open pixels (a pixel of two overlapping
    # villages is one column per village)
    ids = sorted(world.footprints)
    sizes = np.array([len(world.footprints[s]) for s in ids], dtype=np.int64)
    hits = np.concatenate([world.footprints[s] for s in ids]) if ids else np.zeros(0, np.int64)
    owner = np.repeat(np.arange(len(ids)), sizes)
    order = np.argsort(pix, kind="stable")
    lo = np.searchsorted(pix[order], hits, side="left")
    hi = np.searchsorted(pix[order], hits, side="right")
    many = hi - lo
    r = np.repeat(owner, many)
    start = np.repeat(lo, many)
    offset = np.arange(int(many.sum())) - np.repeat(np.cumsum(many) - many, many)
    c = order[start + offset]
    incidence = sparse.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(len(ids), len(pix)))
    # atoms: open pixels of one village with the same candidates
    rng = np.random.default_rng(0)
    code = rng.integers(1, 2**62, size=len(ids), dtype=np.int64).astype(np.uint64)
    signature = np.zeros(len(pix), dtype=np.uint64)
    coo = incidence.tocoo()
    np.add.at(signature, coo.col, code[coo.row])
    counts = np.asarray(incidence.sum(axis=0)).ravel().astype(np.uint64)
    key = pd.DataFrame({"v": vil, "s": signature, "n": counts})
    atom_of, atoms = pd.factorize(pd.MultiIndex.from_frame(key))
    n_atoms = len(atoms)
    atom_area = np.bincount(atom_of, minlength=n_atoms).astype(float)
    rep = np.zeros(n_atoms, dtype=np.int64)
    rep[atom_of[::-1]] = np.arange(len(pix))[::-1]  # first pixel of each atom
    cover = incidence[:, rep].tocsr()
    atom_village = vil[rep]
    weight = (
        villages["population"].to_numpy(dtype=float)
        if objective == "population" and "population" in villages.columns
        else np.ones(n)
    )
    if objective == "population" and "population" not in villages.columns:
        raise ConfigError("--objective population needs a population column in the villages")
    cost = (
        table.drop_duplicates("site_id").set_index("site_id").loc[ids, "cost"].to_numpy(float)
        if len(ids)
        else np.zeros(0)
    )
    problem = solve.Problem(
        cover=cover,
        atom_village=atom_village,
        atom_area=atom_area,
        need=need,
        weight=np.nan_to_num(weight),
        target=target & (need > 0),
        cost=cost,
    )
    return problem, ids


def _after(
    prepared: Prepared,
    prediction,
    world: _World,
    table: gpd.GeoDataFrame,
    chosen: list[str],
    before: gpd.GeoDataFrame,
    settings: Settings,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The villages with the selected sites added to the network (compute's figure), and
    the selected sites' own footprints (polygons, for the map)."""
    crs = prepared.projected.crs
    empty = gpd.GeoDataFrame({"candidate_id": []}, geometry=[], crs=crs)
    if not chosen:
        return before, empty
    new = table.loc[table["site_id"].isin(chosen)]
    source = prepared.projected.villages.source
    headline = tuple(settings.headline_technologies)
    combined: Prediction
    if isinstance(prediction, RasterPrediction):
        grid, kernel = world.grid, world.kernel
        assert grid is not None and kernel is not None  # the raster models' world has them
        extra = predict_raster(new, grid, settings=settings, kernel=kernel)
        best = dict(prediction.best)
        for tech, values in extra.best.items():
            best[tech] = np.fmax(best[tech], values) if tech in best else values
        count = dict(prediction.count)
        for tech, values in extra.count.items():
            count[tech] = count[tech] + values if tech in count else values
        thresholds = {**extra.thresholds, **prediction.thresholds}
        combined = RasterPrediction(
            best, count, thresholds, prediction.transform, prediction.crs, prediction.model
        )
        own = site_footprints(new, grid, settings=settings, kernel=kernel, technologies=headline)
        shapes = [_pixels_to_shape(own[sid], grid.shape, grid.transform) for sid in chosen]
    else:
        both = pd.concat([prepared.projected.sites.frame, new], ignore_index=True)
        both = gpd.GeoDataFrame(both, geometry="geometry", crs=crs)
        combined = prepared.model.predict(both, settings=settings)
        rows = new.loc[new["technology"].isin(headline)]
        fp = range_footprints(rows, settings=settings)
        by_site = fp.groupby("site_id").geometry.apply(lambda g: shapely.union_all(g.to_numpy()))
        shapes = [by_site.get(sid, shapely.Polygon()) for sid in chosen]
    villages = village_coverage(prepared.villages, combined, settings=settings, source=source)
    footprints = gpd.GeoDataFrame({"candidate_id": chosen}, geometry=shapes, crs=crs)
    return villages, footprints


def _pixels_to_shape(flat: np.ndarray, shape: tuple[int, int], transform: Affine):
    """The polygon of some pixels (flat indices)."""
    mask = np.zeros(shape[0] * shape[1], dtype=np.uint8)
    mask[flat] = 1
    grid = mask.reshape(shape)
    polys = [
        shapely.geometry.shape(g)
        for g, v in features.shapes(grid, mask=grid.astype(bool), transform=transform)
        if v == 1
    ]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _result(
    prepared: Prepared,
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    table: gpd.GeoDataFrame,
    chosen: list[str],
    plan: solve.Plan,
    greedy: solve.Plan,
    problem: solve.Problem,
    ids: list[str],
    footprints: gpd.GeoDataFrame,
) -> PlanResult:
    settings = prepared.settings
    n = len(before)
    was = before["covered"].to_numpy(dtype=bool)
    now = after["covered"].to_numpy(dtype=bool)
    pop = (
        before["population"].to_numpy(dtype=float)
        if "population" in before.columns
        else np.zeros(n)
    )
    villages_step, _weight_step = solve.marginal(problem, plan.selected)
    people_step = _people_per_step(problem, plan.selected, pop)
    first = table.drop_duplicates("site_id").set_index("site_id")
    ll = gpd.GeoSeries(first.loc[chosen].geometry.to_numpy(), crs=table.crs).to_crs(4326)
    covered_before = int(was.sum())
    selected = []
    cumulative = covered_before
    for k, sid in enumerate(chosen):
        row = first.loc[sid]
        cumulative += int(villages_step[k])
        techs = sorted(table.loc[table["site_id"] == sid, "technology"].unique())
        selected.append(
            {
                "rank": k + 1,
                "candidate_id": str(sid),
                "kind": str(row["kind"]),
                "lon": round(float(ll.x.iloc[k]), 6),
                "lat": round(float(ll.y.iloc[k]), 6),
                "technology": "/".join(techs),
                "height_m": _float(row.get("height_m")),
                "cost": float(row["cost"]),
                "villages_newly_covered": int(villages_step[k]),
                "population_newly_covered": round(float(people_step[k])),
                "cumulative_coverage_share": cumulative / n if n else None,
            }
        )
    newly = now & ~was
    unreachable = [
        {
            "village_id": str(before["village_id"].iloc[v]),
            "name": _text(before, "name", v),
            "commune_id": _text(before, "commune_id", v),
        }
        for v in plan.unreachable
    ]
    summary = {
        "model": prepared.model.name,
        "rule": settings.describe_rule(),
        "candidates": len(ids),
        "candidates_by_kind": {
            str(k): int(v) for k, v in first["kind"].value_counts().sort_index().items()
        },
        "villages_total": n,
        "villages_uncovered_before": int((~was).sum()),
        "village_coverage_share_before": float(was.mean()) if n else None,
        "village_coverage_share_after": float(now.mean()) if n else None,
        "villages_newly_covered": int(newly.sum()),
        "population_newly_covered": round(float(pop[newly].sum())),
        "selected": selected,
        "sites_selected": len(chosen),
        "cost": float(first.loc[chosen, "cost"].sum()) if chosen else 0.0,
        "solver": plan.solver,
        "optimal": bool(plan.optimal),
        "optimality_gap": plan.gap,
        "bound": plan.bound,
        "greedy_objective": float(greedy.objective),
        "objective_value": float(plan.objective),
        "unreachable_villages": unreachable,
        "status": plan.status,
    }
    rows = table.loc[table["site_id"].isin(chosen)].copy()
    rows["rank"] = rows["site_id"].map({s: k + 1 for k, s in enumerate(chosen)})
    rows = rows.sort_values(["rank", "technology"], kind="stable")
    villages = before[["village_id", "geometry"]].copy()
    for col in ("name", "commune_id", "population"):
        if col in before.columns:
            villages[col] = before[col]
    villages["covered_before"] = was
    villages["covered_after"] = now
    villages["newly_covered"] = newly
    sel = gpd.GeoDataFrame(
        pd.DataFrame(selected), geometry=first.loc[chosen].geometry.to_numpy(), crs=table.crs
    )
    return PlanResult(
        summary=summary,
        selected=sel,
        proposed=rows,
        villages=villages,
        footprints=footprints,
        crs=prepared.projected.crs,
        input_crs=prepared.input_crs,
    )


def _people_per_step(problem: solve.Problem, ranked: list[int], pop: np.ndarray) -> np.ndarray:
    """People of the villages each ranked site newly covers (the sites before it in place)."""
    out, seen = [], np.zeros(len(pop), dtype=bool)
    for k in range(len(ranked)):
        now = solve.newly_covered(problem, ranked[: k + 1])
        out.append(float(pop[now & ~seen].sum()))
        seen |= now
    return np.array(out)


def _float(value) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def _text(frame: pd.DataFrame, column: str, i: int) -> str | None:
    if column not in frame.columns:
        return None
    value = frame[column].iloc[i]
    return None if pd.isna(value) else str(value)
