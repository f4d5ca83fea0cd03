#!/usr/bin/env python3
"""What a change of cyclr's calibrated rule does to the picks on every committed range test.

    python3 bench/lr_quality/rule_change.py OLD_BIN NEW_BIN [ROOT]

ROOT (default bench/headtohead/results) holds one folder per task with `range_test-OPT/`
folders (a range test's range_test.csv and the suggestions.json the run used) and the task's
`results.json` (the head-to-head's grids, BENCHMARKS.md section 8). For every range test both
binaries' `suggest --input range_test.csv --format json` give the rates; OLD must reproduce the
suggestions.json the run trained with (checked, so the replay is the rule the benchmark used).
Printed: each rate's ratio new/old, and for the one-cycle peak and the fixed LR the grid's
accuracy at each pick (the task's one-cycle-grid / fixed-grid, mean final test accuracy over its
seeds, linear in log lr between grid points) as a gap in points to the grid's best. A re-read of
stored curves, no training: it measures how far the picks move, and what the grid says that
costs; the trained `--lr auto` rows of sections 5 and 8 are not re-run by it.
"""
import json
import math
import os
import statistics
import subprocess
import sys

KEYS = ["fixed_lr", "base_lr", "max_lr", "one_cycle_max_lr"]


def suggest(binary, csv):
    out = subprocess.run([binary, "suggest", "--input", csv, "--format", "json"],
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def grid(results, name):
    pts = {}
    for run in results["runs"]:
        if run["name"].startswith(name + "_at_") and run.get("budget") in (None, 1.0):
            acc = run["final_test_accuracy"]
            if run.get("diverged") or acc != acc:
                acc = 0.0
            pts.setdefault(float(run["name"].split("_at_")[1]), []).append(acc)
    return sorted((lr, statistics.mean(a)) for lr, a in pts.items())


def at(g, lr):
    if lr <= g[0][0]:
        return g[0][1]
    if lr >= g[-1][0]:
        return g[-1][1]
    for (a, x), (b, y) in zip(g, g[1:]):
        if a <= lr <= b:
            t = (math.log(lr) - math.log(a)) / (math.log(b) - math.log(a))
            return x + t * (y - x)


def main():
    old, new = sys.argv[1], sys.argv[2]
    root = sys.argv[3] if len(sys.argv) > 3 else "bench/headtohead/results"
    print("| task | range test | fixed lr old → new | one-cycle peak old → new | "
          "grid gap fixed old → new | grid gap one-cycle old → new | new rule's note |")
    print("|---|---|---:|---:|---:|---:|---|")
    ratios, gap_moves, mismatches = [], [], 0
    for task in sorted(os.listdir(root)):
        tdir = os.path.join(root, task)
        if not os.path.isdir(tdir):
            continue
        res_path = os.path.join(tdir, "results.json")
        results = json.load(open(res_path)) if os.path.exists(res_path) else None
        for rt in sorted(d for d in os.listdir(tdir) if d.startswith("range_test")):
            csv = os.path.join(tdir, rt, "range_test.csv")
            if not os.path.exists(csv):
                continue
            a, b = suggest(old, csv), suggest(new, csv)
            used = os.path.join(tdir, rt, "suggestions.json")
            if os.path.exists(used):
                u = json.load(open(used))
                if any(u.get(k) != a.get(k) for k in KEYS):
                    mismatches += 1
                    print(f"<!-- {task}/{rt}: OLD does not reproduce suggestions.json -->")
            for k in KEYS:
                if a.get(k) and b.get(k):
                    ratios.append(b[k] / a[k])
            gaps = []
            for gname, k in [("fixed-grid", "fixed_lr"), ("one-cycle-grid", "one_cycle_max_lr")]:
                g = grid(results, gname) if results and "schedulefree" not in rt else []
                if not g or not a.get(k) or not b.get(k):
                    gaps.append("-")
                    continue
                best = max(p[1] for p in g)
                go, gn = 100 * (best - at(g, a[k])), 100 * (best - at(g, b[k]))
                gap_moves.append(gn - go)
                gaps.append(f"{go:.2f} → {gn:.2f}")
            cell = lambda k: (f"{a[k]:.3g} → {b[k]:.3g} ({b[k] / a[k]:.3f}x)"
                              if a.get(k) and b.get(k) else "-")
            note = "provisional (never rose)" if "provisional" in (b.get("rule") or "") else ""
            print(f"| {task} | {rt.removeprefix('range_test-')} | {cell('fixed_lr')} | "
                  f"{cell('one_cycle_max_lr')} | {gaps[0]} | {gaps[1]} | {note} |")
    lr = sorted(ratios)
    print()
    print(f"{len(lr)} rates: ratio new/old median {statistics.median(lr):.3f}, "
          f"range {lr[0]:.3f} … {lr[-1]:.3f}; grid gap change (points, new − old) over "
          f"{len(gap_moves)} picks: median {statistics.median(gap_moves):+.2f}, "
          f"range {min(gap_moves):+.2f} … {max(gap_moves):+.2f}; "
          f"OLD reproduced every suggestions.json: {mismatches == 0}")


if __name__ == "__main__":
    main()
