"""The report stage: the summary behind ``coverage compute --json``, the text report and the maps.

Plain dicts and lists of JSON types, built from the per-village and per-commune tables.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from . import __version__
from .metrics import headline_label, village_summary
from .settings import TECHNOLOGIES, Settings
from .validation import Projected


def _share(part: int, total: int) -> float | None:
    return part / total if total else None


def build_summary(
    villages: gpd.GeoDataFrame,
    communes: pd.DataFrame,
    districts: pd.DataFrame,
    centres: gpd.GeoDataFrame | None,
    postal: gpd.GeoDataFrame | None,
    projected: Projected,
    model_info: dict,
    *,
    settings: Settings,
    model: str,
    sources: dict,
) -> dict:
    """The run's summary: what ``coverage compute --json`` prints (without ``warnings``)."""
    summary: dict = {"coverage_version": __version__, "model": model}
    summary.update(village_summary(villages, settings=settings))
    summary["headline_technologies"] = headline_label(settings)
    summary.update(_connection_summary(centres, postal))
    summary["rule"] = settings.describe_rule()
    summary["crs"] = projected.crs.to_string()
    summary["fibre_distance_m"] = settings.fibre_distance_m
    summary["sites"] = _sites_summary(projected)
    summary["model_info"] = model_info
    summary["by_district"] = _records(districts)
    if len(communes):
        summary["worst_communes"] = _worst_communes(communes)
    summary["gaps"] = _gaps(villages, communes, centres, postal)
    summary["repairs"] = {
        name: dict(layer.repairs)
        for name, layer in (
            ("villages", projected.villages),
            ("communes", projected.communes),
            ("sites", projected.sites),
            ("centres", projected.centres),
            ("postal", projected.postal),
        )
        if layer is not None and layer.repairs
    }
    summary["inputs"] = sources
    return summary


def _connection_summary(centres: gpd.GeoDataFrame | None, postal: gpd.GeoDataFrame | None) -> dict:
    """Commune centres on fibre and postal points with broadband: counts, shares, why."""
    out = _points_summary(
        centres,
        total="commune_centres_total",
        yes="commune_centres_fibre",
        share="commune_centre_fibre_share",
    )
    if centres is not None:
        out["commune_centres_decided_by"] = _counts(centres["decided_by"])
        out["commune_centres_source"] = _counts(centres.get("centre_source", pd.Series(dtype=str)))
    out.update(
        _points_summary(
            postal,
            total="postal_points_total",
            yes="postal_points_broadband",
            share="postal_broadband_share",
        )
    )
    if postal is not None:
        out["postal_points_decided_by"] = _counts(postal["decided_by"])
    return out


def _points_summary(points: gpd.GeoDataFrame | None, *, total: str, yes: str, share: str) -> dict:
    """How many points, how many connected, and the share (None when there are none)."""
    n = 0 if points is None else len(points)
    connected = 0 if points is None else int(points["connected"].sum())
    return {total: n, yes: connected, share: _share(connected, n)}


def _sites_summary(projected: Projected) -> dict:
    """Site rows used, by technology, and those ignored for lying out of reach."""
    sites = projected.sites.frame
    return {
        "rows": len(sites),
        "sites": int(sites["site_id"].nunique()),
        "rows_by_technology": {t: int((sites["technology"] == t).sum()) for t in TECHNOLOGIES},
        "ignored_out_of_reach": projected.sites_out_of_reach,
    }


def _worst_communes(communes: pd.DataFrame, n: int = 10) -> list[dict]:
    """The ``n`` communes with villages and the lowest coverage share."""
    with_villages = communes[communes["villages"] > 0]
    worst = with_villages.sort_values(
        ["coverage_share", "villages"], ascending=[True, False], kind="stable"
    ).head(n)
    columns = ("commune_id", "name", "district", "villages", "villages_covered", "coverage_share")
    return _records(worst[[c for c in columns if c in worst.columns]])


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
