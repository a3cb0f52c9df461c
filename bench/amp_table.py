#!/usr/bin/env python3
"""bench/amp_table.py -- the results table of docs/benchmarks-amp.md.

Usage: bench/amp_table.py bench/results/amp/<tag>.csv [...]

Reads the CSV files bench/amp.sh writes (one row per engine) and prints
one markdown table per file: write amplification of the upserts (server
view and /proc view), space amplification after the upserts and after a
full compaction, and median point-read throughput after the upserts and
after the compaction.  Numbers only; the analysis is hand-written.
"""
import csv
import sys


def f(v, fmt="{:.2f}"):
    try:
        return fmt.format(float(v))
    except ValueError:
        return "–"


def main(paths):
    for p in paths:
        with open(p) as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            continue
        r0 = rows[0]
        print(f"**{int(r0['items']):,} items, {int(r0['ops']):,} upserts** (`{p}`)\n")
        print("| engine | upserts/s | WA upserts (server) | WA upserts (/proc) | WA load | "
              "SA after upserts | SA after full compaction | point reads/s after upserts | "
              "after compaction | ratio |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                r["engine"], f(r["upsert_ops_s"], "{:,.0f}"), f(r["wa"], "{:.1f}"),
                f(r["wa_proc"], "{:.1f}"), f(r["load_wa"], "{:.1f}"), f(r["sa"]),
                f(r["sa_compacted"]), f(r["reads"], "{:,.0f}"),
                f(r["reads_compacted"], "{:,.0f}"), f(r["read_ratio"])))
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
