"""``coverage plan sites`` on hand-checked cases, against a brute force run through compute.

Villages are 1 km squares (UTM 48N): v1..v4 in a row (x 0-4 km, y 0-1 km) and v5 above
v1 (y 1-2 km). The existing site s0 (range 600 m, at v1's centre) covers v1. Candidates,
with their range:

- A at v2's centre, 600 m: v2 (95 % of it);
- B on the v3/v4 border, 900 m, cost 3: most of v3 and of v4;
- C, D at v3's and v4's centres, 600 m: v3, v4;
- E and F left and right of v5, 750 m: about a third of v5 each: neither alone covers
  it, both together do (the union of their footprints reaches 2/3 > 1/2).

So the best single site is B (2 villages), the best pair B + A (3), a budget of 3 buys
A + C + D (3 villages) rather than B, and covering everything costs A + C + D + E + F.
The brute force below checks every subset with ``coverage.compute`` itself.
"""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from coverage import Layers, compute
from coverage.cli.main import cli
from coverage.plan.sites import plan_sites

CRS = "EPSG:32648"
X0, Y0 = 600_000.0, 1_900_000.0


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + 1000 * x, Y0 + 1000 * y)


def sq(x: float, y: float) -> shapely.Polygon:
    return shapely.box(X0 + 1000 * x, Y0 + 1000 * y, X0 + 1000 * (x + 1), Y0 + 1000 * (y + 1))


VILLAGES = gpd.GeoDataFrame(
    {
        "village_id": ["v1", "v2", "v3", "v4", "v5"],
        "population": [100, 200, 300, 400, 500],
        "power": ["yes", "yes", "yes", "no", "yes"],
    },
    geometry=[sq(0, 0), sq(1, 0), sq(2, 0), sq(3, 0), sq(0, 1)],
    crs=CRS,
)
EXISTING = gpd.GeoDataFrame(
    {"site_id": ["s0"], "technology": ["4G"], "range_m": [600.0]}, geometry=[pt(0.5, 0.5)], crs=CRS
)
CANDIDATES = gpd.GeoDataFrame(
    {
        "site_id": list("ABCDEF"),
        "technology": ["4G"] * 6,
        "range_m": [600.0, 900.0, 600.0, 600.0, 750.0, 750.0],
        "cost": [1.0, 3.0, 1.0, 1.0, 1.0, 1.0],
    },
    geometry=[pt(1.5, 0.5), pt(3, 0.5), pt(2.5, 0.5), pt(3.5, 0.5), pt(-0.35, 1.5), pt(1.35, 1.5)],
    crs=CRS,
)


def covered_with(chosen: tuple[str, ...]) -> int:
    """Villages covered by compute with the existing site and the chosen candidates."""
    sites = pd.concat([EXISTING, CANDIDATES[CANDIDATES["site_id"].isin(chosen)]])
    sites = gpd.GeoDataFrame(sites.drop(columns="cost"), geometry="geometry", crs=CRS)
    result = compute(Layers(villages=VILLAGES, sites=sites), model="range")
    return result.summary["villages_covered"]


@pytest.fixture(scope="module")
def brute() -> dict[tuple[str, ...], int]:
    ids = list(CANDIDATES["site_id"])
    return {s: covered_with(s) for k in range(0, 4) for s in itertools.combinations(ids, k)}


def plan(**kwargs):
    layers = Layers(villages=VILLAGES, sites=EXISTING)
    return plan_sites(layers, candidates=CANDIDATES, model="range", **kwargs)


def test_the_hand_figures_hold_under_compute(brute):
    assert brute[()] == 1  # v1
    assert brute[("B",)] == 3 and brute[("A", "B")] == 4
    assert brute[("E",)] == brute[("F",)] == 1 and brute[("E", "F")] == 2  # the half-halves


@pytest.mark.parametrize("k", [1, 2, 3])
def test_max_sites_finds_the_brute_force_optimum(brute, k):
    result = plan(max_sites=k)
    s = result.summary
    best = max(v for chosen, v in brute.items() if len(chosen) <= k)
    assert s["villages_newly_covered"] == best - 1
    assert s["optimal"] and s["solver"] == "milp"
    # the figure after is compute's with the proposed sites
    chosen = tuple(sorted(x["candidate_id"] for x in s["selected"]))
    assert s["village_coverage_share_after"] == pytest.approx(brute[chosen] / 5)


