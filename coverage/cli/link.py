"""``coverage link``: point-to-point analysis from a site to a receiver over the DEM."""

from __future__ import annotations

import json

import click

from .. import datasets
from ..settings import TECHNOLOGIES, load_config
from .options import verbosity_options


def _lonlat(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"expected LON,LAT in degrees, got {text!r}") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise click.BadParameter(f"{text!r} is not a longitude,latitude pair")
    return lon, lat


@click.command(short_help="Profile, clearance and path loss between a site and a receiver.")
@click.option("--from", "tx", required=True, metavar="LON,LAT", help="Site (transmitter).")
@click.option("--to", "rx", required=True, metavar="LON,LAT", help="Receiver (e.g. a village).")
@click.option("--technology", type=click.Choice(TECHNOLOGIES), default="4G", show_default=True)
@click.option(
    "--frequency",
    type=float,
    metavar="MHZ",
    help="Carrier frequency [default: the technology's usual band].",
)
@click.option("--height", type=float, metavar="M", help="Site antenna height [default: 30].")
@click.option("--eirp", type=float, metavar="DBM", help="EIRP [default per technology].")
@click.option("--dem", metavar="FILE", multiple=True, help="DEM file(s) [default: the demo's DEM].")
@click.option("--config", type=click.Path(dir_okay=False), metavar="TOML")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    metavar="PNG",
    help="Draw the profile chart to this PNG.",
)
@verbosity_options
def link(tx, rx, technology, frequency, height, eirp, dem, config, as_json, plot) -> None:
    """Why is this village uncovered? The terrain between a site and a point.

    Prints what the profile shows (line of sight, one horizon or two horizons, with earth
    curvature) and the height of the highest terrain above the direct ray (negative: the
    clearance), the path loss of each model (free space, Hata/COST-231, terrain with
    Bullington and Deygout diffraction, Longley-Rice ITM with its smooth-earth region,
    horizons and terrain irregularity) and the received level against the technology's
    threshold.

    \b
    $ coverage link --from 106.55,17.45 --to 106.60,17.48
    $ coverage link --from 106.55,17.45 --to 106.60,17.48 --technology 2G --json
    $ coverage link --from 106.55,17.45 --to 106.60,17.48 --plot profile.png --dem N17E106.hgt
    """
    from ..radio.link import analyse_link, plot_link

    settings = load_config(config)
    paths = list(dem) or [str(datasets.get_path("dem"))]
    report = analyse_link(
        paths,
        _lonlat(tx),
        _lonlat(rx),
        technology=technology,
        frequency_mhz=frequency,
        tx_height_m=height,
        eirp_dbm=eirp,
        settings=settings,
    )
    if plot:
        plot_link(report, plot)
        click.echo(f"wrote {plot}", err=True)
    data = report.to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{data['distance_m'] / 1000:.2f} km, {technology} {data['frequency_mhz']:g} MHz; "
        f"site ground {data['tx']['ground_m']:g} m + {data['tx']['antenna_m']:g} m, "
        f"receiver ground {data['rx']['ground_m']:g} m + {data['rx']['antenna_m']:g} m"
    )
    click.echo(_profile_text(data))
    for name, value in data["path_loss_db"].items():
        click.echo(f"  {name:<28} {value:7.1f} dB")
    itm = data.get("itm") or {}
    if itm:
        own = itm["profile"]
        shows = own["shows"]
        terrain = (
            ""
            if own["obstruction_above_ray_m"] is None
            else f", terrain {own['obstruction_above_ray_m']:+.1f} m above the ray"
        )
        d0, d1 = itm["horizon_distance_m"]
        a0, a1 = itm["horizon_angle_mrad"]
        h0, h1 = itm["effective_height_m"]
        click.echo(
            f"  itm (smooth-earth {itm['mode']} region; its profile shows {shows}{terrain}): "
            f"horizons {d0 / 1000:.2f} km ({a0:.1f} mrad) from the site, "
            f"{d1 / 1000:.2f} km ({a1:.1f} mrad) from the receiver; delta h "
            f"{itm['delta_h_m']:.0f} m; effective heights {h0:.1f} / {h1:.1f} m; "
            f"{itm['warning']}"
        )
        if (itm["mode"] == "line of sight") != (shows == "line of sight"):
            click.echo(
                "  note: ITM's region comes from its smooth-earth fit of the profile "
                "(effective heights), not from the terrain's own horizons"
            )
    verdict = "covered" if data["covered"] else "NOT covered"
    click.echo(
        f"received ({data['model']}): {data['received_dbm'][data['model']]:.1f} dBm, "
        f"threshold {data['threshold_dbm']:g} dBm -> {verdict}"
    )


def _profile_text(data: dict) -> str:
    """One line: what the profile shows, its horizons and the highest terrain vs the ray."""
    profile = data["profile"]
    shows = profile["shows"]
    line = f"profile (earth curvature k = {data['k_factor']:.3g}): {shows}"
    horizons = profile["horizon_distance_m"]
    if horizons is not None:
        tx, rx = (v / 1000 for v in horizons)
        if shows == "one horizon":
            line += f" at {tx:.2f} km from the site ({rx:.2f} km from the receiver)"
        else:
            line += f", {tx:.2f} km from the site and {rx:.2f} km from the receiver"
    height = profile["obstruction_above_ray_m"]
    if height is None:
        return line + "; no terrain samples between the ends"
    line += (
        f"; highest terrain {height:+.1f} m above the direct ray (negative = clearance) "
        f"at {profile['obstruction_distance_m'] / 1000:.2f} km"
    )
    if shows == "line of sight":
        line += f", {data['min_clearance_fresnel']:.2f} of the first Fresnel zone"
    return line
