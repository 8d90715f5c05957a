"""``coverage predict``: coverage rasters (GeoTIFF) for the sites, per technology."""

from __future__ import annotations

import time

import click

from .options import layer_options, prepare_run, settings_options, verbosity_options
from .progress import stage_progress


@click.command(short_help="Write coverage rasters (GeoTIFF) for the sites.")
@layer_options
@settings_options
@click.option(
    "--site", "site_ids", multiple=True, metavar="ID", help="Only these sites (repeatable)."
)
@click.option(
    "--per-site", is_flag=True, help="Also write one raster per selected site and technology."
)
@click.option(
    "--resolution",
    type=float,
    metavar="METRES",
    help="Grid size [default: the DEM's resolution; 100 m without a DEM].",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    default="coverage_rasters",
    show_default=True,
    metavar="DIR",
    help="Output folder.",
)
@verbosity_options
def predict(site_ids, per_site, resolution, out, **options) -> None:
    """Predict received signal on a grid: best server (dBm) and server count per technology.

    Writes best_<tech>.tif (float32 dBm, nodata -9999) and servers_<tech>.tif (number
    of sites at or above the technology's threshold), in the run's metric CRS. The
    grid covers the villages (or the sites) plus the prediction radius.

    \b
    $ coverage predict                            # the demo province, terrain model
    $ coverage predict --model hata -o rasters/
    $ coverage predict --sites bts.csv --villages thon.gpkg --dem N17E106.hgt
    $ coverage predict --site QB0122 --per-site -o one_site/
    """
    from ..api import predict_rasters
    from ..radio.rasters import write_prediction

    run_ = prepare_run(**options)
    settings = run_.settings.replace(resolution_m=resolution)
    start = time.perf_counter()
    with stage_progress(quiet=run_.quiet) as step:
        runs = predict_rasters(
            run_.layers,
            model=run_.model,
            settings=settings,
            sites=site_ids,
            per_site=per_site,
            progress=step,
            cache=run_.cache,
        )
        step("writing rasters")
        written = []
        for prefix, prediction in runs:
            written += write_prediction(prediction, out, prefix=prefix)
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} raster(s) in {time.perf_counter() - start:.1f} s", err=True)
