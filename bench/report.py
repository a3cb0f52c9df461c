#!/usr/bin/env python3
"""bench/report.py RESULTS_DIR DOCS_DIR: docs/benchmarks.md from bench/results.

Reads every <tag>_runs.csv and <tag>_load.csv in RESULTS_DIR (written by
bench/run.sh), machine.csv and settings.csv; writes <tag>_summary.csv
(medians over repetitions), the gnuplot PNGs docs/benchmarks_<tag>_*.png
and docs/benchmarks.md.  Hand-written analysis (findings, perf profile) is
taken verbatim from bench/analysis.md.  Standard library only; gnuplot
(gnuplot-nox) draws the plots."""
import csv
import glob
import os
import statistics
import subprocess
import sys

RES, DOCS = sys.argv[1], sys.argv[2]
BENCH = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ["point", "range", "overwrite", "insert"]
WLABEL = {"point": "point read", "range": "range read (20 items)",
          "overwrite": "random overwrite (UPDATE)", "insert": "random insert"}
WRITES = ("overwrite", "insert")
# the targets: kvam / heap
TARGETS = {"overwrite": (2.0, 0.3), "insert": (2.0, 0.3),
           "point": (0.9, None), "range": (1.0, None)}


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def med(rows, key):
    vals = [float(r[key]) for r in rows if r[key] not in ("", "nan")]
    return statistics.median(vals) if vals else float("nan")


def fmt_int(x):
    return "n/a" if x != x else "{:,.0f}".format(x)


def fmt(x, nd=2):
    return "n/a" if x != x else ("{:.%df}" % nd).format(x)


def mb(x):
    return "n/a" if x != x else "{:,.0f} MB".format(x / 1048576.0)


def ratio(a, b):
    return a / b if b and a == a and b == b else float("nan")


