"""Outputs are all or none, also under SIGKILL: the writer is killed after its k-th file
system call, for every k, and the folder must read wholly old or wholly new; the next write
cleans up; other files are never touched; OS failures are one-line DataErrors."""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import random_network

import supplynet as sn
from supplynet import atomic
from supplynet.atomic import STAGING, atomic_file, write_files

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(os, "fork"), reason="needs fork and SIGKILL"
)

#: the file system calls the writer is killed after (rename/replace and every other change)
MUTATORS = ("replace", "rename", "symlink", "link", "unlink", "rmdir", "mkdir")

OLD = {"summary.json": '{"run": "old"}', "a.csv": "x\n1\n", "b.csv": "y\n2\n"}
NEW = {"summary.json": '{"run": "new"}', "a.csv": "x\n10\n", "c.csv": "z\n30\n"}
THIRD = {"summary.json": '{"run": "third"}', "a.csv": "x\n100\n"}


@pytest.fixture(autouse=True)
def _no_fsync(monkeypatch):
    """Syncing to disk guards against power loss; a killed process loses nothing of the
    page cache, so these tests skip it (it is most of their time)."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


def killed_after(
    k: int, write: Callable[[], object], *, extra: dict[str, object] | None = None
) -> bool:
    """Run ``write`` in a forked child killed by SIGKILL right after its k-th file system
    change (k = 0: before any). Return whether it was killed (False: it finished first)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            calls = [0]

            def counted(real: Callable[..., object]) -> Callable[..., object]:
                def call(*args: object, **kwargs: object) -> object:
                    out = real(*args, **kwargs)
                    calls[0] += 1
                    if calls[0] == k:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return out

                return call

            for name in MUTATORS:
                setattr(os, name, counted(getattr(os, name)))
            for owner, name in (extra or {}).items():
                setattr(owner, name, counted(getattr(owner, name)))  # type: ignore[arg-type]
            if k == 0:
                os.kill(os.getpid(), signal.SIGKILL)
            write()
        except BaseException:
            os._exit(3)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, "the writer failed"
    return False


def visible(folder: Path) -> dict[str, str]:
    """What a reader sees: every name that opens as a file, with its text."""
    return {p.name: p.read_text() for p in folder.iterdir() if p.name != STAGING and p.is_file()}


