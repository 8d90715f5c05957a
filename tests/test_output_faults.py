"""Faults of the machine while writing outputs (coverage.output, issue 11).

A full disk, a read-only or forbidden folder: exit 1 with one line naming the file and
the reason, no temporary file left and the previous outputs untouched. Two runs writing
into one ``--out`` folder at once: the folder holds one run's complete set.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from coverage import output
from coverage._errors import OutputError
from coverage.cli.main import cli
from coverage.output import TEST_WRITE_HOOK_ENV, atomic_path

from .conftest import tiny_args

WORDS = {
    errno.ENOSPC: "no space left on device (ENOSPC); free some space",
    errno.EROFS: "read-only file system (EROFS)",
    errno.EACCES: "permission denied (EACCES)",
}
IS_ROOT = getattr(os, "geteuid", lambda: -1)() == 0


# ------------------------------------------------------------------ helpers


def _run_b(tiny: dict) -> dict:
    """Run B's layers: no commune polygons (so no communes.gpkg)."""
    return {key: value for key, value in tiny.items() if key != "communes"}


# run A: the tiny fixture as it is; run B: no commune polygons and another threshold
# (V2, 25 % covered, flips), so every file differs and B writes no communes.gpkg
B_OPTIONS = ("--threshold", "0.2")


def _compute(runner: CliRunner, layers: dict, out: Path, *extra: str):
    return runner.invoke(cli, ["compute", *tiny_args(layers), "-q", "--out", str(out), *extra])


