"""Writing results: per-village and per-commune tables (GeoPackage + CSV) and the JSON summary.

Outputs are never half-written:

- Every file is written to a hidden temporary name beside its target
  (``.villages.<pid>.<random>.tmp.gpkg``) and then renamed over the target
  (``os.replace`` is atomic on one filesystem), with :func:`atomic_path`.
- :func:`write_files` (used by :func:`write_result`) writes a whole set first and renames
  the files only once all are written. During the renames the files being replaced are
  kept as hard-linked backups, so a rename that fails puts every previous file back. A run
  killed while writing leaves the previous set complete; its temporaries are removed by
  the next write into the folder. (A kill in the microseconds between two renames, or a
  failed rename on a filesystem without hard links, can still leave a mix.)
- A file that cannot be written (a full disk, a read-only or forbidden folder) raises
  :class:`~coverage._errors.OutputError`: exit code 1 in the command line, one line
  naming the file and the reason. Its temporary file is removed and the previous file
  stays. GDAL reports some of these without an ``OSError`` ("database or disk is full"):
  they are recognised by their words and by the state of the folder.

One run's set per folder: :func:`write_files` holds an exclusive advisory lock
(``flock``) on the output folder itself while it writes and renames, so a second run
writing into the same folder waits (saying "waiting for another run writing to DIR")
and then writes its complete set; and :func:`write_result` removes the outputs of an
earlier run that this run does not write (``communes.gpkg`` when there are no commune
polygons), so the folder never mixes two runs' files. The lock is on the folder, not on
a lock file, so nothing is left in the folder and a killed run's lock goes with it.
Where ``fcntl`` is missing (Windows) or the filesystem refuses the lock (some network
filesystems: a warning says so), runs are not serialised: do not point two runs at one
folder at once there. Single files written with :func:`atomic_path` (maps, rasters)
take no lock.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import glob
import io
import json
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import OutputError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, runs into one folder are not serialised
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from .pipeline import Result

log = logging.getLogger(__name__)

#: Village columns written, in order (those present).
VILLAGE_COLUMNS = (
    "village_id",
    "name",
    "commune_id",
    "new_commune_id",
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

#: Every file :func:`write_result` can write; those a run does not write are removed.
OUTPUT_NAMES = (
    "villages.gpkg",
    "villages.csv",
    "communes.gpkg",
    "communes.csv",
    "centres.csv",
    "postal.csv",
    "new_communes.csv",
    "new_communes.gpkg",
    "summary.json",
    "report.xlsx",
)

#: Test-only environment variable read by :func:`_test_write_hook`.
TEST_WRITE_HOOK_ENV = "COVERAGE_TEST_WRITE_HOOK"

# ".<stem>.<pid>.<mkstemp's random part>.tmp<suffix>", as made by _temporary_path
_TEMPORARY = re.compile(r"^\.(?P<stem>.+)\.(?P<pid>\d+)\.[a-z0-9_]+\.tmp(\.[^.]*)?$")

# Words of GDAL and SQLite errors that report an operating-system failure without an
# OSError (GeoPackage on a full disk: "sqlite3_exec(...) failed: database or disk is full").
_OS_FAILURE_WORDS = (
    ("no space left on device", errno.ENOSPC),
    ("database or disk is full", errno.ENOSPC),
    ("free disk space", errno.ENOSPC),  # GTiff: "Free disk space available is ..."
    ("read-only file system", errno.EROFS),
    ("permission denied", errno.EACCES),
)

# os.link errors that mean "no hard links here", not a fault of the machine
_NO_HARD_LINKS = {errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP}

#: A writer fills the file at the path it is given.
Writer = Callable[[Path], object]


def _make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents; :class:`OutputError` when that fails."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a file of that name
        raise OutputError(folder, errno.ENOTDIR) from exc
    except OSError as exc:
        raise OutputError.from_os_error(folder, exc) from exc


def _temporary_path(target: Path) -> Path:
    """Return an unused hidden temporary name beside ``target`` (not created)."""
    _make_folder(target.parent)
    # keep the real suffix last: GDAL picks its behaviour (and warnings) by extension;
    # the process id lets a later run tell a killed run's leftovers from a live run's files
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.{os.getpid()}.",
            suffix=".tmp" + target.suffix,
            dir=target.parent,
        )
        os.close(fd)
        tmp = Path(name)
        tmp.unlink()  # let writers create it (GDAL refuses to overwrite some formats)
    except OSError as exc:
        raise OutputError.from_os_error(target, exc) from exc
    return tmp


def _discard(tmp: Path) -> None:
    """Remove a temporary file and its side files (``-journal`` of SQLite), if any."""
    try:
        sides = list(tmp.parent.glob(glob.escape(tmp.name) + "?*"))
    except OSError:
        sides = []
    for path in [tmp, *sides]:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _output_error(exc: BaseException, target: Path) -> OutputError | None:
    """The :class:`OutputError` for ``exc``, met writing ``target``; None for a bug."""
    if isinstance(exc, OutputError):
        return exc
    for err in (exc, exc.__cause__):
        if isinstance(err, OSError) and err.errno is not None:
            return OutputError.from_os_error(target, err)
    text = str(exc).lower()
    for words, code in _OS_FAILURE_WORDS:
        if words in text:
            return OutputError(target, code)
    if isinstance(exc, OSError):
        return OutputError.from_os_error(target, exc)
    fault = _folder_fault(target.parent)
    return OutputError(target, fault) if fault is not None else None


def _folder_fault(folder: Path) -> int | None:
    """``EROFS`` or ``ENOSPC`` when ``folder`` is on a read-only or full filesystem."""
    try:
        stat = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs on Windows
        return None
    if stat.f_flag & os.ST_RDONLY:
        return errno.EROFS
    if stat.f_bavail == 0:
        return errno.ENOSPC
    return None


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    An operating-system failure (a full disk, a read-only folder) inside the block or in
    the rename raises :class:`~coverage._errors.OutputError` naming ``target``; the
    temporary file is removed and a previous ``target`` stays as it was.

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
        try:
            yield tmp
            os.replace(tmp, target)
        except Exception as exc:
            error = _output_error(exc, target)
            if error is None or error is exc:
                raise
            raise error from exc
    finally:
        _discard(tmp)


def write_files(
    out_dir: str | os.PathLike, writers: dict[str, Writer], *, replaces: Iterable[str] = ()
) -> list[Path]:
    """Write a set of files into ``out_dir`` all at once and return their paths.

    Each writer fills a temporary file beside its target; only when every file is
    written are they renamed over the targets, and the files named in ``replaces`` that
    this set does not write are removed. A failure or a kill before then leaves every
    previous file as it was; a failed rename puts back those already renamed. The whole
    is done holding the folder's lock, so runs writing into one folder take turns.

    Raises
    ------
    OutputError
        A file or the folder cannot be written (full disk, read-only, permissions).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in write_files(d, {"a.txt": lambda p: p.write_text("a")})]
    ['a.txt']
    """
    out = Path(out_dir)
    _make_folder(out)
    with _folder_lock(out):
        _remove_stale_temporaries(out)
        staged: list[tuple[Path, Path]] = []
        try:
            for name, writer in writers.items():
                target = out / name
                tmp = _temporary_path(target)
                staged.append((tmp, target))
                try:
                    writer(tmp)
                except Exception as exc:
                    error = _output_error(exc, target)
                    if error is None or error is exc:
                        raise
                    raise error from exc
                if len(staged) == 1:
                    _test_write_hook(tmp)
            _swap_in(staged, [out / name for name in replaces if name not in writers])
        finally:
            for tmp, _ in staged:
                _discard(tmp)
    return [target for _, target in staged]


def _swap_in(staged: list[tuple[Path, Path]], obsolete: list[Path]) -> None:
    """Rename the staged files over their targets and remove ``obsolete``: all or none.

    The files replaced are hard-linked to backups first, and the obsolete ones renamed to
    backups, so a failure part-way puts every previous file back.
    """
    backups: dict[Path, Path] = {}
    existed: set[Path] = set()
    done: list[Path] = []
    current: Path | None = None  # the file being changed
    try:
        for _, target in staged:
            current = target
            if os.path.lexists(target):
                existed.add(target)
                backup = _link_backup(target)
                if backup is not None:
                    backups[target] = backup
        for tmp, target in staged:
            current = target
            os.replace(tmp, target)
            done.append(target)
        for target in obsolete:
            if os.path.lexists(target):
                current = target
                existed.add(target)
                backups[target] = _temporary_path(target)
                os.replace(target, backups[target])
                done.append(target)
    except (OSError, OutputError) as exc:
        for target in reversed(done):
            with contextlib.suppress(OSError):
                if target in backups:
                    os.replace(backups[target], target)
                elif target not in existed:
                    target.unlink()
        if isinstance(exc, OutputError):
            raise
        raise OutputError.from_os_error(current or "", exc) from exc
    finally:
        for backup in backups.values():
            _discard(backup)


def _link_backup(target: Path) -> Path | None:
    """A hard link to ``target`` under a temporary name; None where links are refused."""
    backup = _temporary_path(target)
    try:
        os.link(target, backup)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        log.debug("no backup of %s (%s): a failed rename cannot put it back", target, exc)
        return None
    return backup


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``folder``, waiting while another run has it."""
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise OutputError.from_os_error(folder, exc) from exc
    try:
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("waiting for another run writing to %s", folder)
                fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:  # a filesystem without locks (some network filesystems)
            log.warning(
                "cannot lock %s (%s): a run writing there at the same time could mix its "
                "files with this run's",
                folder,
                exc.strerror or exc,
            )
        yield
    finally:
        os.close(fd)  # releases the lock


