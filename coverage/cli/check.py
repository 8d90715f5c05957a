"""``coverage check``: validate the input layers like a linter, computing nothing."""

from __future__ import annotations

import click

from .options import build_layers, build_settings, layer_options, verbosity_options


@click.command(short_help="Report every problem in the input layers, computing nothing.")
@layer_options
@click.option("--config", type=click.Path(dir_okay=False), metavar="TOML")
@click.option("--csv-crs", metavar="CRS", help="CRS of coordinates in CSV inputs.")
@click.option(
    "--encoding",
    type=click.Choice(["auto", "utf-8", "cp1258", "tcvn3", "vni"]),
    help="Attribute text encoding [default: auto].",
)
@click.option("--dem", metavar="FILE", multiple=True, help="DEM tile(s); repeat to mosaic.")
@click.option("--model", metavar="NAME", help="Check for this model [default: as compute].")
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings (repairs) too.")
@verbosity_options
def check(
    villages,
    communes,
    centres,
    sites,
    fibre,
    postal,
    new_communes,
    crosswalk,
    config,
    csv_crs,
    encoding,
    dem,
    model,
    strict,
) -> None:
    """Check the layers: formats, CRS, columns, values, geometry, cross-layer consistency.

    Prints one line per problem: errors (a run would refuse the data) and warnings
    (a run would repair or fall back, and say so). Exit code 2 when there are errors;
    with --strict also 1 when there are only warnings.

    \b
    $ coverage check --villages thon.gpkg --communes xa.shp --sites bts.csv
    $ coverage check --villages thon.gpkg --sites bts.csv --strict
    """
    from ..api import check as check_api

    layers = build_layers(
        villages, communes, centres, sites, fibre, postal, dem, new_communes, crosswalk
    )
    settings = build_settings(config, csv_crs=csv_crs, encoding=encoding)
    report = check_api(layers, model=model, settings=settings)
    for line in report.errors:
        click.echo(f"error: {line}")
    for line in report.warnings:
        click.echo(f"warning: {line}")
    counts = ", ".join(f"{n:,} {name}" for name, n in report.features.items())
    click.echo(
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        + (f" in {counts}" if counts else ""),
        err=True,
    )
    if report.errors:
        click.get_current_context().exit(2)
    if strict and report.warnings:
        click.get_current_context().exit(1)