def _files(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder``, hidden ones (temporaries) included, by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _assert_one_clean_line(result, path: Path, code: int) -> None:
    """Exit 1 and a single ``error:`` line naming ``path`` and the reason; no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: cannot write: {WORDS[code]}"), lines[0]
    assert lines[0].isprintable()
    assert "Traceback" not in result.output and "internal error" not in result.output


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs mounted at ``tmp_path/disk``; None where mounting is not allowed
    (not root): the tests then inject the fault instead of skipping."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = (
        IS_ROOT
        and shutil.which("mount") is not None
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True
        ).returncode
        == 0
    )
    yield disk if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _fill(disk: Path, *, leave: int) -> None:
    """Fill ``disk`` to the last byte, then free ``leave`` bytes."""
    chunk = b"\0" * 65536
    with open(disk / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        fh.truncate(max(0, fh.tell() - leave))


# ------------------------------------------------------------------ full disk


@pytest.mark.parametrize("leave", [0, 48 * 1024], ids=["nothing-left", "half-a-file-left"])
def test_full_disk_exit_1_and_previous_outputs_kept(
    runner, tiny, small_disk, tmp_path, leave, monkeypatch
):
    """A real full disk (a small tmpfs) where mounting is allowed, else ENOSPC injected.

    With 48 KiB left the first GeoPackage (96 KiB) is half written when the disk fills.
    """
    out = (small_disk or tmp_path) / "out"
    assert _compute(runner, tiny, out).exit_code == 0
    before = _files(out)
    if small_disk is not None:
        _fill(small_disk, leave=leave)
    else:  # no tmpfs: the disk fills after ``leave`` bytes of the first file

        def full(frame, path, layer):
            with open(path, "wb") as fh:
                fh.write(b"\0" * leave)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(output, "_gpkg", full)
    result = _compute(runner, tiny, out, *B_OPTIONS)
    _assert_one_clean_line(result, out / "villages.gpkg", errno.ENOSPC)
    assert _files(out) == before  # no temporary, no new file, byte for byte the old set


# ------------------------------------------------------------------ read-only folder


def test_read_only_folder_exit_1_and_previous_outputs_kept(
    runner, tiny, small_disk, tmp_path, monkeypatch
):
    """The real thing: as root a tmpfs remounted read-only, else a chmod 0o500 folder (root
    ignores modes); as root without mount, EROFS injected where the first file is made."""
    out = (small_disk or tmp_path) / "out"
    assert _compute(runner, tiny, out).exit_code == 0
    before = _files(out)
    if small_disk is not None:
        remount = ["mount", "-o", "remount,ro", str(small_disk)]
        assert subprocess.run(remount, capture_output=True).returncode == 0
        code = errno.EROFS
    elif not IS_ROOT:
        out.chmod(0o500)
        code = errno.EACCES
    else:
        code = errno.EROFS
        monkeypatch.setattr(tempfile, "mkstemp", _failing(tempfile.mkstemp, code, out))
    try:
        result = _compute(runner, tiny, out, *B_OPTIONS)
    finally:
        if small_disk is None:
            out.chmod(0o755)
    _assert_one_clean_line(result, out / "villages.gpkg", code)
    assert _files(out) == before


def _failing(real, code: int, folder: Path, *, nth: int = 1, when=None):
    """``real`` (mkstemp, os.replace, a writer), failing once with ``code`` on its ``nth``
    call concerning ``folder`` (and matching ``when``, when given)."""
    calls = []

    def fake(*args, **kwargs):
        paths = [Path(a) for a in (*args, *kwargs.values()) if isinstance(a, str | Path)]
        if any(p == folder or p.parent == folder for p in paths) and (when is None or when(*args)):
            calls.append(args)
            if len(calls) == nth:
                raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return fake


# ------------------------------------------------------------------ injected faults


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("temporary", "villages.gpkg"),  # creating the first temporary file
        ("writer", "communes.csv"),  # a plain-Python writer in the middle of the set
        ("rename", "communes.gpkg"),  # the third rename: two are put back
        ("obsolete", "communes.gpkg"),  # removing A's communes.gpkg after B's renames
    ],
)
def test_injected_fault_exit_1_and_previous_outputs_kept(
    runner, tiny, tmp_path, monkeypatch, code, where, named
):
    out = tmp_path / "out"
    assert _compute(runner, tiny, out).exit_code == 0
    before = _files(out)
    layers = tiny
    if where == "temporary":
        monkeypatch.setattr(tempfile, "mkstemp", _failing(tempfile.mkstemp, code, out))
    elif where == "writer":

        def csv(frame, path, real=output._csv):
            if path.name.startswith(".communes."):
                raise OSError(code, os.strerror(code))
            real(frame, path)

        monkeypatch.setattr(output, "_csv", csv)
    elif where == "rename":
        monkeypatch.setattr(os, "replace", _failing(os.replace, code, out, nth=3))
    else:  # run B writes no communes.gpkg: A's is moved aside, and that fails
        layers = _run_b(tiny)
        moving_old = lambda src, dst: Path(src).name == "communes.gpkg"  # noqa: E731
        monkeypatch.setattr(os, "replace", _failing(os.replace, code, out, when=moving_old))
    result = _compute(runner, layers, out, *B_OPTIONS)
    _assert_one_clean_line(result, out / named, code)
    assert _files(out) == before


def test_atomic_path_turns_os_failures_into_output_errors(tmp_path):
    """Maps, rasters and link plots write through atomic_path: the same protection."""
    target = tmp_path / "map.html"
    target.write_text("old")
    with pytest.raises(OutputError, match=r"map\.html: cannot write: no space left"):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OutputError, match=r"read-only file system \(EROFS\)"):
        with atomic_path(target) as tmp:
            raise RuntimeError("TIFFWrite: Read-only file system")  # GDAL's words
    with pytest.raises(ValueError, match="a bug"):  # a bug stays a bug
        with atomic_path(target):
            raise ValueError("a bug")
    assert _files(tmp_path) == {"map.html": b"old"}


def test_map_command_on_a_read_only_folder_exit_1(runner, tiny, tmp_path, monkeypatch):
    out = tmp_path / "gap.html"
    out.write_text("old")
    monkeypatch.setattr(os, "replace", _failing(os.replace, errno.EROFS, tmp_path))
    result = runner.invoke(cli, ["map", *tiny_args(tiny), "-q", "--out", str(out)])
    _assert_one_clean_line(result, out, errno.EROFS)
    assert _files(tmp_path) == {"gap.html": b"old"}


@pytest.mark.parametrize("lock", ["no fcntl", "flock refused"])
def test_without_a_lock_the_set_is_still_written(tmp_path, monkeypatch, caplog, lock):
    """Windows (no fcntl) and filesystems refusing flock: written unlocked, with a warning
    in the second case."""
    if lock == "no fcntl":
        monkeypatch.setattr(output, "fcntl", None)
    else:

        def refuse(fd, operation):
            raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

        monkeypatch.setattr(output.fcntl, "flock", refuse)
    logger = logging.getLogger("coverage.output")  # the CLI tests may have set "coverage"
    caplog.set_level(logging.WARNING, logger=logger.name)
    monkeypatch.setattr(logger, "handlers", [caplog.handler])
    monkeypatch.setattr(logger, "propagate", False)
    written = output.write_files(tmp_path, {"a.txt": lambda p: p.write_text("a")})
    assert [p.name for p in written] == ["a.txt"] and _files(tmp_path) == {"a.txt": b"a"}
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == (lock == "flock refused")
    assert all(f"cannot lock {tmp_path}" in w for w in warned)


def test_output_error_is_one_line_with_control_characters_escaped():
    text = str(OutputError("re\nsults/\x1b[31mv.csv", errno.EACCES))
    assert text.isprintable() and "\n" not in text and "\x1b" not in text
    assert "v.csv: cannot write: permission denied (EACCES); check the folder's" in text
    assert OutputError("x", errno.ENOSPC).exit_code == 1


# ------------------------------------------------------------------ one run's set per folder


def test_a_run_removes_the_outputs_of_an_earlier_run_it_does_not_write(runner, tiny, tmp_path):
    out, ref_b = tmp_path / "out", tmp_path / "b"
    assert _compute(runner, _run_b(tiny), ref_b, *B_OPTIONS).exit_code == 0
    assert _compute(runner, tiny, out).exit_code == 0
    assert "communes.gpkg" in _files(out)
    assert _compute(runner, _run_b(tiny), out, *B_OPTIONS).exit_code == 0
    assert _same_run(out, ref_b)


# A worker: imports coverage once, then for each line read on stdin runs
# `coverage compute ARGS` ("run") or writes that run's result again ("again"), answering
# "done <exit code>". Renames are slowed (SLOW seconds each) so that, were there no lock,
# two runs' renames would interleave.
WORKER = r"""
import contextlib, io, os, sys, time
import coverage.output
from coverage.cli.main import cli

real_replace = os.replace
def slow_replace(*args, **kwargs):
    time.sleep(float(os.environ.get("SLOW", "0")))
    return real_replace(*args, **kwargs)
os.replace = slow_replace

real_write, last = coverage.output.write_result, []
def write_result(*args):
    last[:] = args
    return real_write(*args)
coverage.output.write_result = write_result

while line := sys.stdin.readline():
    if line == "again\n":
        real_write(*last)
        code = 0
    else:
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(sys.argv[1:], standalone_mode=False)
    print("done", code or 0, flush=True)
"""


def _worker(args: list[str], *, slow: float = 0.0, stderr=subprocess.DEVNULL):
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, "compute", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env={**os.environ, "SLOW": str(slow)},
        bufsize=0,
    )


def _answer(proc: subprocess.Popen, timeout: float = 60) -> bytes:
    """The worker's next line, within ``timeout`` seconds."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the worker did not answer"
    return proc.stdout.readline()


def _same_run(out: Path, ref: Path) -> bool:
    """``out`` holds exactly the files of the run in ``ref``: names, tables and summary."""
    return not _difference(out, ref)


def _difference(out: Path, ref: Path) -> str:
    """What differs between the run in ``out`` and that in ``ref`` ("" when nothing)."""
    names = sorted(p.name for p in out.iterdir())  # hidden temporaries included
    wanted = sorted(p.name for p in ref.iterdir())
    if names != wanted:
        return f"files {names} against {wanted}"
    changed = [
        n
        for n in names
        if not n.endswith(".gpkg") and (out / n).read_bytes() != (ref / n).read_bytes()
    ]
    if changed:
        return f"contents of {changed}"
    covered = pd.read_csv(ref / "villages.csv")["covered"].tolist()
    if gpd.read_file(out / "villages.gpkg", layer="villages")["covered"].tolist() != covered:
        return "villages.gpkg's covered column"
    return ""


def test_concurrent_runs_leave_one_runs_set(runner, tiny, tmp_path):
    """Two runs into one folder at once, round after round: the folder never mixes them.

    Run A writes communes.gpkg, run B does not; every other file differs between them.
    """
    out, ref_a, ref_b = tmp_path / "out", tmp_path / "a", tmp_path / "b"
    args_a = [*tiny_args(tiny), "-q", "--out", str(out)]
    args_b = [*tiny_args(_run_b(tiny)), *B_OPTIONS, "-q", "--out", str(out)]
    workers = [_worker(args_a, slow=0.03), _worker(args_b, slow=0.005)]
    try:
        assert _compute(runner, tiny, ref_a).exit_code == 0
        assert _compute(runner, _run_b(tiny), ref_b, *B_OPTIONS).exit_code == 0
        for round_ in range(4):  # the real command, then its writes again (faster)
            # B then A, A then B: 0.1 s apart, so each run is the last to write in turn;
            # B renames faster, so when it starts late it would overtake A without the lock
            for i, worker in enumerate(workers if round_ % 2 else workers[::-1]):
                time.sleep(0.1 * i)
                worker.stdin.write(b"again\n" if round_ else b"run\n")
            assert [_answer(w) for w in workers] == [b"done 0\n"] * 2
            assert _same_run(out, ref_a) or _same_run(out, ref_b), f"round {round_}: a mix"
    finally:
        for worker in workers:
            _stop(worker)


def _stop(proc: subprocess.Popen) -> None:
    """End a worker: no more work (stdin closed), killed if it does not end."""
    if not proc.stdin.closed:
        proc.stdin.close()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def test_second_run_waits_for_the_first(runner, tiny, tmp_path):
    """A run stopped mid-write holds the folder: a second run waits, replaces nothing,
    and writes its whole set once the first is killed."""
    out, ref_b = tmp_path / "out", tmp_path / "b"
    assert _compute(runner, tiny, out).exit_code == 0
    before = _files(out)
    marker, log = tmp_path / "mid-write", tmp_path / "second.log"
    compute = [sys.executable, "-m", "coverage.cli", "compute", *tiny_args(tiny), "-q"]
    first = subprocess.Popen(
        [*compute, "--out", str(out)],
        env={**os.environ, TEST_WRITE_HOOK_ENV: str(marker)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(log, "wb") as log_file:  # the second run logs at info level (-v)
        args_b = [*tiny_args(_run_b(tiny)), *B_OPTIONS, "-v", "--out", str(out)]
        second = _worker(args_b, stderr=log_file)
    try:
        try:
            assert _compute(runner, _run_b(tiny), ref_b, *B_OPTIONS).exit_code == 0
            deadline = time.monotonic() + 60
            while not marker.exists():
                assert first.poll() is None, "the first run ended before writing"
                assert time.monotonic() < deadline, "the first run never reached its writer"
                time.sleep(0.05)
            staged = Path(marker.read_text(encoding="utf-8")).name
            second.stdin.write(b"run\n")
            second.stdin.close()
            waiting = f"waiting for another run writing to {out}"
            while waiting not in log.read_text(encoding="utf-8", errors="replace"):
                assert second.poll() is None, "the second run did not wait for the first"
                assert time.monotonic() < deadline, "the second run never said it waits"
                time.sleep(0.05)
            time.sleep(0.5)  # waiting, it writes nothing, not even a temporary file
            assert second.poll() is None
            assert _files(out) == {**before, staged: _files(out)[staged]}
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        assert _answer(second) == b"done 0\n"
    finally:
        _stop(second)
    # the first run's temporary is gone and the folder holds the second run's set
    assert not _difference(out, ref_b), _difference(out, ref_b)


def test_results_to_a_full_standard_output_exit_1(tiny):
    """`coverage compute --json > file` on a full disk: /dev/full answers every write
    with ENOSPC, as a full disk does."""
    import subprocess
    import sys

    args = [sys.executable, "-m", "coverage.cli", "compute", "--quiet", "--json"]
    args += ["--villages", str(tiny["villages"]), "--sites", str(tiny["sites"])]
    with open("/dev/full", "w") as full:
        done = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: standard output: cannot write: no space left on device (ENOSPC); "
        "free some space or write elsewhere"
    ]
