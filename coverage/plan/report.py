"""Writing a site plan: the proposed sites (sites schema), a GeoPackage, the curve, JSON.

``proposed_sites.csv`` is in the sites schema, so ``coverage compute --sites existing.csv
--sites proposed_sites.csv`` gives the plan's "after" figure. ``plan.gpkg`` holds the
layers ``proposed_sites`` (one point per site, its rank and gains), ``footprints`` (each
proposed site's 3G/4G coverage) and ``villages`` (covered before, after, newly), which
``coverage map --plan DIR`` draws. ``plan_curve.png`` is the cumulative share of villages
covered against the number of sites; ``plan.json`` the ``--json`` object.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..output import Writer, summary_json, write_files
from ..schema import SCHEMAS
from .sites import PlanResult

#: The files of a plan folder.
PLAN_FILES = ("proposed_sites.csv", "plan.gpkg", "plan_curve.png", "plan.json")

#: Columns of proposed_sites.csv: the sites schema, then the plan's own.
SITE_COLUMNS = (
    *("site_id", "lon", "lat", "technology"),
    *SCHEMAS["sites"].optional,
    *("cost", "kind", "rank"),
)


def proposed_table(result: PlanResult) -> pd.DataFrame:
    """The proposed site rows in the sites schema (lon/lat in WGS 84)."""
    rows = result.proposed
    ll = rows.geometry.to_crs(4326)
    table = pd.DataFrame(rows.drop(columns="geometry"))
    table["lon"], table["lat"] = ll.x.round(7).to_numpy(), ll.y.round(7).to_numpy()
    return table[[c for c in SITE_COLUMNS if c in table.columns]]


def write_plan(result: PlanResult, out_dir: str | os.PathLike) -> list[Path]:
    """Write the plan's files (:data:`PLAN_FILES`) into ``out_dir`` as one set."""
    table = proposed_table(result)
    crs = result.input_crs or result.crs

    def gpkg(path: Path) -> None:
        layers = {
            "proposed_sites": result.selected,
            "footprints": result.footprints,
            "villages": result.villages,
        }
        for k, (name, frame) in enumerate(layers.items()):
            gpd.GeoDataFrame(frame, geometry="geometry", crs=result.crs).to_crs(crs).to_file(
                path, layer=name, driver="GPKG", engine="pyogrio", append=k > 0
            )

    writers: dict[str, Writer] = {
        "proposed_sites.csv": lambda p: table.to_csv(
            p, index=False, lineterminator="\n", encoding="utf-8"
        ),
        "plan.gpkg": gpkg,
        "plan_curve.png": lambda p: write_curve(result, p),
        "plan.json": lambda p: p.write_text(summary_json(result.summary), encoding="utf-8"),
    }
    return write_files(out_dir, writers, replaces=PLAN_FILES)


def write_curve(result: PlanResult, path: Path) -> None:
    """Cumulative share of villages with coverage against the number of proposed sites."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = result.summary
    before = s["village_coverage_share_before"] or 0.0
    shares = [before] + [x["cumulative_coverage_share"] for x in s["selected"]]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    ax.plot(range(len(shares)), [100 * v for v in shares], marker="o", color="#3b528b")
    ax.set_xlabel("proposed sites, best first")
    ax.set_ylabel("villages with 3G/4G (%)")
    optimal = "optimal" if s["optimal"] else f"gap {100 * (s['optimality_gap'] or 0):.1f} %"
    ax.set_title(
        f"{s['sites_selected']} sites: {100 * before:.1f} % → "
        f"{100 * (s['village_coverage_share_after'] or 0):.1f} % ({s['solver']}, {optimal})",
        fontsize=10,
    )
    ax.grid(True, alpha=0.3)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
