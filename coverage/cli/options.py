"""Options shared by commands. Used by: compute (and later map, predict, check)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .. import datasets
from ..settings import RULES, Settings, load_config
from ._logging import configure_logging

log = logging.getLogger("coverage.cli")


def layer_options(func: Callable) -> Callable:
    """--villages --communes --centres --sites --fibre --postal (FILE or FILE::LAYER)."""
    specs = [
        ("--villages", "Village (thôn/bản) polygons or points."),
        ("--communes", "Commune polygons."),
        ("--centres", "Commune centre points (else a representative point per commune)."),
        ("--sites", "Cell sites: one row per site x technology (or sector), or an OpenCelliD CSV."),
        ("--postal", "Public postal / service points, optional 'broadband' yes/no."),
    ]
    for name, text in reversed(specs):
        func = click.option(name, metavar="FILE", help=text)(func)
    func = click.option(
        "--fibre",
        metavar="FILE",
        multiple=True,
        help="Fibre nodes and/or routes; repeat for several files.",
    )(func)
    return func


def settings_options(func: Callable) -> Callable:
    """--config --rule --threshold --fibre-distance --crs --csv-crs --dem --model."""
    opts = [
        click.option(
            "--config",
            type=click.Path(dir_okay=False),
            metavar="TOML",
            help="Config file (thresholds, rules, ranges); options given here win.",
        ),
        click.option(
            "--rule", type=click.Choice(RULES), help="Village-covered rule [default: area]."
        ),
        click.option(
            "--threshold",
            type=float,
            help="Covered share needed by the area/population rule [default: 0.5].",
        ),
        click.option(
            "--fibre-distance",
            type=float,
            metavar="METRES",
            help="Fibre within this distance connects a point [default: 500].",
        ),
        click.option(
            "--crs",
            metavar="CRS",
            help="Metric CRS for measuring [default: UTM zone of the villages].",
        ),
        click.option(
            "--csv-crs",
            metavar="CRS",
            help="CRS of coordinates in CSV inputs [default: EPSG:4326].",
        ),
        click.option(
            "--encoding",
            type=click.Choice(["auto", "utf-8", "cp1258", "tcvn3", "vni"]),
            help="Attribute text encoding [default: auto: UTF-8, legacy TCVN3/VNI/"
            "Windows-1258 Vietnamese detected and converted].",
        ),
        click.option(
            "--dem",
            metavar="FILE",
            multiple=True,
            help="DEM GeoTIFF / SRTM .hgt tile(s) for the terrain model and the basemap; "
            "repeat to mosaic [default: the demo's DEM with the demo].",
        ),
        click.option(
            "--model",
            type=click.Choice(["range", "hata", "terrain", "itm"]),
            help="Coverage model: range, hata, terrain (knife-edge over the DEM) or itm "
            "(Longley-Rice ITM on every pixel's DEM profile, about 7x the terrain "
            "model's time; reliability in the config's [itm] section) "
            "[default: terrain with a DEM, else hata].",
        ),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def verbosity_options(func: Callable) -> Callable:
    """-v/--verbose (repeatable) and -q/--quiet, applied before the command runs."""

    @click.option("-v", "--verbose", count=True, help="More log output; -v also shows tracebacks.")
    @click.option("-q", "--quiet", is_flag=True, help="No progress display or warnings on stderr.")
    @functools.wraps(func)
    def wrapper(*args: Any, verbose: int, quiet: bool, **kwargs: Any):
        ctx = click.get_current_context()
        ctx.meta["coverage.verbose"] = verbose > 0
        ctx.meta["coverage.quiet"] = quiet
        configure_logging(verbose, quiet)
        return func(*args, **kwargs)

    return wrapper


def build_settings(
    config: str | None,
    rule: str | None,
    threshold: float | None,
    fibre_distance: float | None,
    crs: str | None,
    csv_crs: str | None,
    dem: tuple[str, ...] = (),
    *,
    demo: bool = False,
    encoding: str | None = None,
) -> Settings:
    """Defaults < config file < command-line options; the demo brings its own DEM."""
    settings = load_config(
        config,
        rule=rule,
        threshold=threshold,
        fibre_distance_m=fibre_distance,
        crs=crs,
        csv_crs=csv_crs,
        dem=tuple(dem) or None,
        encoding=encoding,
    )
    if demo and not settings.dem:
        settings = settings.replace(dem=(str(datasets.get_path("dem")),))
    return settings


def choose_model(model: str | None, settings: Settings) -> str:
    """The model asked for, else the best the inputs allow: terrain with a DEM, else hata."""
    if model:
        return model
    chosen = "terrain" if settings.dem else "hata"
    log.info("model: %s (%s)", chosen, "a DEM is available" if settings.dem else "no DEM")
    return chosen


def resolve_layers(
    villages: str | None,
    communes: str | None,
    centres: str | None,
    sites: str | None,
    fibre: tuple[str, ...],
    postal: str | None,
) -> dict:
    """Return the layer paths; without --villages the demo province fills every layer not given."""
    given = {
        "villages": villages,
        "communes": communes,
        "centres": centres,
        "sites": sites,
        "fibre": list(fibre) or None,
        "postal": postal,
    }
    if villages is None:
        demo = datasets.demo_layers()
        used = [k for k, v in given.items() if v is None]
        log.info("no --villages: using the demo province for %s", ", ".join(used))
        return {k: (v if v is not None else demo[k]) for k, v in given.items()}
    if sites is None:
        raise click.UsageError("--sites is required with --villages")
    given["fibre"] = given["fibre"] or []
    return given


def is_demo(path: Any) -> bool:
    """True when a path points into the demo province."""
    try:
        return Path(path).resolve().parent == datasets.data_dir().resolve()
    except Exception:
        return False


@dataclass
class RunSetup:
    """What a command needs to run: layer paths, settings, model, whether on the demo."""

    layers: dict
    settings: Settings
    model: str
    demo: bool
    quiet: bool


def prepare_run(
    *,
    villages: str | None,
    communes: str | None,
    centres: str | None,
    sites: str | None,
    fibre: tuple[str, ...],
    postal: str | None,
    config: str | None,
    rule: str | None,
    threshold: float | None,
    fibre_distance: float | None,
    crs: str | None,
    csv_crs: str | None,
    encoding: str | None,
    dem: tuple[str, ...],
    model: str | None,
) -> RunSetup:
    """Resolve the options shared by compute, map and predict (see the decorators above)."""
    layers = resolve_layers(villages, communes, centres, sites, fibre, postal)
    demo = is_demo(layers["villages"])
    settings = build_settings(
        config, rule, threshold, fibre_distance, crs, csv_crs, dem, demo=demo, encoding=encoding
    )
    quiet = click.get_current_context().meta.get("coverage.quiet", False)
    return RunSetup(
        layers=layers,
        settings=settings,
        model=choose_model(model, settings),
        demo=demo,
        quiet=quiet,
    )
