"""A rich progress display for the build stages (off when not a terminal)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Stages"]


class Stages:
    """Rich progress display, one task per stage (off when not a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None

    def __enter__(self) -> Stages:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.fields[count]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextlib.contextmanager
    def stage(self, description: str) -> Iterator[Callable[[int], None] | None]:
        """A stage; yields an ``advance(n)`` callback (None when the display is off)."""
        if self._progress is None:
            yield None
            return
        progress = self._progress
        task = progress.add_task(description, total=None, count="")

        def advance(n: int) -> None:
            done = progress.tasks[progress.task_ids.index(task)].completed + n
            progress.update(task, completed=done, count=f"{done:,.0f} OSM objects")

        try:
            yield advance
        finally:
            self._progress.remove_task(task)