def foreign_files(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Files that are not ours, by (inode, mtime, text)."""
    (folder / "notes.txt").write_text("the planner's own notes")
    (folder / "sub").mkdir()
    (folder / "sub" / "a.csv").write_text("not an output")
    (folder / "link.csv").symlink_to("notes.txt")  # a user's own link, matching *.csv
    return _snapshot(folder)


def _snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    out = {}
    for rel in ("notes.txt", "sub/a.csv", "link.csv"):
        p = folder / rel
        st = p.lstat()
        out[rel] = (st.st_ino, st.st_mtime_ns, p.read_text())
    return out


def test_write_files_killed_at_every_step_shows_old_or_new(tmp_path) -> None:
    folder = tmp_path / "out"
    write_files(folder, OLD)
    mine = foreign_files(folder)
    old_view = visible(folder)
    theirs = {"notes.txt": "the planner's own notes", "link.csv": "the planner's own notes"}
    new_view = {**NEW, **theirs}
    assert old_view == {**OLD, **theirs}
    seen = {"old": 0, "new": 0}
    k = 0
    while True:
        killed = killed_after(k, lambda: write_files(folder, NEW, replaces=["*.csv", "*.json"]))
        view = visible(folder)
        if view == old_view:
            seen["old"] += 1
        else:
            assert view == new_view, f"killed after call {k}: a mix {sorted(view)}"
            seen["new"] += 1
        assert _snapshot(folder) == mine, f"killed after call {k}: another file was touched"
        # the next write finishes or undoes the killed one and leaves no trace
        write_files(folder, OLD, replaces=["*.csv", "*.json"])
        assert visible(folder) == old_view
        assert not (folder / STAGING).exists()
        assert not any(p.is_symlink() for p in folder.iterdir() if p.name != "link.csv")
        assert _snapshot(folder) == mine
        if not killed:
            break
        k += 1
    # the test saw the switch happen: kills before it read old, kills after it read new
    assert seen["old"] >= 10 and seen["new"] >= 5, seen
    assert k >= 20


def test_network_save_killed_at_every_step(tmp_path) -> None:
    old = random_network(3)
    new = sn.Scenario(name="cut", capacity_factors={"c0": 0.5}).apply(old)
    folder = tmp_path / "net"
    old.save(folder)
    before = visible(folder)
    seen = set()
    k = 1
    while killed_after(k, lambda: new.save(folder)):
        back = sn.load_network(folder)
        expected = old if visible(folder) == before else new
        seen.add(expected.graph.graph.get("scenario"))
        assert back.edges.equals(expected.edges), f"killed after call {k}"
        assert back.graph.graph == expected.graph.graph
        old.save(folder)
        assert visible(folder) == before
        k += 1
    assert k > 20 and seen == {None, "cut"}
    assert sn.load_network(folder).graph.graph["scenario"] == "cut"


def test_geopackage_save_killed_at_every_step(tmp_path) -> None:
    import pyogrio

    old = sn.load_network()
    new = sn.Scenario(name="cut", blocked_corridors=["dakar-kayes"]).apply(old)
    path = tmp_path / "net.gpkg"
    old.save(path)
    before = path.read_bytes()
    seen = set()
    k = 1
    while killed_after(k, lambda: new.save(path), extra={pyogrio: "write_dataframe"}):
        scenario = sn.load_network(path).graph.graph.get("scenario")
        seen.add(scenario)
        if scenario is None:
            assert path.read_bytes() == before, f"killed after {k}: the old file changed"
        else:
            assert scenario == "cut"
        old.save(path)  # cleans the temporary file of the killed write
        before = path.read_bytes()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["net.gpkg"]
        k += 1
    assert k >= 6 and seen == {None, "cut"}  # killed between every layer, and after the rename
    assert sn.load_network(path).graph.graph["scenario"] == "cut"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.gpkg"]


def test_stale_staging_folders_are_removed_by_the_next_write(tmp_path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    legacy = folder / ".supplynet-staging-abc123"  # a killed write of an earlier version
    (legacy / ".previous").mkdir(parents=True)
    (legacy / "edge_flows.csv").write_text("half")
    assert killed_after(5, lambda: write_files(folder, NEW))
    assert (folder / STAGING).exists()
    write_files(folder, THIRD)
    assert sorted(p.name for p in folder.iterdir()) == sorted(THIRD)
    assert visible(folder) == THIRD


def test_an_os_failure_midway_is_a_one_line_error_and_keeps_the_old_files(
    tmp_path, monkeypatch
) -> None:
    folder = tmp_path / "out"
    write_files(folder, OLD)
    real = os.replace
    calls = {"n": 0}

    def flaky(src, dst, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(sn.DataError, match="No space left on device") as err:
        write_files(folder, NEW)
    monkeypatch.undo()
    assert str(folder) in str(err.value) and "\n" not in str(err.value)
    assert visible(folder) == OLD
    assert sorted(p.name for p in folder.iterdir()) == sorted(OLD)


def test_result_write_to_an_impossible_folder_is_a_data_error() -> None:
    res = sn.max_throughput(sn.load_network())
    for bad in ("/proc/x", "/dev/null/out"):
        with pytest.raises(sn.DataError, match=f"^{bad}: cannot create the output folder: "):
            res.write(bad)


def test_bad_names_and_paths_are_refused(tmp_path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(sn.DataError, match="exists and is not a folder"):
        write_files(tmp_path / "file", OLD)
    for name in ("../x.csv", "sub/x.csv", ".hidden", ""):
        with pytest.raises(sn.DataError, match="not a plain file name"):
            write_files(tmp_path / "o", {name: "x"})
    (tmp_path / "o" / "a.csv").mkdir(parents=True)
    with pytest.raises(sn.DataError, match=r"a\.csv: is a folder"):
        write_files(tmp_path / "o", OLD)


def test_without_symbolic_links_files_are_replaced_one_by_one(
    tmp_path, monkeypatch, caplog
) -> None:
    folder = tmp_path / "fat"
    write_files(folder, OLD)

    def no_links(self, target, target_is_directory=False):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(Path, "symlink_to", no_links)
    with caplog.at_level(logging.WARNING, logger="supplynet.atomic"):
        write_files(folder, NEW, replaces=["*.csv"])
    assert "no symbolic links" in caplog.text
    assert visible(folder) == NEW
    assert sorted(p.name for p in folder.iterdir()) == sorted(NEW)


def test_concurrent_writers_do_not_mix(tmp_path) -> None:
    folder = tmp_path / "shared"
    sets = [
        {"summary.json": f"writer {i}", "a.csv": f"a{i}", f"only{i}.csv": "x"} for i in range(3)
    ]
    pids = []
    for files in sets:
        pid = os.fork()
        if pid == 0:
            try:
                for _ in range(15):
                    write_files(folder, files, replaces=["*.csv"])
            except BaseException:
                os._exit(3)
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert visible(folder) in sets
    assert not (folder / STAGING).exists()


def test_atomic_file_removes_what_a_killed_write_left(tmp_path) -> None:
    path = tmp_path / "net.gpkg"

    def write() -> None:
        with atomic_file(path) as tmp:
            tmp.write_text("new")

    assert killed_after(1, write)  # killed with the temporary file still there
    with atomic_file(path) as tmp:
        tmp.write_text("done")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.gpkg"]
    assert path.read_text() == "done"
    with pytest.raises(sn.DataError, match=r"net\.gpkg: cannot write: "), atomic_file(path):
        raise OSError(errno.EIO, "Input/output error")
    assert path.read_text() == "done"


def test_threads_writing_one_folder_take_turns(tmp_path) -> None:
    folder = tmp_path / "threads"
    sets = [{"summary.json": f"thread {i}", f"t{i}.csv": "x"} for i in range(4)]
    errors: list[BaseException] = []

    def work(files: dict[str, str]) -> None:
        try:
            for _ in range(5):
                write_files(folder, files, replaces=["t*.csv"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(files,)) for files in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert visible(folder) in sets
    assert not atomic._depth
