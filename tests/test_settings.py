import pytest

from coverage import ConfigError, Settings, load_config


def test_defaults():
    s = Settings()
    assert (s.rule, s.threshold, s.fibre_distance_m) == ("area", 0.5, 500.0)
    assert s.headline_technologies == ("3G", "4G")


def test_precedence(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[rule]\nname = "centroid"\nthreshold = 0.3\n[ranges.3G]\nmid = 2500\n')
    s = load_config(path, threshold=0.7)
    assert s.rule == "centroid"  # from the file
    assert s.threshold == 0.7  # the option wins
    assert s.ranges_m["3G"] == {"low": 6000.0, "mid": 2500, "high": 3000.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rule]\nname = 'majority'\n", "rule must be one of"),
        ("[rule]\nthreshold = 0\n", "threshold must be in"),
        ("[colours]\n", "unknown section"),
        ("[rule]\nthreshhold = 0.5\n", "unknown key 'threshhold'"),
        ("[ranges.6G]\nlow = 1\n", "unknown technology"),
        ("[ranges.4G]\nlow = -1\n", "positive number"),
        ("not toml", "not valid TOML"),
        ("[itm]\ntime = 100\n", r"\[itm\] time must be a percentage"),
        ("[itm]\nsituation = 0\n", r"\[itm\] situation must be a percentage"),
        ("[itm]\nclimate = 8\n", r"\[itm\] climate must be an integer 1-7"),
        ("[itm]\nclimate = 2.5\n", r"\[itm\] climate must be an integer 1-7"),
        ("[itm]\nn0 = 30\n", r"\[itm\] n0 must be within"),
        ("[itm]\nsigma = 0\n", r"\[itm\] sigma must be > 0"),
        ("[itm]\nepsilon = 0.5\n", r"\[itm\] epsilon must be >= 1"),
        ("[itm]\nheights = 'cubic'\n", r"\[itm\] heights must be nearest or bilinear"),
        # values of the wrong type: one line naming the key, never an internal error
        ('[rule]\nthreshold = "0.8"\n', r"\[rule\] threshold must be a number; got '0.8' \(write"),
        ('[connectivity]\nfibre_distance_m = "500"\n', r"fibre_distance_m must be a number"),
        ('[model]\nn_jobs = "2"\n', r"\[model\] n_jobs must be a whole number; got '2'"),
        ("[model]\nn_jobs = 2.5\n", r"\[model\] n_jobs must be a whole number; got 2.5"),
        ('[radio]\nrx_height_m = "1.5"\n', r"\[radio\] rx_height_m must be a number"),
        ('[sites]\nuse_opencellid_range = "yes"\n', r"use_opencellid_range must be true or false"),
        ('[thresholds]\n4G = "x"\n', r"\[thresholds\] 4G must be a number; got 'x'"),
        ("[projection]\ncrs = 32648\n", r"\[projection\] crs must be text; got 32648"),
    ],
)
def test_bad_config(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_config(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_itm_reliability_from_the_config(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[itm]\ntime = 90\nsituation = 95\nclimate = 5\n")
    s = load_config(path)
    assert (s.itm_time, s.itm_location, s.itm_situation, s.itm_climate) == (90, 50.0, 95, 5)


def test_a_table_range_above_the_cap_is_refused():
    from coverage import ConfigError

    with pytest.raises(ConfigError, match=r"ranges.4G.mid = 40000 m is above max_range_m"):
        Settings().replace(ranges_m={"4G": {"mid": 40000.0}})
    assert Settings(max_range_m=50000.0).replace(ranges_m={"4G": {"mid": 40000.0}})


def test_wrong_types_from_python_are_refused_naming_the_setting():
    from coverage import ConfigError

    with pytest.raises(ConfigError, match=r"\[rule\] threshold must be a number; got '0.8'"):
        Settings(threshold="0.8")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"\[eirp\] 4G must be a number"):
        Settings().replace(default_eirp_dbm={"4G": "60"})


def test_a_wrong_type_in_the_config_exits_2_with_one_line(runner, tmp_path, tiny):
    from coverage.cli.main import cli

    from .conftest import tiny_args

    config = tmp_path / "c.toml"
    config.write_text('[rule]\nthreshold = "0.8"\n', encoding="utf-8")
    result = runner.invoke(cli, ["compute", *tiny_args(tiny), "--config", str(config), "-q"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {config}: [rule] threshold must be a number; got '0.8' (write numbers without "
        "quotes)"
    ]
