"""Writing results: per-village and per-commune tables (GeoPackage + CSV) and the JSON summary.

Every file is written to a temporary name in the destination folder and then
renamed over the target (``os.replace`` is atomic on one filesystem), so a run
that dies midway leaves the previous outputs intact. :func:`write_result` writes
the whole set of files first and renames them only once all are written, so a
run killed while writing leaves the previous set complete, not a mix of old and
new files. Temporary files are hidden (``.villages.<pid>.<random>.tmp.gpkg``);
those left by a killed run are removed by the next :func:`write_result` into the
same folder.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .pipeline import Result

#: Village columns written, in order (those present).
VILLAGE_COLUMNS = (
    "village_id",
    "name",
    "commune_id",
    "population",
    "covered",
    "covered_share",
    "covered_2g",
    "covered_3g",
    "covered_4g",
    "covered_5g",
    "share_2g",
    "share_3g",
    "share_4g",
    "share_5g",
    "best_signal_dbm",
)

#: Test-only environment variable read by :func:`_test_write_hook`.
TEST_WRITE_HOOK_ENV = "COVERAGE_TEST_WRITE_HOOK"

# ".<stem>.<pid>.<mkstemp's random part>.tmp<suffix>", as made by _temporary_path
_TEMPORARY = re.compile(r"^\.(?P<stem>.+)\.(?P<pid>\d+)\.[a-z0-9_]+\.tmp(\.[^.]*)?$")

#: A writer fills the file at the path it is given.
Writer = Callable[[Path], object]


def _temporary_path(target: Path) -> Path:
    """Return an unused hidden temporary name beside ``target`` (not created)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # keep the real suffix last: GDAL picks its behaviour (and warnings) by extension;
    # the process id lets a later run tell a killed run's leftovers from a live run's files
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.{os.getpid()}.",
        suffix=".tmp" + target.suffix,
        dir=target.parent,
    )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # let writers create it (GDAL refuses to overwrite some formats)
    return tmp


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> (d / "a.txt").read_text()
    'done'
    """
    target = Path(target)
    tmp = _temporary_path(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_files(out_dir: str | os.PathLike, writers: dict[str, Writer]) -> list[Path]:
    """Write a set of files into ``out_dir`` all at once and return their paths.

    Each writer fills a temporary file beside its target; only when every file is
    written are they renamed over the targets, one after the other. A failure or a
    kill before then leaves every previous file as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in write_files(d, {"a.txt": lambda p: p.write_text("a")})]
    ['a.txt']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, writer in writers.items():
            target = out / name
            tmp = _temporary_path(target)
            staged.append((tmp, target))
            writer(tmp)
            if len(staged) == 1:
                _test_write_hook(tmp)
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [target for _, target in staged]


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files in ``folder`` left by processes that no longer run."""
    for path in folder.iterdir():
        match = _TEMPORARY.match(path.name)
        if match is None or not path.is_file():
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _process_exists(pid):
            continue
        path.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _test_write_hook(staged: Path) -> None:
    """Test-only: stop in the middle of writing an output set, until killed.

    When the environment variable ``COVERAGE_TEST_WRITE_HOOK`` names a file, the
    writer, once it has written the first file of a set to its temporary name,
    writes that temporary name into the named file (atomically) and then sleeps
    until the process is killed. The kill test in ``tests/test_hardening.py`` uses
    it to kill ``coverage compute --out`` mid-write; never set it otherwise.
    """
    marker = os.environ.get(TEST_WRITE_HOOK_ENV)
    if not marker:
        return
    with atomic_path(marker) as tmp:
        tmp.write_text(str(staged), encoding="utf-8")
    while True:
        time.sleep(3600)


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, float | np.floating):
        value = float(value)
        return None if math.isnan(value) else round(value, 12)
    return value


def summary_json(summary: dict) -> str:
    """Return the summary as stable JSON (sorted keys, NaN as null, UTF-8 text)."""
    return json.dumps(_clean(summary), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_result(result: Result, out_dir: str | os.PathLike) -> list[Path]:
    """Write a run's outputs into ``out_dir`` and return the paths written.

    Files: ``villages.gpkg``/``villages.csv`` (one row per village),
    ``communes.gpkg``/``communes.csv`` (one row per commune; geometry where the
    communes layer had polygons), ``centres.csv``, ``postal.csv`` and ``summary.json``.
    They are written as one set (:func:`write_files`).
    """
    writers: dict[str, Writer] = {}
    v = result.villages
    cols = [c for c in VILLAGE_COLUMNS if c in v.columns]
    src_crs = result.input_crs or v.crs
    villages = gpd.GeoDataFrame(v[cols], geometry=v.geometry.to_crs(src_crs), crs=src_crs)
    writers["villages.gpkg"] = lambda p: _gpkg(villages, p, "villages")
    writers["villages.csv"] = lambda p: _csv(villages.drop(columns="geometry"), p)
    communes = result.communes
    geoms = result.commune_geometry
    if geoms is not None:
        frame = gpd.GeoDataFrame(
            communes.merge(geoms, on="commune_id", how="left"), geometry="geometry", crs=geoms.crs
        ).to_crs(src_crs)
        writers["communes.gpkg"] = lambda p: _gpkg(frame, p, "communes")
    writers["communes.csv"] = lambda p: _csv(communes, p)
    for name, layer in (("centres", result.centres), ("postal", result.postal)):
        if layer is not None:
            table = pd.DataFrame(layer.drop(columns="geometry"))
            ll = layer.geometry.to_crs(4326)
            table["lon"], table["lat"] = ll.x.round(7), ll.y.round(7)
            writers[f"{name}.csv"] = functools.partial(_csv, table)
    text = summary_json(result.summary)
    writers["summary.json"] = lambda p: p.write_text(text, encoding="utf-8")
    return write_files(out_dir, writers)


def _gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.6f", lineterminator="\n", encoding="utf-8")
