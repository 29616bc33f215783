"""Command line: ``supplynet run``, ``network info|build``, ``corridors``, the
vulnerability analyses ``criticality``, ``interdict``, ``montecarlo``, ``sweep``, and
``report`` (:mod:`~supplynet.cli.report`).

One module per command group (:mod:`~supplynet.cli.run`, :mod:`~supplynet.cli.network`),
shared options in :mod:`~supplynet.cli.options`, printing in :mod:`~supplynet.cli.output`,
the app and its exit codes in :mod:`~supplynet.cli.app`. Bad input prints one line to
stderr and exits with status 2 (no traceback); output files are written whole or not at
all. Commands import the heavy modules (pandas, networkx, the solvers) when they run, so
``supplynet --help`` starts fast.
"""

from supplynet.cli.app import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_NOT_OPTIMAL,
    EXIT_OK,
    app,
    entry,
    main,
)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_NOT_OPTIMAL",
    "EXIT_OK",
    "app",
    "entry",
    "main",
]
