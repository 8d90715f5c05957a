"""``coverage calibrate``: compare the model with measurements, calibrate it, report the error."""

from __future__ import annotations

import click

from ._report import finish
from .options import layer_options, prepare_run, settings_options, verbosity_options
from .progress import stage_progress


@click.command(short_help="Compare the model with measurements and calibrate it.")
@layer_options
@settings_options
@click.option(
    "--measurements",
    "measurements_file",
    required=True,
    metavar="FILE",
    help="Measured levels: points (CSV lon/lat or any GIS layer) with technology and "
    "level_dbm (or rsrp, rscp, rxlev, signal, muc_thu, ...), optional site_id, time.",
)
@click.option("--per-site", is_flag=True, help="Also fit per-site offsets (shrunk).")
@click.option(
    "--folds",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Cross-validation folds.",
)
@click.option(
    "--folds-by",
    type=click.Choice(["site", "area"]),
    default="site",
    show_default=True,
    help="Folds of whole sites, or of square blocks of the area.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write calibration.toml, measurements.gpkg, two PNG plots, calibration.json.",
)
@verbosity_options
def calibrate(measurements_file, per_site, folds, folds_by, as_json, out, **options) -> None:
    """Compare the model's predicted levels with measurements (drive tests, QoS surveys):
    the error before, a calibration (an offset and a distance slope per technology,
    optionally per-site offsets), the error after, and the error cross-validated on
    folds of whole sites or areas.

    \b
    $ coverage calibrate --measurements data/boundaries/drive_test.csv
    $ coverage calibrate --measurements do_kiem.csv --model itm --per-site --out cal/
    $ coverage calibrate --measurements scans.gpkg --folds-by area --json
    """
    from ..calibration_report import write_calibration
    from ..measurements import calibrate as run_calibration
    from ..pipeline import collected_warnings

    run_ = prepare_run(**options)
    with stage_progress(quiet=run_.quiet) as step, collected_warnings() as messages:
        result = run_calibration(
            run_.layers,
            measurements_file,
            model=run_.model,
            settings=run_.settings,
            per_site=per_site,
            folds=folds,
            folds_by=folds_by,
            progress=step,
        )
    finish(
        result.summary,
        messages,
        out=out,
        write=lambda d: write_calibration(result, d),
        as_json=as_json,
        show=print_calibration,
    )


def print_calibration(s: dict, console) -> None:
    """The comparison as text."""

    def line(name: str, x: dict) -> str:
        return (
            f"  {name:<16} mean error {x['mean_error_db']:+6.2f} dB   RMSE {x['rmse_db']:5.2f} dB"
            f"   std {x['std_db']:5.2f} dB"
        )

    console.print(
        f"Model {s['model']} against {s['points_used']:,} measurements "
        f"({s['points_rejected']:,} left out"
        + (": " + ", ".join(f"{n} {r}" for r, n in s["rejected"].items()) if s["rejected"] else "")
        + ")"
    )
    console.print(line("before", s["before"]))
    console.print(line("after", s["after"]))
    cv = s["cross_validation"]
    console.print(
        f"  {'cross-validated':<16} RMSE {s['cross_validated_rmse_db']:5.2f} dB "
        f"({cv['folds']} folds by {cv['by']})"
    )
    for tech, offset in s["offset_db"].items():
        slope = s["slope_db_per_decade"].get(tech, 0.0)
        console.print(f"  {tech}: offset {offset:+.2f} dB, slope {slope:+.2f} dB per decade")
    console.print("  (error = predicted - measured: positive when the model is too optimistic)")
