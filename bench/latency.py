#!/usr/bin/env python3
"""bench/latency.py LOGFILE...: latency of pgbench's per-transaction logs (-l).

Each line is "client_id transaction_no time script_no time_epoch time_us ...",
time in microseconds (non-numeric for failed transactions, which are
skipped).  Prints "avg_ms,p50_ms,p99_ms" (nearest-rank percentiles)."""
import sys

lat = []
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[2].isdigit():
                lat.append(int(parts[2]))
if not lat:
    print("nan,nan,nan")
    sys.exit(0)
lat.sort()


def pct(p):
    k = max(0, min(len(lat) - 1, int(round(p / 100.0 * len(lat) + 0.5)) - 1))
    return lat[k] / 1000.0


print("%.3f,%.3f,%.3f" % (sum(lat) / len(lat) / 1000.0, pct(50), pct(99)))
