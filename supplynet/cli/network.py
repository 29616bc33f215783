"""``supplynet network info``, ``supplynet corridors`` (and ``network build``, in osm.cli)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from supplynet.cli.options import NetworkOpt, VerboseOpt
from supplynet.cli.output import fmt, lit, new_table, show

if TYPE_CHECKING:
    pass

__all__ = ["corridors", "network_info"]


def network_info(network: NetworkOpt = None, _verbose: VerboseOpt = False) -> None:
    """Sizes, totals and assumptions of a network."""
    from supplynet.datasets import load_network

    net = load_network(network)
    table = new_table(f"Network {net.name}", [("item", "id"), ("value", "num")])
    for key, value in net.summary().items():
        table.add_row(lit(key), lit(fmt(value, 1 if isinstance(value, float) else 0)))
    show(table)


def corridors(network: NetworkOpt = None, _verbose: VerboseOpt = False) -> None:
    """List corridors with their length, border posts and road refs."""
    import pandas as pd

    from supplynet.datasets import load_network

    net = load_network(network)
    edges = net.edges
    table = new_table(
        "Corridors",
        [
            ("corridor", "id"),
            ("road km", "num"),
            ("segments", "num"),
            ("border posts", "id"),
            ("roads", "text"),
        ],
    )
    kinds = net.nodes["kind"]
    for name, ids in net.corridors.items():
        fwd = edges.loc[ids].drop_duplicates("road_id")
        borders = sorted({n for n in pd.concat([fwd["u"], fwd["v"]]) if kinds[n] == "border"})
        refs = ", ".join(sorted({str(r) for r in fwd["ref"] if r}))
        table.add_row(
            lit(name),
            fmt(float(fwd["length_km"].sum())),
            str(len(fwd)),
            lit(", ".join(borders) or "-"),
            lit(refs),
        )
    show(table)