#: How long a run holding a folder's lock waits for the owner of a temporary found there to
#: finish dying (a killed run releases its lock as it dies, and the kernel may show it
#: alive for a moment after), in seconds.
_DYING_WAIT_S = 2.0


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files in ``folder`` left by processes that no longer run.

    Called holding the folder's lock: a set's writer holds it while its temporaries exist,
    so the owner of one found now has released it, which a run does only when done or when
    dying. An owner still shown alive is given :data:`_DYING_WAIT_S` to be gone; one alive
    after that (a map or raster written beside, through :func:`atomic_path`) is left alone.
    """
    for path in folder.iterdir():
        match = _TEMPORARY.match(path.name)
        if match is None or not path.is_file():
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _still_running(pid):
            continue
        with contextlib.suppress(OSError):  # a read-only folder: the write will say so
            path.unlink(missing_ok=True)


def _still_running(pid: int) -> bool:
    """Whether ``pid`` runs, after waiting up to :data:`_DYING_WAIT_S` for it to end."""
    deadline = time.monotonic() + _DYING_WAIT_S
    while _process_exists(pid):
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.02)
    return False


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return not _is_zombie(pid)


#: ``PF_EXITING`` in the flags of ``/proc/PID/stat``: the kernel sets it as a process
#: starts to exit, before it closes the process's files (and so releases its locks).
_PF_EXITING = 0x4


def _is_zombie(pid: int) -> bool:
    """Whether ``pid`` has ended, or is ending, but not yet been waited for by its parent
    (Linux only).

    A killed run's lock is released while it dies, before its parent reaps it: the next
    run, getting the lock at once, must not take its temporaries for a live run's. A dying
    process is a zombie only once it has closed its files; in between it is flagged as
    exiting, which is checked too (under load the next run can be that quick).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    fields = stat.rpartition(")")[2].split()
    if fields[:1] in (["Z"], ["X"]):
        return True
    try:
        return bool(int(fields[6]) & _PF_EXITING)
    except (IndexError, ValueError):
        return False