def items_label(n):
    n = int(n)
    return "%dM" % (n // 1000000) if n % 1000000 == 0 else "{:,}".format(n)


# storage runs only: every tag of bench/run.sh has a <tag>_load.csv (the
# API benchmark's api_runs.csv has none)
tags = sorted(os.path.basename(p)[:-len("_runs.csv")]
              for p in glob.glob(os.path.join(RES, "*_runs.csv"))
              if os.path.exists(p[:-len("_runs.csv")] + "_load.csv"))
tags.sort(key=lambda t: int(read_csv(os.path.join(RES, t + "_runs.csv"))[0]["items"])
          if read_csv(os.path.join(RES, t + "_runs.csv")) else 0)
machine = {r["key"]: r["value"] for r in read_csv(os.path.join(RES, "machine.csv"))}
settings = read_csv(os.path.join(RES, "settings.csv"))

summaries = {}
loads = {}
for tag in tags:
    runs = read_csv(os.path.join(RES, tag + "_runs.csv"))
    if not runs:
        continue
    groups = {}
    for r in runs:
        groups.setdefault((r["workload"], int(r["clients"]), r["table"]), []).append(r)
    summ = {}
    for (w, c, t), rows in groups.items():
        last = max(rows, key=lambda r: int(r["rep"]))
        summ[(w, c, t)] = {
            "reps": len(rows),
            "tps": med(rows, "tps"),
            "tps1": med([r for r in rows if r["rep"] == "1"], "tps"),
            "tps_min": min(float(r["tps"]) for r in rows),
            "tps_max": max(float(r["tps"]) for r in rows),
            "p50": med(rows, "lat_p50_ms"),
            "p99": med(rows, "lat_p99_ms"),
            "avg": med(rows, "lat_avg_ms"),
            "wal": med(rows, "wal_bytes_per_op"),
            "fpi": statistics.median(float(r["wal_fpi"]) / max(1.0, float(r["xacts"]))
                                     for r in rows),
            "flush_wal": statistics.median(float(r["flush_wal_bytes"]) / max(1.0, float(r["xacts"]))
                                           for r in rows),
            "size": float(last["bytes_on_disk"]),
            "failed": sum(int(r["failed"] or 0) for r in rows),
        }
    summaries[tag] = (int(runs[0]["items"]), summ)
    lp = os.path.join(RES, tag + "_load.csv")
    lrows = read_csv(lp) if os.path.exists(lp) else []
    ld = {}
    for t in ("kvam", "heap"):
        rows = [r for r in lrows if r["table"] == t]
        if rows:
            ld[t] = {"reps": len(rows), "rps": med(rows, "rows_per_s"),
                     "secs": med(rows, "seconds"), "wal": med(rows, "wal_bytes_per_row"),
                     "size": float(rows[-1]["bytes_on_disk"])}
    loads[tag] = ld

    with open(os.path.join(RES, tag + "_summary.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["items", "workload", "clients", "table", "reps", "tps_median", "tps_min",
                     "tps_max", "lat_p50_ms", "lat_p99_ms", "wal_bytes_per_op",
                     "fpi_per_op", "bytes_on_disk_after"])
        for w in WORKLOADS:
            for c in sorted({k[1] for k in summ}):
                for t in ("kvam", "heap"):
                    s = summ.get((w, c, t))
                    if s:
                        wr.writerow([runs[0]["items"], w, c, t, s["reps"], "%.1f" % s["tps"],
                                     "%.1f" % s["tps_min"], "%.1f" % s["tps_max"],
                                     "%.3f" % s["p50"], "%.3f" % s["p99"], "%.1f" % s["wal"],
                                     "%.3f" % s["fpi"], "%.0f" % s["size"]])


# ---------- plots ----------
def gnuplot(script):
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


plots = {}
for tag, (n, summ) in summaries.items():
    dat = os.path.join(RES, tag + "_plot.dat")
    rows = []
    for w in WORKLOADS:
        for c in sorted({k[1] for k in summ}):
            k, h = summ.get((w, c, "kvam")), summ.get((w, c, "heap"))
            if k and h:
                rows.append(('"%s c=%d"' % (w, c), k, h))
    if not rows:
        continue
    with open(dat, "w") as f:
        f.write("# label kvam_tps heap_tps kvam_p99 heap_p99 kvam_wal heap_wal\n")
        for lab, k, h in rows:
            f.write("%s %.1f %.1f %.3f %.3f %.1f %.1f\n" %
                    (lab, k["tps"], h["tps"], k["p99"], h["p99"], k["wal"], h["wal"]))
    png = "benchmarks_%s.png" % tag
    wrows = [r for r in rows if r[0].split()[0].strip('"') in WRITES]
    gnuplot("""
set terminal pngcairo noenhanced size 1100,820 font "DejaVu Sans,10"
set output '%(out)s'
set multiplot layout 2,2 title "kvam vs heap, %(items)s items, shared_buffers=128MB (medians of repetitions)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top right
set xtics rotate by -30 nomirror
set yrange [0:*]
set title "throughput (ops/s, higher is better)"
plot '%(dat)s' using 2:xtic(1) title 'kvam' lc rgb '#1f77b4', '' using 3 title 'heap' lc rgb '#ff7f0e'
set title "throughput ratio kvam / heap (dashed: 1.0)"
set key off
set yrange [0:1.2<*]
plot '%(dat)s' using ($2/$3):xtic(1) lc rgb '#2ca02c', 1 with lines dt 2 lw 2 lc rgb 'black'
set yrange [0:*]
set key top right
set title "p99 latency (ms, lower is better)"
plot '%(dat)s' using 4:xtic(1) title 'kvam' lc rgb '#1f77b4', '' using 5 title 'heap' lc rgb '#ff7f0e'
set title "WAL bytes per write (lower is better; kvam incl. flushes)"
set key top right
set offsets 0, 0, graph 0.3, 0
plot '%(dat)s' every ::%(wfirst)d using 6:xtic(1) title 'kvam' lc rgb '#1f77b4', '' every ::%(wfirst)d using 7 title 'heap' lc rgb '#ff7f0e'
unset multiplot
""" % {"out": os.path.join(DOCS, png), "items": items_label(n), "dat": dat,
       "wfirst": len(rows) - len(wrows)})
    plots[tag] = png


# ---------- markdown ----------
out = []
P = out.append
P("# kvam benchmarks")
P("")
P("*Generated by `bench/report.py` from `bench/results/*.csv` (written by "
  "`bench/run.sh`, = `make bench`). Do not edit by hand: the hand-written "
  "analysis lives in `bench/analysis.md` and is included below.*")
P("")
P("## Setup")
P("")
P("| | |")
P("|---|---|")
for k in ("date", "cpu", "memory_gb", "kernel", "disk", "postgres", "kvam_commit"):
    if k in machine:
        P("| %s | %s |" % (k, machine[k]))
P("")
P("Server settings (one throwaway cluster, both tables in one database, same run):")
P("")
P("| setting | value |")
P("|---|---|")
for r in settings:
    P("| `%s` | %s |" % (r["name"], r["setting"]))
P("")

with open(os.path.join(BENCH, "method.md")) as f:
    P(f.read().rstrip())
P("")

# targets
P("## Targets (the issue's) and what was reached")
P("")
P("Ratios kvam / heap of the median ops/s (and of WAL bytes per write), per "
  "item count and client count.")
P("")
P("The *rep 1* column is the ratio in the first repetition only, right "
  "after the load, when kvam has the fewest runs (see the per-repetition "
  "tables).")
P("")
P("| items | workload | clients | target | ops/s ratio (median) | ops/s ratio (rep 1) | WAL/write ratio | met? |")
P("|---|---|---|---|---|---|---|---|")
for tag, (n, summ) in summaries.items():
    for w in WORKLOADS:
        for c in sorted({k[1] for k in summ}):
            k, h = summ.get((w, c, "kvam")), summ.get((w, c, "heap"))
            if not (k and h):
                continue
            tr, wr_ = TARGETS[w]
            r = ratio(k["tps"], h["tps"])
            r1 = ratio(k["tps1"], h["tps1"])
            if w in WRITES:
                walr = ratio(k["wal"], h["wal"])
                target = "≥ %.1f× ops/s, ≤ %.1f× WAL" % (tr, wr_)
                ok = r >= tr and walr <= wr_
                P("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
                    items_label(n), w, c, target, fmt(r), fmt(r1), fmt(walr), "yes" if ok else "**no**"))
            else:
                target = "≥ %.1f× ops/s" % tr
                ok = r >= tr
                P("| %s | %s | %d | %s | %s | %s | – | %s |" % (
                    items_label(n), w, c, target, fmt(r), fmt(r1), "yes" if ok else "**no**"))
