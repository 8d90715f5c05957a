"""The README documents what the code does: alias table, range table, commands."""

import re
from pathlib import Path

import pytest

from coverage.schema import ALIASES, LAYER_ALIASES
from coverage.settings import DEFAULT_RANGES_M

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _row(canonical: str) -> str:
    rows = [line for line in README.splitlines() if line.startswith(f"| `{canonical}`")]
    assert rows, f"README has no alias row for {canonical}"
    return rows[0]


@pytest.mark.parametrize("canonical", sorted(set(ALIASES) - {"kind", "lon", "lat"}))
def test_every_alias_is_documented(canonical):
    row = _row(canonical)
    for alias in ALIASES[canonical]:
        assert f"`{alias}`" in row, f"{alias} missing from the README row of {canonical}"


def test_layer_specific_name_aliases_documented():
    row = _row("name")
    for names in LAYER_ALIASES.values():
        for alias in names["name"]:
            assert f"`{alias}`" in row


def test_range_table_matches_settings():
    for tech, table in DEFAULT_RANGES_M.items():
        row = next(line for line in README.splitlines() if line.startswith(f"| {tech} |"))
        cells = [int(c.replace(",", "").replace(" m", "")) for c in re.findall(r"[\d,]+ m", row)]
        assert cells == [table["low"], table["mid"], table["high"]]


def test_two_commands_present():
    assert "pip install -e . && coverage compute" in README
    assert 'pip install -e ".[test]" && python -m pytest' in README
