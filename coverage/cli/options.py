"""Options shared by commands: layers (compute, map, predict, check), settings and
verbosity (compute, map, predict), and turning them into a run's inputs."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ..settings import RULES, Settings, load_config
from ._logging import configure_logging

if TYPE_CHECKING:
    from ..layers import Layers

log = logging.getLogger("coverage.cli")


#: What --sites means for compute, map, predict and plan sites.
SITES_HELP = (
    "Cell sites: one row per site x technology (or sector), or an OpenCelliD CSV; "
    "repeat to add files (existing and proposed sites)."
)


def layer_options(func: Callable | None = None, *, sites_help: str = SITES_HELP) -> Callable:
    """--villages --communes --centres --sites --fibre --postal --new-communes --crosswalk
    (FILE or FILE::LAYER); ``@layer_options(sites_help=...)`` says what --sites means."""
    if func is None:
        return functools.partial(layer_options, sites_help=sites_help)
    specs = [
        ("--villages", "Village (thôn/bản) polygons or points."),
        ("--communes", "Commune polygons."),
        ("--centres", "Commune centre points (else a representative point per commune)."),
        ("--postal", "Public postal / service points, optional 'broadband' yes/no."),
        (
            "--new-communes",
            "Polygons of today's (2025) communes, to report by them too "
            "(commune_id, name, province).",
        ),
        (
            "--crosswalk",
            "Table old_commune_id,new_commune_id[,weight,new_name,new_province]: "
            "the villages' communes to today's.",
        ),
    ]
    for name, text in reversed(specs):
        func = click.option(name, metavar="FILE", help=text)(func)
    func = click.option(
        "--sites",
        metavar="FILE",
        multiple=True,
        help=sites_help,
    )(func)
    func = click.option(
        "--fibre",
        metavar="FILE",
        multiple=True,
        help="Fibre nodes and/or routes; repeat for several files.",
    )(func)
    return func


def settings_options(func: Callable) -> Callable:
    """--config --rule --threshold --fibre-distance --crs --csv-crs --encoding --dem
    --model --no-cache --calibration."""
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
            metavar="NAME",
            help="Coverage model: range, hata, terrain (knife-edge over the DEM) or itm "
            "(Longley-Rice ITM on every pixel's DEM profile, about 7x the terrain "
            "model's time; reliability in the config's [itm] section) "
            "[default: terrain with a DEM, else range when every site row gives range_m, "
            "else hata].",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Predict again even when the same inputs and settings were predicted before.",
        ),
        click.option(
            "--calibration",
            type=click.Path(dir_okay=False),
            metavar="TOML",
            help="A calibration.toml from `coverage calibrate --out`: its offsets and "
            "distance slopes are added to the raster models' levels.",
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
    rule: str | None = None,
    threshold: float | None = None,
    fibre_distance: float | None = None,
    crs: str | None = None,
    csv_crs: str | None = None,
    *,
    encoding: str | None = None,
    calibration: str | None = None,
) -> Settings:
    """Defaults < config file < command-line options."""
    from ..settings import read_calibration

    return load_config(
        config,
        rule=rule,
        threshold=threshold,
        fibre_distance_m=fibre_distance,
        crs=crs,
        csv_crs=csv_crs,
        encoding=encoding,
        calibration=None if calibration is None else read_calibration(calibration),
    )


def build_layers(
    villages: str | None,
    communes: str | None,
    centres: str | None,
    sites: tuple[str, ...],
    fibre: tuple[str, ...],
    postal: str | None,
    dem: tuple[str, ...] = (),
    new_communes: str | None = None,
    crosswalk: str | None = None,
    *,
    require_sites: bool = True,
) -> Layers:
    """The layers named on the command line (the demo fills them when --villages is absent)."""
    if villages is not None and not sites and require_sites:
        raise click.UsageError("--sites is required with --villages")
    if villages is None:
        log.info("no --villages: using the demo province for every layer not given")
    from ..layers import Layers  # geopandas: loaded only when a command runs, not for --help

    return Layers(
        villages=villages,
        sites=(sites[0] if len(sites) == 1 else tuple(sites)) if sites else None,
        communes=communes,
        centres=centres,
        fibre=fibre,
        postal=postal,
        dem=dem,
        new_communes=new_communes,
        crosswalk=crosswalk,
    )


@dataclass
class RunSetup:
    """What a command needs to run: layers, settings, model, whether on the demo."""

    layers: Layers
    settings: Settings
    model: str | None
    quiet: bool
    cache: bool

    @property
    def demo(self) -> bool:
        return self.layers.villages is None

    @property
    def basemap(self) -> str | None:
        """The first DEM, as the map's hillshade (the demo's with the demo)."""
        from ..layers import Layers

        dem = self.layers.dem or self.settings.dem
        if not dem and self.demo:
            dem = Layers.demo().dem
        return str(dem[0]) if dem else None


def prepare_run(
    *,
    villages: str | None,
    communes: str | None,
    centres: str | None,
    sites: tuple[str, ...],
    fibre: tuple[str, ...],
    postal: str | None,
    new_communes: str | None,
    crosswalk: str | None,
    config: str | None,
    rule: str | None,
    threshold: float | None,
    fibre_distance: float | None,
    crs: str | None,
    csv_crs: str | None,
    encoding: str | None,
    dem: tuple[str, ...],
    model: str | None,
    no_cache: bool,
    calibration: str | None = None,
    require_sites: bool = True,
) -> RunSetup:
    """Resolve the options shared by compute, map and predict (see the decorators above);
    ``require_sites=False`` for a command whose --sites are not the radio network."""
    quiet = click.get_current_context().meta.get("coverage.quiet", False)
    return RunSetup(
        layers=build_layers(
            villages,
            communes,
            centres,
            sites,
            fibre,
            postal,
            dem,
            new_communes,
            crosswalk,
            require_sites=require_sites,
        ),
        settings=build_settings(
            config,
            rule,
            threshold,
            fibre_distance,
            crs,
            csv_crs,
            encoding=encoding,
            calibration=calibration,
        ),
        model=model,
        quiet=quiet,
        cache=not no_cache,
    )
