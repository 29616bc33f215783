"""Outputs written whole or not at all, also when the writer is killed.

:func:`atomic_file` writes one file (a GeoPackage) under a temporary name beside it and
renames it into place: a reader sees the old file or the new one.

:func:`write_files` writes a *set* of files into a folder that may hold other files (a
CLI ``--out`` folder, a saved network). Renaming files one by one would show a mix of old
and new files between two renames, so the set is switched by one rename instead:

1. The new files are written in full (and synced) to ``.supplynet-output/new``.
2. Hard links of the current files (those about to be replaced or removed) go to
   ``.supplynet-output/old``, and ``.supplynet-output/current`` is made a symbolic link
   to ``old``.
3. Each visible name becomes a symbolic link ``name -> .supplynet-output/current/name``
   (a name that is not there yet: a link to nothing, which reads as absent). Each
   replacement is one rename that leaves the content a reader sees unchanged.
4. ``current`` is renamed to point at ``new``: this one rename switches every name from
   the old content to the new at once (names that are not in the new set vanish).
5. Each link is replaced by a plain file again (a hard link to the new content), dangling
   links are removed and ``.supplynet-output`` is deleted.

A kill at any step leaves a folder that reads wholly old (before step 4) or wholly new
(after it); the next write into the folder first finishes the killed one's step 5 (under
a lock, so two writers do not mix), so links and staging folders never stay behind.

Files that are not ours are never touched: ours are the names being written, the plain
files whose names match ``replaces`` and links into ``.supplynet-output``. On a file
system without symbolic links (FAT, Windows without the privilege) the files are replaced
one by one, rolled back on an error, with a warning that a kill could leave a mix.

Every operating-system failure becomes a one-line :class:`~supplynet.errors.DataError`
naming the output path.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from supplynet.errors import DataError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["STAGING", "atomic_file", "check_output_path", "check_writable", "write_files"]

logger = logging.getLogger(__name__)

STAGING = ".supplynet-output"
_LEGACY_STAGING = ".supplynet-staging-*"  # left behind by killed writes of earlier versions
_CURRENT = "current"
_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()
_depth: dict[str, int] = {}  # how often this process holds each folder's lock


def _os_error(path: Path, exc: OSError, doing: str = "cannot write") -> DataError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return DataError(f"{path}: {doing}: {reason}")


def check_output_path(path: Path) -> None:
    """Fail early, naming ``path``, if a network cannot be saved there.

    A ``.gpkg`` path must not be a folder; any other path must not be a file. The parent
    folder is created if needed (an error if that is impossible).
    """
    path = Path(path)
    gpkg = path.suffix.lower() == ".gpkg"
    if gpkg and path.is_dir():
        raise DataError(f"{path}: is a folder; a GeoPackage output needs a file name")
    if not gpkg and path.exists() and not path.is_dir():
        raise DataError(f"{path}: exists and is not a folder (use a .gpkg name for a file)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(path, exc, "cannot create its folder") from None
    if not os.access(path.parent, os.W_OK):
        raise DataError(f"{path}: folder {path.parent} is not writable")


def check_writable(
    path: str | os.PathLike[str],
    *,
    what: str = "output",
    folder: bool = False,
    create: bool = False,
) -> None:
    """Fail now, naming ``path``, if a file cannot be written there.

    For outputs written after a long solve: the folder the file goes in (``folder=True``:
    ``path`` itself, a folder of outputs), or its nearest folder that exists, must take a
    file (a temporary one is made there and removed), so an unwritable place is a
    one-line error before the solve, not after it. Nothing is created unless ``create``
    (the missing folders are then made now).

    Examples
    --------
    >>> import tempfile
    >>> check_writable(Path(tempfile.gettempdir()) / "not-yet" / "out.csv")  # creates nothing
    >>> check_writable("/proc/x.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    supplynet.errors.DataError: /proc/x.csv: cannot write in /proc: ...
    """
    path = Path(path)
    if not folder and path.is_dir():
        raise DataError(f"{path}: is a folder; the {what} needs a file name")
    target = path if folder else path.parent
    if target.exists() and not target.is_dir():
        raise DataError(f"{path}: {target} is not a folder")
    try:
        if create:
            target.mkdir(parents=True, exist_ok=True)
        while not target.exists() and target != target.parent:
            target = target.parent
        if not target.is_dir():
            raise DataError(f"{path}: {target} is not a folder")
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataError(f"{path}: cannot write in {target}: {reason}") from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder``: against other threads (re-entrant within
    one) and, with ``flock`` where the platform has it, against other processes."""
    key = os.path.realpath(folder)
    with _locks_guard:
        lock = _locks.setdefault(key, threading.RLock())
    with lock:
        _depth[key] = _depth.get(key, 0) + 1
        fd = None
        try:
            if _depth[key] == 1 and fcntl is not None:
                try:
                    fd = os.open(folder, os.O_RDONLY)
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except OSError:  # an unreadable folder, a file system that locks none
                    logger.debug("No lock on %s; writing without one", folder)
            yield
        finally:
            if fd is not None:
                os.close(fd)
            _depth[key] -= 1
            if not _depth[key]:
                del _depth[key]


def _fsync(path: Path) -> None:
    """Flush a file or folder to disk (where the platform can)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only on success.

    ``path`` may exist (it is replaced) but must not be a folder; its folder is created
    if needed. Errors while writing are reported against ``path``, not the temporary name, and
    temporary files left by an earlier, killed write of ``path`` are removed.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; the output needs a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(path, exc, "cannot create its folder") from None
    prefix, suffix = f".{path.name}.", ".tmp" + path.suffix
    with _locked(path.parent):
        try:
            for stale in path.parent.glob(f"{glob.escape(prefix)}*{glob.escape(suffix)}"):
                stale.unlink(missing_ok=True)
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
            os.close(fd)
            tmp = Path(name)
            tmp.unlink()
        except OSError as exc:
            raise _os_error(path, exc) from None
        try:
            yield tmp
            _fsync(tmp)
            tmp.replace(path)
            _fsync(path.parent)
        except OSError as exc:
            raise _os_error(path, exc) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def write_files(
    folder: Path, files: Mapping[str, str | bytes], *, replaces: Iterable[str] = ()
) -> list[Path]:
    """Write several files into ``folder``, all of them or none, also under a kill.

    Parameters
    ----------
    folder : Path
        The output folder (created if needed). Other files in it are never touched.
    files : dict
        File name (no folder part) -> text, written as UTF-8, or bytes (an image),
        written as they are.
    replaces : iterable of str
        Glob patterns of files from an earlier run that belong to this output and would
        mix with it (``"*.csv"``): they vanish at the moment the new files appear.

    Returns
    -------
    list of Path
        The written files.

    Raises
    ------
    DataError
        A path that is not a folder, a name that is not a plain file name, or any failure
        of the operating system, naming the path.
    """
    folder = Path(folder)
    for name in files:
        if not name or name != Path(name).name or name.startswith(".") or name in ("..",):
            raise DataError(f"{folder}: output file name {name!r} is not a plain file name")
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{folder}: output path exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(folder, exc, "cannot create the output folder") from None
    try:
        with _locked(folder):
            _finish_killed_write(folder)
            _write_set(folder, files, tuple(replaces))
    except OSError as exc:
        raise _os_error(folder, exc) from None
    logger.debug("Wrote %d files to %s", len(files), folder)
    return [folder / name for name in files]


def _link_target(name: str) -> str:
    return f"{STAGING}/{_CURRENT}/{name}"


def _is_ours(entry: Path) -> bool:
    """A link that an interrupted :func:`write_files` made."""
    return entry.is_symlink() and str(entry.readlink()) == _link_target(entry.name)


def _finish_killed_write(folder: Path) -> None:
    """Finish a killed write's last step: plain files again, staging removed."""
    for legacy in folder.glob(_LEGACY_STAGING):
        if legacy.is_dir() and not legacy.is_symlink():
            shutil.rmtree(legacy)
    if (folder / STAGING).is_dir():
        logger.info("Finishing an interrupted write in %s", folder)
        _settle(folder)


def _settle(folder: Path) -> None:
    """Step 5: each of our links becomes a plain file of what it shows; staging goes."""
    staging = folder / STAGING
    current = staging / _CURRENT
    for entry in sorted(folder.iterdir()):
        if not _is_ours(entry):
            continue
        shown = current / entry.name
        if shown.is_file():
            tmp = staging / f"settle-{entry.name}"
            tmp.unlink(missing_ok=True)
            _link_or_copy(shown, tmp)
            tmp.replace(entry)
        else:
            entry.unlink()
    _fsync(folder)
    shutil.rmtree(staging)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _symlink_replace(target: str, at: Path, staging: Path) -> None:
    """Make ``at`` a symbolic link to ``target`` (relative to ``at``) in one rename.

    The link is made in ``staging`` first, so no temporary name ever shows beside ``at``.
    """
    tmp = staging / f"link-{at.name}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    tmp.replace(at)


def _write_set(folder: Path, files: Mapping[str, str | bytes], replaces: tuple[str, ...]) -> None:
    stale = {
        p.name
        for pattern in replaces
        for p in folder.glob(pattern)
        if p.name not in files
        and not p.name.startswith(".")
        and (_is_ours(p) or (p.is_file() and not p.is_symlink()))
    }
    names = sorted(set(files) | stale)
    for name in names:
        if (folder / name).is_dir() and not (folder / name).is_symlink():
            raise DataError(f"{folder / name}: is a folder; cannot write an output file there")
    staging = folder / STAGING
    staging.mkdir()
    try:
        new, old = staging / "new", staging / "old"
        new.mkdir()
        for name, content in files.items():
            if isinstance(content, bytes):
                with (new / name).open("wb") as out:
                    out.write(content)
                    out.flush()
                    os.fsync(out.fileno())
                continue
            with (new / name).open("w", encoding="utf-8", newline="") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        _fsync(new)
        old.mkdir()
        for name in names:
            if (folder / name).is_file():
                _link_or_copy(folder / name, old / name)
        _fsync(old)
        try:
            (staging / _CURRENT).symlink_to("old")
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, None) and not (
                getattr(exc, "winerror", None)
            ):
                raise
            _replace_one_by_one(folder, names, new, old)
            return
        for name in names:
            _symlink_replace(_link_target(name), folder / name, staging)
        _fsync(folder)
        _symlink_replace("new", staging / _CURRENT, staging)  # the switch
        _fsync(staging)
    except BaseException:
        with contextlib.suppress(OSError):
            _settle(folder)  # back to the old files (or on to the new, after the switch)
        raise
    _settle(folder)


def _replace_one_by_one(folder: Path, names: list[str], new: Path, old: Path) -> None:
    """Without symbolic links: rename the files in one by one, rolled back on an error."""
    logger.warning(
        "%s: this file system has no symbolic links; the output files are replaced one "
        "by one (an interrupted write can leave a mix of old and new files)",
        folder,
    )
    done: list[str] = []
    try:
        for name in names:
            done.append(name)
            if (new / name).is_file():
                (new / name).replace(folder / name)
            else:
                (folder / name).unlink(missing_ok=True)
    except BaseException:
        for name in done:
            if (old / name).is_file():
                (old / name).replace(folder / name)
            else:
                (folder / name).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(folder / STAGING, ignore_errors=True)
