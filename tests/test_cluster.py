"""``coverage compute --workers`` and ``--scheduler`` on real Dask clusters started here.

Every output file must be byte for byte the serial run's (SOURCE_DATE_EPOCH fixes the
GeoPackages' timestamps, which otherwise hold the time of writing).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coverage.layers import Layers
from coverage.partition import FAIL_ENV, FAIL_ONCE_ENV, raster_tiles
from coverage.pipeline import prepare
from coverage.settings import Settings

BIN = Path(sys.executable).parent
#: The terrain model at 180 m: a real run, a quarter of the demo's pixels.
CONFIG = "[terrain]\nresolution_m = 180.0\n"
SETTINGS = Settings(resolution_m=180.0)


def _env(**extra: str) -> dict:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1780000000", **extra}
    env.pop(FAIL_ENV, None)
    env.pop(FAIL_ONCE_ENV, None)
    env.update(extra)
    return env


def _compute(out: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN / "coverage"),
            "compute",
            "--quiet",
            "--json",
            "--no-cache",
            "--out",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env or _env(),
        timeout=600,
    )


def _same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert "villages.gpkg" in names and "summary.json" in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cluster") / "coverage.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(tmp_path_factory, config) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("serial") / "out"
    done = _compute(out, "--config", str(config))
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def test_local_cluster_gives_the_serial_files(tmp_path, serial, config):
    out = tmp_path / "out"
    done = _compute(out, "--config", str(config), "--workers", "2")
    assert done.returncode == 0, done.stderr
    _same_files(serial[0], out)
    assert done.stdout == serial[1]
    assert json.loads(done.stdout)["model"] == "terrain"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_started_here_gives_the_serial_files(tmp_path, serial, config):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        procs.append(
            subprocess.Popen(
                [
                    str(BIN / "dask"),
                    "worker",
                    address,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--local-directory",
                    str(tmp_path / "dask"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=_env(),
            )
        )
        _wait_for_workers(address, 2)
        out = tmp_path / "out"
        done = _compute(out, "--config", str(config), "--scheduler", address)
        assert done.returncode == 0, done.stderr
        _same_files(serial[0], out)
        assert done.stdout == serial[1]
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    deadline = time.monotonic() + 60
    while True:
        try:
            with Client(address, timeout="5s") as client:
                client.wait_for_workers(n, timeout=max(1, deadline - time.monotonic()))
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_tasks_failing_once_are_retried_to_the_same_files(tmp_path, serial, config):
    tries = tmp_path / "tries"
    tries.mkdir()
    out = tmp_path / "out"
    done = _compute(
        out, "--config", str(config), "--workers", "2", env=_env(**{FAIL_ONCE_ENV: str(tries)})
    )
    assert done.returncode == 0, done.stderr
    _same_files(serial[0], out)
    # every tile failed once, then ran again
    _prediction, tiles, _work, _out = raster_tiles(prepare(Layers.demo(), settings=SETTINGS))
    assert len(list(tries.iterdir())) == len(tiles) > 1


def test_a_task_failing_every_time_is_named_and_nothing_is_written(tmp_path, config):
    _prediction, tiles, _work, _out = raster_tiles(prepare(Layers.demo(), settings=SETTINGS))
    victim = tiles[-1].name.split(" (")[0]
    out = tmp_path / "out"
    done = _compute(out, "--config", str(config), "--workers", "2", env=_env(**{FAIL_ENV: victim}))
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert victim in lines[0] and "failed 3 times" in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())
    assert done.stdout == ""


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    done = _compute(tmp_path / "out", "--model", "range", "--scheduler", address)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], done.stderr


def test_workers_and_scheduler_together_are_refused(tmp_path):
    done = _compute(
        tmp_path / "out", "--model", "range", "--workers", "2", "--scheduler", "tcp://x:1"
    )
    assert done.returncode != 0
    assert "not both" in done.stderr
