"""Bamako's days of cover under the multi-day example scenarios.

For each scenario in ``examples/scenarios`` that the multi-day model is for (the six-week
cut, the escorted convoys, and the diesel shortage allocated by priority and pro rata),
run :func:`supplynet.simulate_supply` over the scenario's own horizon and print, for
Bamako, the days every class was served in full, the first day each demand class went
short, and the shortfall by class. Run from the project root::

    python examples/days_of_cover.py [--days N] [--out bamako_cover.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import supplynet as sn

HERE = Path(__file__).resolve().parent
SCENARIOS = ("six_week_cut", "escorted_convoys", "humanitarian_priority", "humanitarian_pro_rata")


def bamako_rows(timeline: sn.SupplyTimeline) -> dict[str, object]:
    """Bamako's cover, first day short by class and shortfall by class (m3 and share)."""
    node = timeline.node("bamako")
    total = node.loc[("all", "all")]
    row: dict[str, object] = {
        "scenario": timeline.scenario,
        "days": timeline.days,
        "days_of_cover": int(total["days_of_cover"]),
        "shortfall_m3": round(float(total["shortfall_m3"])),
        "met": f"{float(total['met_share']):.0%}",
    }
    for cls in timeline.classes:
        if (cls, "all") not in node.index:
            continue
        first = node.loc[(cls, "all"), "first_stockout_day"]
        short = float(node.loc[(cls, "all"), "shortfall_m3"])
        share = float(node.loc[(cls, "all"), "met_share"])
        row[f"{cls}_first_short"] = "-" if pd.isna(first) else int(first)
        row[f"{cls}_short_m3"] = f"{short:,.0f} ({1 - share:.0%})"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, help="horizon (default: each scenario's own)")
    parser.add_argument("--out", type=Path, help="write the table to this CSV file")
    args = parser.parse_args()
    net = sn.load_network()
    rows = []
    for name in SCENARIOS:
        sc = sn.Scenario.from_file(HERE / "scenarios" / f"{name}.toml")
        timeline = sn.simulate_supply(net, sc, args.days)
        timeline.raise_for_status()
        rows.append(bamako_rows(timeline))
    table = pd.DataFrame(rows).set_index("scenario").T
    with pd.option_context(
        "display.width", 200, "display.max_columns", 10, "display.max_colwidth", 30
    ):
        print("Bamako (Sénou): days of cover, first day short and shortfall by demand class")
        print(table)
    if args.out:
        table.to_csv(args.out)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