def _test_write_hook(staged: Path) -> None:
    """Test-only: stop in the middle of writing an output set, until killed.

    When the environment variable ``COVERAGE_TEST_WRITE_HOOK`` names a file, the
    writer, once it has written the first file of a set to its temporary name,
    writes that temporary name into the named file (atomically) and then sleeps
    until the process is killed, holding the folder's lock. The tests in
    ``tests/test_hardening.py`` and ``tests/test_output_faults.py`` use it to kill
    ``coverage compute --out`` mid-write; never set it otherwise.
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
    communes layer had polygons), ``centres.csv``, ``postal.csv``, ``summary.json``,
    ``report.xlsx`` (the formatted workbook of :mod:`coverage.exports.xlsx`, Vietnamese)
    and, when the communes of today were given, ``new_communes.csv`` and
    ``new_communes.gpkg`` (layer ``new_communes``: one row per new unit, its polygon).
    They are written as one set (:func:`write_files`), and those of :data:`OUTPUT_NAMES`
    this run does not write are removed, so the folder holds this run's set only.

    Raises
    ------
    OutputError
        An output cannot be written (full disk, read-only folder, permissions); the
        previous outputs in ``out_dir`` are left as they were.
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
    if result.new_communes is not None:
        new = result.new_communes.to_crs(src_crs)
        writers["new_communes.gpkg"] = lambda p: _gpkg(new, p, "new_communes")
        writers["new_communes.csv"] = lambda p: _csv(pd.DataFrame(new.drop(columns="geometry")), p)
    text = summary_json(result.summary)
    writers["summary.json"] = lambda p: p.write_text(text, encoding="utf-8")
    from .exports.xlsx import write_workbook  # xlsxwriter only when writing a set

    writers["report.xlsx"] = lambda p: write_workbook(result, p, lang="vi")
    return write_files(out_dir, writers, replaces=OUTPUT_NAMES)


def _gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    # GDAL builds the file in memory and Python writes it out, so that a full disk raises
    # OSError (ENOSPC): GDAL writing the file itself can report it as a later SQLite
    # failure ("no such table: gpkg_contents"). A province's tables are a few megabytes.
    # SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes the file's timestamps,
    # so that the same results give the same bytes
    import pyogrio

    from .exports.qgis import file_timestamp

    fixed = os.environ.get("SOURCE_DATE_EPOCH", "").isdigit()
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": file_timestamp() if fixed else None})
    buffer = io.BytesIO()
    frame.to_file(buffer, layer=layer, driver="GPKG", engine="pyogrio")
    path.write_bytes(buffer.getvalue())
    _add_qgis_styles(path)


def _add_qgis_styles(path: Path) -> None:
    """Give the GeoPackage QGIS's default styles (the map's classes); SQLite's own
    full-disk and read-only failures become the OSError they are."""
    import sqlite3

    from .exports.qgis import add_layer_styles, coverage_styles

    try:
        add_layer_styles(path, coverage_styles(path))
    except sqlite3.OperationalError as exc:
        words = str(exc).lower()
        code = errno.ENOSPC if "full" in words else errno.EROFS if "readonly" in words else None
        if code is None:
            raise
        raise OSError(code, os.strerror(code), str(path)) from None


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.6f", lineterminator="\n", encoding="utf-8")
