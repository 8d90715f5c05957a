"""The embedded demo province: present, readable, consistent with independent counts."""

import json

import pyogrio
import pytest

from coverage import datasets
from coverage.cli.main import cli
from coverage.layers import Layers
from coverage.pipeline import run


@pytest.fixture(scope="module")
def demo():
    return run(Layers.demo().replace(dem=()), model="range")


def test_demo_counts_match_the_files(demo):
    s = demo.summary
    assert s["villages_total"] == pyogrio.read_info(datasets.get_path("villages"))["features"]
    communes = pyogrio.read_info(datasets.get_path("communes"))["features"]
    assert s["commune_centres_total"] == communes == 145  # the real number of QB communes
    assert s["postal_points_total"] == pyogrio.read_info(datasets.get_path("postal"))["features"]
    assert s["crs"] == "EPSG:32648"  # UTM 48N, chosen from the data
    # the demo is clean; run with the range model (for speed), its sites' EIRPs and
    # heights are unused, and the run says so
    assert s["warnings"] == [
        f"{datasets.get_path('sites')}: columns 'eirp_dbm', 'height_m' (--model hata, "
        "terrain or itm would use them) are not used by the range model"
    ]


def test_demo_shares_are_consistent(demo):
    s = demo.summary
    assert s["villages_covered"] == int(demo.villages["covered"].sum())
    assert s["village_coverage_share"] == s["villages_covered"] / s["villages_total"]
    # 3G/4G is the union of 3G and 4G: never below either technology alone
    by_tech = s["village_coverage_by_technology"]
    assert s["village_coverage_share"] >= max(by_tech["3G"], by_tech["4G"])
    assert len(s["gaps"]["villages"]) == s["villages_total"] - s["villages_covered"]
    assert sum(d["villages"] for d in s["by_district"]) == s["villages_total"]
    assert sum(d["villages_covered"] for d in s["by_district"]) == s["villages_covered"]


def test_cli_without_arguments_runs_the_demo(runner, demo):
    result = runner.invoke(cli, ["compute", "--json", "-q", "--model", "range"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["villages_covered"] == demo.summary["villages_covered"]
