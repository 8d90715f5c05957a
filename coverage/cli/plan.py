"""``coverage plan sites``: where new sites (or upgrades) close the most coverage gaps."""

from __future__ import annotations

import click

from ._report import finish
from .options import layer_options, prepare_run, settings_options, verbosity_options
from .progress import stage_progress


@click.group(short_help="Plan new sites that close the coverage gaps.")
def plan() -> None:
    """Plan what to build to close the gaps (new sites, upgrades)."""


@plan.command(short_help="Choose new sites or upgrades that cover the most villages.")
@layer_options
@settings_options
@click.option(
    "--candidates",
    "candidates_file",
    metavar="FILE",
    help="Candidate sites in the sites schema (optional 'cost' column).",
)
@click.option(
    "--auto-candidates",
    is_flag=True,
    help="Generate candidates near the uncovered villages: DEM high points, upgrades of "
    "existing sites, a grid ([plan] settings).",
)
@click.option("--max-sites", type=click.IntRange(min=0), metavar="K", help="Build at most K.")
@click.option("--budget", type=click.FloatRange(min=0), metavar="X", help="Total cost at most X.")
@click.option(
    "--cover-all",
    is_flag=True,
    help="The fewest sites (least cost) covering every uncovered village that can be covered.",
)
@click.option(
    "--objective",
    type=click.Choice(["villages", "population"]),
    default="villages",
    show_default=True,
    help="What --max-sites / --budget maximise.",
)
@click.option(
    "--eligible",
    metavar="COLUMN",
    help="A yes/no column of the villages: only those marked yes are planned for.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write proposed_sites.csv (sites schema), plan.gpkg, plan_curve.png, plan.json.",
)
@verbosity_options
def sites(
    candidates_file,
    auto_candidates,
    max_sites,
    budget,
    cover_all,
    objective,
    eligible,
    as_json,
    out,
    **options,
) -> None:
    """Choose new sites among candidates: the most villages (or people) for K sites or a
    budget, or the least that covers every uncovered village. The same inputs, settings
    and model as `coverage compute`; a greedy plan, then an exact MILP (HiGHS) that
    proves it optimal or reports its gap.

    \b
    $ coverage plan sites --auto-candidates --max-sites 20
    $ coverage plan sites --candidates towers.csv --budget 12 --objective population
    $ coverage plan sites --auto-candidates --cover-all --eligible has_power --out plan/
    $ coverage compute --sites bts.csv --sites plan/proposed_sites.csv   # the figure after
    """
    from ..pipeline import collected_warnings
    from ..plan.report import write_plan
    from ..plan.sites import plan_sites

    run_ = prepare_run(**options)
    if not candidates_file and not auto_candidates:
        raise click.UsageError("give --candidates FILE and/or --auto-candidates")
    if (max_sites is not None) + (budget is not None) + bool(cover_all) != 1:
        raise click.UsageError("give exactly one of --max-sites, --budget and --cover-all")
    with stage_progress(quiet=run_.quiet) as step, collected_warnings() as messages:
        result = plan_sites(
            run_.layers.over_demo(),
            candidates=candidates_file,
            auto_candidates=auto_candidates,
            max_sites=max_sites,
            budget=budget,
            cover_all=cover_all,
            objective=objective,
            eligible=eligible,
            model=run_.model,
            settings=run_.settings,
            progress=step,
            use_cache=run_.cache,
        )
    finish(
        result.summary,
        messages,
        out=out,
        write=lambda d: write_plan(result, d),
        as_json=as_json,
        show=print_plan,
    )