def test_budget_prefers_three_cheap_sites_to_one_dear_one(brute):
    s = plan(budget=3).summary
    assert sorted(x["candidate_id"] for x in s["selected"]) == ["A", "C", "D"]
    assert s["cost"] == 3 and s["villages_newly_covered"] == brute[("A", "C", "D")] - 1 == 3


def test_population_objective_weighs_people():
    s = plan(max_sites=1, objective="population").summary
    # B: v3 + v4, 700 people; E or F alone: nobody; A: 200
    assert [x["candidate_id"] for x in s["selected"]] == ["B"]
    assert s["population_newly_covered"] == 700


def test_cover_all_is_the_cheapest_full_cover(brute):
    s = plan(cover_all=True).summary
    assert sorted(x["candidate_id"] for x in s["selected"]) == ["A", "C", "D", "E", "F"]
    assert s["village_coverage_share_after"] == 1.0 and s["optimal"]


def test_eligible_villages_only(brute):
    s = plan(cover_all=True, eligible="power").summary  # v4 has no power: D is not needed
    assert sorted(x["candidate_id"] for x in s["selected"]) == ["A", "C", "E", "F"]


def test_half_and_half_needs_both(brute):
    only_ef = CANDIDATES[CANDIDATES["site_id"].isin(["E", "F"])]
    layers = Layers(villages=VILLAGES, sites=EXISTING)
    one = plan_sites(layers, candidates=only_ef, model="range", max_sites=1).summary
    two = plan_sites(layers, candidates=only_ef, model="range", max_sites=2).summary
    assert one["villages_newly_covered"] == 0
    assert two["villages_newly_covered"] == 1
    assert sorted(x["candidate_id"] for x in two["selected"]) == ["E", "F"]


def test_clear_answers_at_the_edges():
    assert "budget is below" in plan(budget=0.5).summary["status"]
    far = CANDIDATES.assign(geometry=[pt(x + 40, 0.5) for x in range(6)])
    layers = Layers(villages=VILLAGES, sites=EXISTING)
    s = plan_sites(layers, candidates=far, model="range", max_sites=2).summary
    assert s["sites_selected"] == 0 and s["status"]
    everything = pd.concat([EXISTING, CANDIDATES.drop(columns="cost")])
    covered_all = gpd.GeoDataFrame(everything, geometry="geometry", crs=CRS)
    s = plan_sites(
        Layers(villages=VILLAGES, sites=covered_all),
        candidates=CANDIDATES,
        model="range",
        max_sites=2,
    ).summary
    assert s["status"] == "no uncovered villages" and s["sites_selected"] == 0


def test_cli_out_reproduces_the_figure_after(tmp_path):
    paths = {}
    for name, frame in (("villages", VILLAGES), ("existing", EXISTING), ("cands", CANDIDATES)):
        paths[name] = tmp_path / f"{name}.gpkg"
        frame.to_file(paths[name])
    base = ["--villages", str(paths["villages"]), "--model", "range", "-q"]
    out = tmp_path / "plan"
    args = ["plan", "sites", *base, "--sites", str(paths["existing"])]
    args += ["--candidates", str(paths["cands"]), "--max-sites", "2", "--out", str(out), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert {"selected", "optimal", "optimality_gap", "solver", "unreachable_villages"} <= set(s)
    for f in ("proposed_sites.csv", "plan.gpkg", "plan_curve.png", "plan.json"):
        assert (out / f).is_file()
    proposed = out / "proposed_sites.csv"
    again = CliRunner().invoke(
        cli,
        [
            "compute",
            *base,
            "--sites",
            str(paths["existing"]),
            "--sites",
            str(proposed),
            "--json",
        ],
    )
    assert again.exit_code == 0, again.output
    after = json.loads(again.stdout)["village_coverage_share"]
    assert after == pytest.approx(s["village_coverage_share_after"]) == 4 / 5


def test_cli_refuses_without_a_mode_or_candidates():
    for args in (["--auto-candidates"], ["--max-sites", "2"]):
        result = CliRunner().invoke(cli, ["plan", "sites", "-q", *args])
        assert result.exit_code == 2 and "Traceback" not in result.output
