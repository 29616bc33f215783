"""Where the chunks of a run are evaluated: this process, a local process pool, or Dask.

Every executor has one method, :meth:`Executor.map`: apply a module-level work function
(:mod:`supplynet.analysis.workers`) to a payload and each chunk, and return the results
in chunk order, whatever order they finish in. Results therefore never depend on the
number of workers.

* :class:`InProcess`: no workers (one chunk after another).
* :class:`LocalPool`: a ``concurrent.futures`` process pool (spawned processes; each
  builds its engines once, HiGHS with one thread).
* :class:`DaskExecutor`: a ``dask.distributed`` cluster at an address (or a
  ``LocalCluster``). The payload is scattered to every worker once. A worker that dies
  mid-run has its chunks rerun on the others (Dask's own rescheduling); if every worker
  is gone for ``worker_timeout_s``, or a chunk kills workers repeatedly, the run fails
  with a :class:`ClusterError` naming the address. An address nobody answers at is a
  :class:`ClusterError` after ``connect_timeout_s``.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

from supplynet.errors import ClusterError

__all__ = ["DaskExecutor", "Executor", "InProcess", "LocalPool", "make_executor"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[int, int], None]


class Executor(Protocol):
    """Evaluates chunks; results come back in chunk order."""

    workers: int
    label: str

    def map(
        self,
        fn: Callable[..., T],
        payload: Any,
        chunks: Sequence[tuple[Any, ...]],
        progress: Progress | None = None,
    ) -> list[T]: ...

    def close(self) -> None: ...


class InProcess:
    """Chunks evaluated here, one after another."""

    workers = 1
    label = "this process"

    def map(
        self,
        fn: Callable[..., T],
        payload: Any,
        chunks: Sequence[tuple[Any, ...]],
        progress: Progress | None = None,
    ) -> list[T]:
        out = []
        for i, args in enumerate(chunks):
            out.append(fn(payload, *args))
            if progress is not None:
                progress(i + 1, len(chunks))
        return out

    def close(self) -> None:
        return None


class LocalPool:
    """A pool of ``workers`` spawned processes on this machine."""

    label = "local process pool"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )

    def map(
        self,
        fn: Callable[..., T],
        payload: Any,
        chunks: Sequence[tuple[Any, ...]],
        progress: Progress | None = None,
    ) -> list[T]:
        futures = [self._pool.submit(fn, payload, *args) for args in chunks]
        out: list[T] = []
        try:
            for i, future in enumerate(futures):
                out.append(future.result())
                if progress is not None:
                    progress(i + 1, len(chunks))
        except BrokenProcessPool:
            raise ClusterError(
                "a worker process of the local pool died; nothing was written "
                "(out of memory? try fewer --workers)"
            ) from None
        return out

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


class DaskExecutor:
    """Chunks evaluated on a ``dask.distributed`` cluster.

    Parameters
    ----------
    address : str, optional
        Scheduler address (``tcp://127.0.0.1:8786``).
    cluster : distributed.LocalCluster, optional
        A cluster object instead of an address.
    connect_timeout_s : float
        How long to wait for the scheduler before giving up.
    worker_timeout_s : float
        How long the run may go on with no worker before failing.
    """

    label = "Dask cluster"

    def __init__(
        self,
        address: str | None = None,
        *,
        cluster: Any = None,
        connect_timeout_s: float = 5.0,
        worker_timeout_s: float = 30.0,
    ) -> None:
        from distributed import Client

        self.address = address or str(getattr(cluster, "scheduler_address", ""))
        self.worker_timeout_s = worker_timeout_s
        if cluster is None:
            _check_address(self.address)
        try:
            self.client = Client(
                cluster if cluster is not None else address,
                timeout=connect_timeout_s,
                set_as_default=False,
            )
        except (OSError, TimeoutError, ValueError) as exc:
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise ClusterError(
                f"cannot reach the Dask scheduler at {self.address!r} within "
                f"{connect_timeout_s:g} s ({reason}); is `dask scheduler` running there?"
            ) from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(
        self,
        fn: Callable[..., T],
        payload: Any,
        chunks: Sequence[tuple[Any, ...]],
        progress: Progress | None = None,
    ) -> list[T]:
        from distributed.client import FutureCancelledError

        client = self.client
        self._wait_for_workers()
        shared = client.scatter(payload, broadcast=True, hash=False)
        futures = [client.submit(fn, shared, *args, pure=False) for args in chunks]
        out: list[Any] = [None] * len(futures)
        pending = dict(enumerate(futures))
        last_seen = time.monotonic()
        try:
            while pending:
                finished = [i for i, f in pending.items() if f.done()]
                if not finished:
                    if self._workers():
                        last_seen = time.monotonic()
                    elif time.monotonic() - last_seen > self.worker_timeout_s:
                        raise ClusterError(
                            f"every Dask worker at {self.address!r} is gone "
                            f"({len(futures) - len(pending)} of {len(futures)} chunks done); "
                            "nothing was written"
                        )
                    time.sleep(0.02)
                    continue
                for i in finished:
                    future = pending.pop(i)
                    if future.status == "error":
                        exc = future.exception()
                        if type(exc).__name__ == "KilledWorker":
                            raise ClusterError(
                                f"a chunk of the run killed Dask workers at {self.address!r} "
                                "repeatedly; nothing was written"
                            )
                        raise exc  # a bug in the work itself: report it as it is
                    out[i] = future.result()
                if progress is not None:
                    progress(len(futures) - len(pending), len(futures))
        except FutureCancelledError:
            # the scattered payload lives on the workers: with all of them gone, the
            # scheduler cancels what depends on it
            why = (
                "every Dask worker at {!r} is gone"
                if not self._workers()
                else ("the Dask run at {!r} was cancelled")
            )
            raise ClusterError(
                f"{why.format(self.address)} ({len(futures) - len(pending)} of "
                f"{len(futures)} chunks done); nothing was written"
            ) from None
        finally:
            for future in futures:
                future.release()
            shared.release()
        return out

    def _workers(self) -> int:
        try:
            return len(self.client.scheduler_info().get("workers", {}))
        except (OSError, TimeoutError):
            return 0

    def _wait_for_workers(self) -> None:
        start = time.monotonic()
        while not self._workers():
            if time.monotonic() - start > self.worker_timeout_s:
                raise ClusterError(
                    f"the Dask scheduler at {self.address!r} has no worker "
                    f"(waited {self.worker_timeout_s:g} s); start `dask worker {self.address}`"
                )
            time.sleep(0.1)

    def close(self) -> None:
        self.client.close()


def _check_address(address: str) -> None:
    """A scheduler address Dask can parse, or a one-line error: a malformed one makes
    ``distributed.Client`` fail in a way that leaves a half-made client, whose clean-up
    then blocks for 10 s and prints a traceback."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise ClusterError(
            f"scheduler {address!r}: not a Dask scheduler address ({exc}); give "
            "tcp://host:port, as `dask scheduler` prints it"
        ) from None


def make_executor(
    workers: int = 1, scheduler: str | None = None, *, connect_timeout_s: float = 5.0
) -> Executor:
    """In-process for one worker, a local pool for more, Dask with a scheduler address."""
    if scheduler:
        return DaskExecutor(scheduler, connect_timeout_s=connect_timeout_s)
    if workers <= 1:
        return InProcess()
    return LocalPool(workers)
