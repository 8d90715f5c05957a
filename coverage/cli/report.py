"""``coverage report``: the leadership report as one A4 PDF."""

from __future__ import annotations

import time

import click

from ..maps.i18n import LANGUAGES
from .options import layer_options, prepare_run, settings_options, verbosity_options
from .progress import stage_progress


@click.command(short_help="Write the leadership report (one A4 PDF).")
@layer_options
@settings_options
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="vi",
    show_default=True,
    help="Language of the report's words and number formats.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False),
    default="report.pdf",
    show_default=True,
    metavar="FILE.pdf",
    help="The PDF to write.",
)
@verbosity_options
def report(lang, out, **options) -> None:
    """Write the leadership report: headline figures, the map, tables by district and the
    lowest communes, the gap lists, the model and rule in words, the date and the data
    sources, on A4 pages.

    Uses the same inputs, config, model and defaults as `coverage compute`; the
    first DEM is the map's shaded relief. Works offline.

    \b
    $ coverage report                          # demo province, Vietnamese
    $ coverage report --lang en --out report_en.pdf
    $ coverage report --villages thon.gpkg --communes xa.gpkg --sites bts.csv --dem srtm.tif
    """
    from ..api import compute
    from ..exports.pdf import write_report_pdf

    run_ = prepare_run(**options)
    with stage_progress(quiet=run_.quiet) as step:
        result = compute(
            run_.layers, model=run_.model, settings=run_.settings, progress=step, cache=run_.cache
        )
        step("writing the report")
        start = time.perf_counter()
        path = write_report_pdf(result, out, lang=lang, dem=run_.basemap)
    size = path.stat().st_size / 1e6
    click.echo(f"{path} ({size:.1f} MB, written in {time.perf_counter() - start:.1f} s)")
