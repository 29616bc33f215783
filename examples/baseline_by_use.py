"""The normal-times baseline by demand class and product, and what the open network serves.

Sums the embedded demand tables (``data/demand.csv``: 8,877 m3/day of all products) by
demand class and product, with Bamako's part, then runs the multi-day model on the
baseline scenario (every corridor open) and gives the share of each class served. Prints
a Markdown table (the README's "normal-times baseline"). Run from the project root::

    python examples/baseline_by_use.py [--days 30]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import supplynet as sn
from supplynet.demand import load_demand_tables

HERE = Path(__file__).resolve().parent
PRODUCTS = ("gasoline", "diesel", "hfo", "jet")
HEADER = ("demand class", "gasoline", "diesel", "HFO", "jet", "all", "of which Bamako", "served")


def baseline_table(days: int = 30) -> pd.DataFrame:
    """Demand (m3/day) by class and product, Bamako's part, and the share the baseline
    multi-day run over ``days`` days serves; the last row is the total."""
    tables = load_demand_tables()
    demand = tables.demand
    by = demand.pivot_table(
        index="demand_class", columns="product", values="demand_m3_day", aggfunc="sum"
    )
    by = by.reindex(index=tables.classes.index, columns=list(PRODUCTS)).fillna(0.0)
    by["all"] = by.sum(axis=1)
    bamako = demand[demand["node_id"] == "bamako"].groupby("demand_class")["demand_m3_day"].sum()
    by["bamako"] = bamako.reindex(by.index).fillna(0.0)
    timeline = sn.simulate_supply(
        sn.load_network(), HERE / "scenarios" / "baseline.toml", days, tables=tables
    )
    timeline.raise_for_status()
    nodes = timeline.nodes.xs(("all",), level=("product",))
    nodes = nodes[nodes.index.get_level_values("demand_class") != "all"]
    sums = nodes.groupby(level="demand_class")[["demand_m3", "issued_m3"]].sum()
    by["served"] = (sums["issued_m3"] / sums["demand_m3"]).reindex(by.index)
    total = by.sum()
    total["served"] = float(sums["issued_m3"].sum() / sums["demand_m3"].sum())
    by.loc["total"] = total
    return by


def markdown(table: pd.DataFrame) -> str:
    """The table as the README shows it (m3/day, whole numbers; served as a percentage)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|---|" + "---:|" * (len(HEADER) - 1)]
    for cls, row in table.iterrows():
        cells = [f"{row[c]:,.0f}" for c in (*PRODUCTS, "all", "bamako")]
        name = f"**{cls}**" if cls == "total" else str(cls)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {row['served']:.0%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="horizon of the baseline run")
    args = parser.parse_args()
    print(markdown(baseline_table(args.days)))


if __name__ == "__main__":
    main()
