"""Writing a calibration: ``calibration.toml``, the measurements with their residuals, two
plots and the JSON.

``calibration.toml`` is :meth:`coverage.calibration.Calibration.to_toml`'s text;
``measurements.gpkg`` (layer ``measurements``) holds every usable measurement with its
predicted, calibrated and measured levels and the residuals (measured - predicted) before
and after; ``calibration_scatter.png`` plots predicted against measured levels before and
after, ``calibration_residuals.png`` the residuals against distance with the fitted line;
``calibration.json`` is the ``--json`` object.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np

from .measurements import CalibrationRun
from .output import Writer, summary_json, write_files

#: The files of a calibration folder.
CALIBRATION_FILES = (
    "calibration.toml",
    "measurements.gpkg",
    "calibration_scatter.png",
    "calibration_residuals.png",
    "calibration.json",
)


def write_calibration(run: CalibrationRun, out_dir: str | os.PathLike) -> list[Path]:
    """Write the calibration's files (:data:`CALIBRATION_FILES`) into ``out_dir`` as one set."""

    def gpkg(path: Path) -> None:
        gpd.GeoDataFrame(run.points, geometry="geometry", crs=run.crs).to_crs(4326).to_file(
            path, layer="measurements", driver="GPKG", engine="pyogrio"
        )

    writers: dict[str, Writer] = {
        "calibration.toml": lambda p: p.write_text(run.calibration.to_toml(), encoding="utf-8"),
        "measurements.gpkg": gpkg,
        "calibration_scatter.png": lambda p: scatter(run, p),
        "calibration_residuals.png": lambda p: residuals(run, p),
        "calibration.json": lambda p: p.write_text(summary_json(run.summary), encoding="utf-8"),
    }
    return write_files(out_dir, writers, replaces=CALIBRATION_FILES)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def scatter(run: CalibrationRun, path: Path) -> None:
    """Predicted against measured level, before and after calibration, per technology."""
    plt = _pyplot()
    pts = run.points
    s = run.summary
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), dpi=120, sharex=True, sharey=True)
    lo = float(np.nanmin(pts[["measured_dbm", "predicted_dbm", "calibrated_dbm"]].to_numpy()))
    hi = float(np.nanmax(pts[["measured_dbm", "predicted_dbm", "calibrated_dbm"]].to_numpy()))
    colours = {"2G": "#5b6abf", "3G": "#e08a2e", "4G": "#2a9d8f", "5G": "#c2185b"}
    for ax, column, title in (
        (axes[0], "predicted_dbm", f"before: RMSE {s['before']['rmse_db']:.1f} dB"),
        (axes[1], "calibrated_dbm", f"after: RMSE {s['after']['rmse_db']:.1f} dB"),
    ):
        for tech, part in pts.groupby("technology", sort=True):
            ax.scatter(
                part[column],
                part["measured_dbm"],
                s=4,
                alpha=0.4,
                label=str(tech),
                color=colours.get(str(tech), "#555555"),
                linewidths=0,
            )
        ax.plot([lo, hi], [lo, hi], color="#333333", lw=1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"{s['model']} model (dBm)")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("measured (dBm)")
    axes[0].legend(markerscale=3, fontsize=8, loc="upper left")
    cv = s["cross_validated_rmse_db"]
    fig.suptitle(
        f"{s['points_used']:,} measurements; cross-validated RMSE {cv:.1f} dB", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def residuals(run: CalibrationRun, path: Path) -> None:
    """Residual (measured - predicted) against distance, with each technology's fit."""
    plt = _pyplot()
    pts = run.points
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    colours = {"2G": "#5b6abf", "3G": "#e08a2e", "4G": "#2a9d8f", "5G": "#c2185b"}
    km = np.maximum(pts["distance_m"].to_numpy() / 1000.0, 1e-3)
    for tech, part in pts.groupby("technology", sort=True):
        colour = colours.get(str(tech), "#555555")
        d = np.maximum(part["distance_m"].to_numpy() / 1000.0, 1e-3)
        ax.scatter(d, part["residual_db"], s=4, alpha=0.35, color=colour, linewidths=0)
        a = run.calibration.offset_db.get(str(tech))
        b = run.calibration.slope_db_per_decade.get(str(tech), 0.0)
        if a is not None:
            line = np.geomspace(max(km.min(), 0.01), km.max(), 50)
            ax.plot(
                line,
                a + b * np.log10(line),
                color=colour,
                lw=2,
                label=f"{tech}: {a:+.1f} dB {b:+.1f} dB/decade",
            )
    ax.axhline(0, color="#333333", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("distance to the serving site (km)")
    ax.set_ylabel("measured - predicted (dB)")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
