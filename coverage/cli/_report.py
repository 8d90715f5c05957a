"""Plain-text rendering of a run's summary for the terminal (stdout)."""

from __future__ import annotations

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


def print_summary(summary: dict, console: Console, *, title: str) -> None:
    """Print headline shares, the per-district table and the worst communes."""
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
    districts = summary.get("by_district") or []
    if districts:
        table = Table(title="By district", title_justify="left", show_edge=False)
        for col, justify in (
            ("District", "left"),
            ("Communes", "right"),
            ("Villages", "right"),
            (f"{label} covered", "right"),
            ("Share", "right"),
            ("Centres on fibre", "right"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
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
        console.print(table)
    worst = [w for w in summary.get("worst_communes") or [] if (w["coverage_share"] or 0) < 1]
    if worst:
        table = Table(
            title="Communes with the lowest coverage", title_justify="left", show_edge=False
        )
        for col, justify in (
            ("Commune", "left"),
            ("District", "left"),
            ("Villages", "right"),
            ("Uncovered", "right"),
            ("Share", "right"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for w in worst:
            table.add_row(
                str(w.get("name") or w["commune_id"]),
                str(w.get("district") or ""),
                f"{w['villages']:,}",
                f"{w['villages'] - w['villages_covered']:,}",
                pct(w["coverage_share"]),
            )
        console.print(table)
    gaps = summary.get("gaps", {})
    villages = gaps.get("villages") or []
    if villages:
        table = Table(
            title=f"Villages without {label} (lõm sóng): {len(villages):,}",
            title_justify="left",
            show_edge=False,
        )
        for col, justify in (
            ("Village", "left"),
            ("Commune", "left"),
            ("District", "left"),
            ("Population", "right"),
            ("Covered area", "right"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
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
    centres = gaps.get("commune_centres") or []
    if centres:
        names = ", ".join(str(c.get("name") or c["commune_id"]) for c in centres[:MAX_ROWS])
        more = f" … and {len(centres) - MAX_ROWS} more" if len(centres) > MAX_ROWS else ""
        console.print(
            f"Commune centres without fibre ({len(centres)}): {names}{more}", highlight=False
        )
    if summary.get("warnings"):
        console.print(
            f"{len(summary['warnings'])} warning(s): see stderr or the JSON 'warnings'.",
            highlight=False,
        )
