"""``coverage map``: the gap map as interactive HTML, leadership HTML, a PNG or a KMZ."""

from __future__ import annotations

import logging
import time

import click

from ..maps.i18n import LANGUAGES
from .options import layer_options, prepare_run, settings_options, verbosity_options
from .progress import stage_progress

log = logging.getLogger(__name__)

DEFAULT_NAMES = {
    "html": "gap_map.html",
    "static": "gap_map_leadership.html",
    "png": "gap_map.png",
    "kmz": "gap_map.kmz",
}


@click.command(short_help="Write the gap map (interactive HTML, leadership HTML, PNG or KMZ).")
@layer_options
@settings_options
@click.option(
    "--static",
    "variant",
    flag_value="static",
    help="Leadership variant: one small self-contained page with tables, for print.",
)
@click.option("--png", "variant", flag_value="png", help="A4 PNG for reports (matplotlib).")
@click.option(
    "--kmz",
    "variant",
    flag_value="kmz",
    help="KMZ for Google Earth: commune shares, gaps, sites, centres and postal points.",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="vi",
    show_default=True,
    help="Language of labels and number formats.",
)
@click.option(
    "--units",
    type=click.Choice(["old", "new"]),
    default="old",
    show_default=True,
    help="Communes to map by: old (before 1 July 2025) or new (today's; needs "
    "--new-communes or --crosswalk, the demo has both). Not for --kmz.",
)
@click.option(
    "--plan",
    "plan_dir",
    type=click.Path(),
    metavar="DIR",
    help="Also draw the plans in DIR: a site plan (`coverage plan sites --out DIR`: the "
    "proposed sites numbered by rank, their footprints, the villages they newly cover), a "
    "fibre plan (`coverage plan fibre --out DIR`: the new cable, the points it reaches, "
    "those no road reaches), or both, each its own layer. Not for --kmz.",
)
@click.option(
    "--measurements",
    "measurements_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also draw measurements (a drive test, a QoS survey: points with technology "
    "and level_dbm or rsrp, rscp, rxlev, ..., as `coverage calibrate` reads them), each "
    "coloured by measured minus predicted level, after --calibration when given; one "
    "layer titled with the points, mean and RMSE. Needs a level model (hata, terrain, "
    "itm). Not for --kmz.",
)
@click.option("--title", help="Page title.")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Output file [default: gap_map.html, gap_map_leadership.html, gap_map.png or "
    "gap_map.kmz].",
)
@verbosity_options
def map_command(variant, lang, units, plan_dir, measurements_file, title, out, **options) -> None:
    """Write the gap map: commune choropleth, uncovered villages, sites, fibre, centres.

    Uses the same inputs, config, model and defaults as `coverage compute`; the
    headline figures on the map come from the same computation. The first DEM is
    also the hillshade basemap. Every variant works offline.

    \b
    $ coverage map                       # interactive planner's map, Vietnamese
    $ coverage map --static --lang en    # leadership page, English
    $ coverage map --png -o report/gaps.png
    $ coverage map --kmz -o gaps.kmz     # for Google Earth
    $ coverage map --static --units new  # by the communes of today (2025)
    $ coverage map --villages thon.gpkg --sites bts.csv --dem srtm.tif
    $ coverage map --plan plan/          # with what `coverage plan sites`/`fibre` wrote
    $ coverage map --png --plan plan/    # the same on the printed map
    $ coverage map --measurements data/boundaries/drive_test.csv  # residuals on the map
    """
    from ..api import compute
    from ..exports.kmz import write_kmz
    from ..maps import gap_map, write_map
    from ..maps.measure_layer import read_measurements
    from ..maps.plan_layer import read_plan
    from ..maps.png import gap_png
    from ..pipeline import collected_warnings

    variant = variant or "html"
    run_ = prepare_run(**options)
    layers = run_.layers
    if (
        units == "new"
        and not run_.demo
        and layers.new_communes is None
        and layers.crosswalk is None
    ):
        raise click.UsageError(
            "--units new needs the communes of today: give --new-communes or --crosswalk"
        )
    if units == "new" and variant == "kmz":
        raise click.UsageError("--units new is not available with --kmz (it maps the old communes)")
    if plan_dir is not None and variant == "kmz":
        raise click.UsageError("--plan is not available with --kmz")
    if measurements_file is not None and variant == "kmz":
        raise click.UsageError("--measurements is not available with --kmz")
    plan = read_plan(plan_dir) if plan_dir is not None else None  # before the long compute
    basemap = run_.basemap
    target = out or DEFAULT_NAMES[variant]
    with stage_progress(quiet=run_.quiet) as step:
        measurements = None
        if measurements_file is not None:  # before the long compute: a bad file fails fast
            # the layers' warnings are the compute's too: it logs them once, below
            with collected_warnings(log=False):
                measurements = read_measurements(
                    layers,
                    measurements_file,
                    model=run_.model,
                    settings=run_.settings,
                    progress=step,
                )
            if measurements.rejected:
                left = ", ".join(f"{n} {r}" for r, n in measurements.rejected.items())
                log.warning("%s: measurements left out: %s", measurements_file, left)
        result = compute(
            run_.layers, model=run_.model, settings=run_.settings, progress=step, cache=run_.cache
        )
        step("drawing the map")
        start = time.perf_counter()
        if variant == "png":
            path = gap_png(
                result,
                target,
                lang=lang,
                dem=basemap,
                title=title,
                units=units,
                plan=plan,
                measurements=measurements,
            )
        elif variant == "kmz":
            path = write_kmz(result, target, lang=lang, title=title)
        else:
            m = gap_map(
                result,
                lang=lang,
                static=variant == "static",
                dem=basemap,
                title=title,
                demo=run_.demo,
                units=units,
                plan=plan,
                measurements=measurements,
            )
            path = write_map(m, target)
    size = path.stat().st_size / 1e6
    click.echo(f"{path} ({size:.1f} MB, drawn in {time.perf_counter() - start:.1f} s)")
