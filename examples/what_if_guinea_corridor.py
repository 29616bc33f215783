"""What-if through the Python API: can the Guinea corridor offset the 2025 blockade?

During the blockade of the Senegal and Côte d'Ivoire corridors, Mali turned to Guinea
(transit accords of 28 Jan 2026, FACTS.md [14]). This script raises Conakry's loading for
Mali step by step on top of the ``blockade_2025`` scenario and reports what reaches Bamako,
which element binds, and the national shortfall. Run from the project root::

    python examples/what_if_guinea_corridor.py [--out results.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import supplynet as sn

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the table to this CSV file")
    args = parser.parse_args()

    net = sn.load_network()
    blockade = sn.Scenario.from_file(HERE / "scenarios" / "blockade_2025.toml")
    conakry_now = float(net.nodes.loc["conakry", "supply_m3_day"])
    rows = []
    for factor in (1, 2, 5, 10, 20):
        # scale Conakry's loading on top of the blockade: a new scenario, nothing mutated
        sc = sn.Scenario(
            **{
                **blockade.model_dump(),
                "name": f"blockade+conakry x{factor}",
                "capacity_factors": {**blockade.capacity_factors, "conakry": factor},
            }
        )
        flow = sn.max_throughput(net, sc, destination="Bamako")
        supply = sn.least_cost_supply(net, sc)
        top = flow.bottlenecks.iloc[0]
        rows.append(
            {
                "scenario": sc.name,
                "conakry_supply_m3_day": conakry_now * factor,
                "bamako_max_m3_day": round(flow.delivered_m3_day),
                "kouremale_m3_day": round(flow.node_flows.loc["kouremale", "throughput_m3_day"]),
                "national_shortfall_m3_day": round(supply.total_shortfall_m3_day),
                "largest_bottleneck": f"{top['name']} ({top['type']})",
            }
        )
    table = pd.DataFrame(rows).set_index("scenario")
    with pd.option_context("display.width", 160, "display.max_columns", 10):
        print(table)
    if args.out:
        try:
            table.to_csv(args.out)
        except OSError as exc:
            parser.exit(2, f"error: {args.out}: cannot write ({exc.strerror or exc})\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