P("")

for tag, (n, summ) in summaries.items():
    P("## %s items" % items_label(n))
    P("")
    ld = loads.get(tag, {})
    if ld:
        P("### Bulk load (COPY)")
        P("")
        P("| table | reps | seconds | rows/s | WAL bytes/row | bytes on disk after load |")
        P("|---|---|---|---|---|---|")
        for t in ("kvam", "heap"):
            if t in ld:
                d = ld[t]
                P("| %s | %d | %s | %s | %s | %s |" % (t, d["reps"], fmt(d["secs"], 1),
                                                    fmt_int(d["rps"]), fmt_int(d["wal"]),
                                                    mb(d["size"])))
        if "kvam" in ld and "heap" in ld:
            P("")
            P("kvam / heap: rows/s %s×, WAL/row %s×, bytes on disk %s×." % (
                fmt(ratio(ld["kvam"]["rps"], ld["heap"]["rps"])),
                fmt(ratio(ld["kvam"]["wal"], ld["heap"]["wal"])),
                fmt(ratio(ld["kvam"]["size"], ld["heap"]["size"]))))
        P("")
    P("### pgbench workloads")
    P("")
    reps = sorted({s["reps"] for s in summ.values()})
    P("Medians over %s repetition(s) of %s s each (min–max of ops/s in brackets). "
      "Latencies in ms from pgbench's per-transaction log. WAL/op for kvam "
      "includes the `kvam.flush` after the run; FPI/op = full-page images per "
      "operation (pg_stat_wal). Bytes on disk = `pg_total_relation_size` after "
      "the last repetition of that run." % (
          "/".join(map(str, reps)), read_csv(os.path.join(RES, tag + "_runs.csv"))[0]["duration_s"]))
    P("")
    P("| workload | clients | kvam ops/s | heap ops/s | ratio | kvam p50 / p99 | heap p50 / p99 | kvam WAL/op | heap WAL/op | WAL ratio | kvam / heap FPI/op | kvam / heap bytes on disk |")
    P("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for w in WORKLOADS:
        for c in sorted({k[1] for k in summ}):
            k, h = summ.get((w, c, "kvam")), summ.get((w, c, "heap"))
            if not (k and h):
                continue
            isw = w in WRITES
            P("| %s | %d | %s (%s–%s) | %s (%s–%s) | **%s** | %s / %s | %s / %s | %s | %s | %s | %s | %s / %s |" % (
                WLABEL[w], c,
                fmt_int(k["tps"]), fmt_int(k["tps_min"]), fmt_int(k["tps_max"]),
                fmt_int(h["tps"]), fmt_int(h["tps_min"]), fmt_int(h["tps_max"]),
                fmt(ratio(k["tps"], h["tps"])),
                fmt(k["p50"], 3), fmt(k["p99"], 3), fmt(h["p50"], 3), fmt(h["p99"], 3),
                fmt_int(k["wal"]) if isw else "–", fmt_int(h["wal"]) if isw else "–",
                ("**%s**" % fmt(ratio(k["wal"], h["wal"]))) if isw else "–",
                ("%s / %s" % (fmt(k["fpi"], 3), fmt(h["fpi"], 3))) if isw else "–",
                mb(k["size"]), mb(h["size"])))
    # per repetition: kvam's state grows from one repetition to the next
    runs = read_csv(os.path.join(RES, tag + "_runs.csv"))
    nrep = max(int(r["rep"]) for r in runs)
    if nrep > 1:
        P("")
        P("Per repetition (ops/s kvam / heap; the tables keep the writes of "
          "earlier repetitions, and kvam, which has no compaction yet, "
          "accumulates sorted runs%s):" % (
              "; kvam runs at the start of the run in brackets"
              if runs[0].get("kvam_runs_before") else ""))
        P("")
        P("| workload | clients | " + " | ".join("rep %d" % i for i in range(1, nrep + 1)) + " |")
        P("|---|---|" + "---|" * nrep)
        for w in WORKLOADS:
            for c in sorted({k[1] for k in summ}):
                cells = []
                for i in range(1, nrep + 1):
                    rk = [r for r in runs if r["workload"] == w and int(r["clients"]) == c
                          and int(r["rep"]) == i and r["table"] == "kvam"]
                    rh = [r for r in runs if r["workload"] == w and int(r["clients"]) == c
                          and int(r["rep"]) == i and r["table"] == "heap"]
                    if rk and rh:
                        extra = (" [%s]" % rk[0]["kvam_runs_before"]) if rk[0].get("kvam_runs_before") else ""
                        cells.append("%s / %s%s" % (fmt_int(float(rk[0]["tps"])),
                                                    fmt_int(float(rh[0]["tps"])), extra))
                    else:
                        cells.append("–")
                if any(x != "–" for x in cells):
                    P("| %s | %d | %s |" % (w, c, " | ".join(cells)))
    fails = sum(s["failed"] for s in summ.values())
    if fails:
        P("")
        P("Failed transactions over all runs: %d." % fails)
    P("")
    if tag in plots:
        P("![kvam vs heap, %s items](%s)" % (items_label(n), plots[tag]))
        P("")
    P("Raw data: `bench/results/%s_runs.csv` (every run), `%s_load.csv`, "
      "`%s_summary.csv` (medians), `%s_explain.txt` (plans), `waldump/` "
      "(pg_waldump --stats of the first repetition of each write run)." % (tag, tag, tag, tag))
    P("")

ap = os.path.join(BENCH, "analysis.md")
if os.path.exists(ap):
    with open(ap) as f:
        P(f.read().rstrip())
    P("")

with open(os.path.join(DOCS, "benchmarks.md"), "w") as f:
    f.write("\n".join(out))
print("wrote %s (%d item counts, plots: %s)" % (os.path.join(DOCS, "benchmarks.md"),
                                                 len(summaries), ", ".join(plots.values())))