def print_plan(s: dict, console) -> None:
    """The plan as text: before/after, the solver's proof, the ranked sites."""
    from rich.table import Table

    from ._report import pct

    console.print(
        f"[bold]Site plan[/bold]  (model: {s['model']}, {s['candidates']:,} candidates)",
    )
    if s["status"]:
        console.print(s["status"])
    console.print(
        f"Villages with 3G/4G: {pct(s['village_coverage_share_before'])} → "
        f"{pct(s['village_coverage_share_after'])}  (+{s['villages_newly_covered']:,} villages, "
        f"+{s['population_newly_covered']:,} people) with {s['sites_selected']} site(s), "
        f"cost {s['cost']:g}"
    )
    proof = (
        "optimal (proved)"
        if s["optimal"]
        else f"gap {100 * s['optimality_gap']:.2f} %"
        if s["optimality_gap"] is not None
        else "optimality not proved"
    )
    console.print(f"Solver: {s['solver']}, {proof}")
    table = Table(title="Proposed sites, best first", title_justify="left", show_edge=False)
    for name, justify in (
        ("#", "right"),
        ("Candidate", "left"),
        ("Kind", "left"),
        ("Lon", "right"),
        ("Lat", "right"),
        ("Tech", "left"),
        ("Height", "right"),
        ("Villages", "right"),
        ("People", "right"),
        ("Cumulative", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for x in s["selected"]:
        table.add_row(
            str(x["rank"]),
            x["candidate_id"],
            x["kind"],
            f"{x['lon']:.5f}",
            f"{x['lat']:.5f}",
            x["technology"],
            "" if x["height_m"] is None else f"{x['height_m']:g} m",
            f"{x['villages_newly_covered']:,}",
            f"{x['population_newly_covered']:,}",
            pct(x["cumulative_coverage_share"]),
        )
    if s["selected"]:
        console.print(table)
    if s["unreachable_villages"]:
        names = ", ".join(v["name"] or v["village_id"] for v in s["unreachable_villages"][:10])
        more = len(s["unreachable_villages"]) - 10
        console.print(
            f"Villages no candidate reaches ({len(s['unreachable_villages'])}): {names}"
            + (f" … and {more} more" if more > 0 else "")
        )


@plan.command(short_help="Route fibre to the centres and postal points that lack it.")
@layer_options(
    sites_help="Sites needing backhaul (e.g. a site plan's proposed_sites.csv), added to "
    "the targets; repeat for several files."
)
@settings_options
@click.option(
    "--roads",
    metavar="FILE",
    help="Road lines (GeoPackage, Shapefile, GeoJSON, OSM .pbf; FILE::LAYER) "
    "[default: the demo's roads with the demo; else straight lines, with a warning].",
)
@click.option(
    "--targets",
    type=click.Choice(["centres", "postal", "both"]),
    default="both",
    show_default=True,
    help="Commune centres without fibre, postal points without broadband, or both.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write fibre.gpkg, fibre_routes.csv, fibre_targets.csv, fibre_plan.json.",
)
@verbosity_options
def fibre(roads, targets, as_json, out, **options) -> None:
    """Route new fibre from the existing network to the commune centres without fibre and
    the postal points without broadband (as `coverage compute` decides them), along the
    roads: a Steiner tree over the road graph (shared trenches counted once), with a lower
    bound on the shortest possible network, km and cost per target.

    \b
    $ coverage plan fibre
    $ coverage plan fibre --targets centres --json
    $ coverage plan fibre --roads roads.osm.pbf --villages thon.gpkg --communes xa.gpkg \\
        --fibre cap_quang.gpkg --out plan/
    $ coverage plan fibre --sites plan/proposed_sites.csv --out plan/   # backhaul too
    """
    from ..pipeline import collected_warnings
    from ..plan.fibre import plan_fibre
    from ..plan.fibre_report import write_fibre_plan

    backhaul = options["sites"]
    run_ = prepare_run(require_sites=False, **options)
    with stage_progress(quiet=run_.quiet) as step, collected_warnings() as messages:
        result = plan_fibre(
            run_.layers.replace(sites=None),
            roads=roads,
            targets=targets,
            sites=tuple(backhaul) or None,
            settings=run_.settings,
            progress=step,
        )
    finish(
        result.summary,
        messages,
        out=out,
        write=lambda d: write_fibre_plan(result, d),
        as_json=as_json,
        show=print_fibre,
    )


def print_fibre(s: dict, console) -> None:
    """The fibre plan as text: totals, the bound, each target's km and cost share."""
    from rich.table import Table

    cur = s["currency"]
    console.print(
        f"[bold]Fibre plan[/bold]  ({s['targets_total']:,} targets: "
        + ", ".join(f"{v} {k}" for k, v in s["targets_by_kind"].items())
        + ")"
    )
    proof = "optimal (proved)" if s["optimal"] else f"lower bound {s['lower_bound_km']:,.1f} km"
    console.print(
        f"New cable: {s['total_km']:,.1f} km ({proof}), cost {s['total_cost']:,.0f} {cur}; "
        f"{s['targets_connected']:,} of {s['targets_total']:,} targets connected"
    )
    table = Table(title="Targets, farthest first", title_justify="left", show_edge=False)
    for name, justify in (
        ("Target", "left"),
        ("Kind", "left"),
        ("Name", "left"),
        ("km to network", "right"),
        (f"Cost share ({cur})", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    reached = [t for t in s["targets"] if t["km_to_network"] is not None]
    for t in sorted(reached, key=lambda t: -t["km_to_network"]):
        table.add_row(
            t["id"],
            t["kind"],
            t["name"] or "",
            f"{t['km_to_network']:,.2f}",
            f"{t['cost_share']:,.0f}",
        )
    if reached:
        console.print(table)
    if s["unreachable"]:
        names = ", ".join(t["name"] or t["id"] for t in s["unreachable"][:10])
        more = len(s["unreachable"]) - 10
        console.print(
            f"Unreachable by road ({len(s['unreachable'])}): {names}"
            + (f" … and {more} more" if more > 0 else "")
        )
