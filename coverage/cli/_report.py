"""Plain-text rendering of a run's summary for the terminal (stdout)."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from ..settings import TECHNOLOGIES

#: Rows shown in gap tables before "... and N more".
MAX_ROWS = 15


def pct(value: float | None) -> str:
    """Format a share as a percentage with one decimal, or an em dash."""
    return "—" if value is None else f"{100 * value:.1f}%"


def ratio(part: int, total: int, share: float | None) -> str:
    """Format ``1,368 / 1,400 (97.7%)``."""
    return f"{part:,} / {total:,} ({pct(share)})"


def finish(
    summary: dict,
    warnings: list[str],
    *,
    out: str | None,
    write: Callable[[str], list],
    as_json: bool,
    show: Callable[[dict, Console], None],
) -> None:
    """The end of a planning or calibration command: the run's ``warnings`` into the
    summary, ``out`` written (each file named on stderr), then the JSON or the text
    (``show``) on stdout."""
    import click

    from ..output import summary_json

    summary["warnings"] = warnings

    if out:
        for path in write(out):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        click.echo(summary_json(summary), nl=False)
        return
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=True, width=120)
    show(summary, console)


def print_summary(summary: dict, console: Console, *, title: str) -> None:
    """Print headline shares, the per-district table and the worst communes."""
    label = summary["headline_technologies"]
    _print_headline(summary, console, title=title)
    districts = summary.get("by_district") or []
    if districts:
        console.print(_district_table(districts, label))
    new_units = summary.get("by_new_commune") or []
    if new_units:
        console.print(_new_communes_table(new_units, label))
    worst = [w for w in summary.get("worst_communes") or [] if (w["coverage_share"] or 0) < 1]
    if worst:
        console.print(_worst_communes_table(worst))
    gaps = summary.get("gaps", {})
    _print_village_gaps(gaps.get("villages") or [], label, console)
    _print_centre_gaps(gaps.get("commune_centres") or [], console)
    if summary.get("warnings"):
        console.print(
            f"{len(summary['warnings'])} warning(s): see stderr or the JSON 'warnings'.",
            highlight=False,
        )


def _table(title: str, columns: tuple[tuple[str, str], ...]) -> Table:
    """An edgeless table with a left-justified title and the given (name, justify) columns."""
    table = Table(title=title, title_justify="left", show_edge=False)
    for col, justify in columns:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    return table


def _print_headline(summary: dict, console: Console, *, title: str) -> None:
    """Print the title line and the headline shares (villages, population, fibre, postal)."""
    rule = summary["rule"]
    rule_text = (
        rule["name"] if rule["name"] == "centroid" else f"{rule['name']} ≥ {rule['threshold']:g}"
    )
    console.print(
        f"[bold]{title}[/bold]  (model: {summary['model']}, rule: {rule_text}, "
        f"CRS: {summary['crs']})",
        highlight=False,
    )
    label = summary["headline_technologies"]
    weighted = " (population-weighted)" if rule["name"] == "population" else ""
    console.print(
        f"{label} villages: "
        + ratio(
            summary["villages_covered"],
            summary["villages_total"],
            summary["village_coverage_share"],
        )
        + weighted,
        highlight=False,
    )
    by_tech = summary["village_coverage_by_technology"]
    console.print(
        "  by technology: " + " · ".join(f"{t} {pct(by_tech[t])}" for t in TECHNOLOGIES),
        highlight=False,
    )
    if "population_total" in summary:
        console.print(
            f"  population covered ({label}): {summary['population_covered']:,} / "
            f"{summary['population_total']:,} ({pct(summary['population_coverage_share'])})",
            highlight=False,
        )
    console.print(
        "Commune centres on fibre: "
        + ratio(
            summary["commune_centres_fibre"],
            summary["commune_centres_total"],
            summary["commune_centre_fibre_share"],
        ),
        highlight=False,
    )
    console.print(
        "Postal points with broadband: "
        + ratio(
            summary["postal_points_broadband"],
            summary["postal_points_total"],
            summary["postal_broadband_share"],
        ),
        highlight=False,
    )


def _district_table(districts: list[dict], label: str) -> Table:
    """The "By district" table: communes, villages, covered villages, share, centres."""
    table = _table(
        "By district",
        (
            ("District", "left"),
            ("Communes", "right"),
            ("Villages", "right"),
            (f"{label} covered", "right"),
            ("Share", "right"),
            ("Centres on fibre", "right"),
        ),
    )
    for d in districts:
        fibre = f"{d['centres_fibre']}/{d['centres']}" if "centres" in d else "—"
        table.add_row(
            str(d["district"]),
            f"{d['communes']:,}",
            f"{d['villages']:,}",
            f"{d['villages_covered']:,}",
            pct(d["coverage_share"]),
            fibre,
        )
    return table


def _new_communes_table(units: list[dict], label: str) -> Table:
    """The "By commune of today (2025)" table, worst share first."""
    provinces = sorted({str(u.get("province") or "") for u in units} - {""})
    title = "By commune of today (2025)" + (f": {', '.join(provinces)}" if provinces else "")
    table = _table(
        title,
        (
            ("Commune", "left"),
            ("Code", "left"),
            ("Villages", "right"),
            (f"{label} covered", "right"),
            ("Share", "right"),
            ("Centres on fibre", "right"),
        ),
    )
    order = sorted(units, key=lambda u: (u["coverage_share"] is None, u["coverage_share"] or 0))
    for u in order:
        fibre = f"{u['centres_fibre']}/{u['centres']}" if u.get("centres") else "—"
        table.add_row(
            str(u.get("name") or "?"),
            str(u["commune_id"]),
            f"{u['villages']:,}",
            f"{u['villages_covered']:,}",
            pct(u["coverage_share"]),
            fibre,
        )
    return table


def _worst_communes_table(worst: list[dict]) -> Table:
    """The table of the communes with the lowest coverage (those below 100%)."""
    table = _table(
        "Communes with the lowest coverage",
        (
            ("Commune", "left"),
            ("District", "left"),
            ("Villages", "right"),
            ("Uncovered", "right"),
            ("Share", "right"),
        ),
    )
    for w in worst:
        table.add_row(
            str(w.get("name") or w["commune_id"]),
            str(w.get("district") or ""),
            f"{w['villages']:,}",
            f"{w['villages'] - w['villages_covered']:,}",
            pct(w["coverage_share"]),
        )
    return table


def _print_village_gaps(villages: list[dict], label: str, console: Console) -> None:
    """Print the uncovered villages (the first MAX_ROWS) and how many more there are."""
    if not villages:
        return
    table = _table(
        f"Villages without {label} (lõm sóng): {len(villages):,}",
        (
            ("Village", "left"),
            ("Commune", "left"),
            ("District", "left"),
            ("Population", "right"),
            ("Covered area", "right"),
        ),
    )
    for v in villages[:MAX_ROWS]:
        pop = v.get("population")
        table.add_row(
            str(v.get("name") or v["village_id"]),
            str(v.get("commune") or v.get("commune_id") or ""),
            str(v.get("district") or ""),
            "" if pop is None else f"{pop:,.0f}",
            pct(v["covered_share"]),
        )
    console.print(table)
    if len(villages) > MAX_ROWS:
        console.print(
            f"  … and {len(villages) - MAX_ROWS:,} more (all in --json or --out)",
            highlight=False,
        )


def _print_centre_gaps(centres: list[dict], console: Console) -> None:
    """Print the commune centres without fibre on one line (the first MAX_ROWS names)."""
    if not centres:
        return
    names = ", ".join(str(c.get("name") or c["commune_id"]) for c in centres[:MAX_ROWS])
    more = f" … and {len(centres) - MAX_ROWS} more" if len(centres) > MAX_ROWS else ""
    console.print(f"Commune centres without fibre ({len(centres)}): {names}{more}", highlight=False)
