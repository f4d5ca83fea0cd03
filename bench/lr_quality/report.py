#!/usr/bin/env python3
"""The LR-quality benchmark's report (BENCHMARKS.md section 5), from the outputs of
run_grids.sh, run_auto.sh and record_curves.py:

   python3 bench/lr_quality/report.py BIN OUT

For every task and use (fixed LR, one-cycle peak, triangular2 max_lr):
* grid best: the LR of the grid with the best mean final test accuracy (3 seeds);
* auto (trained): `--lr auto` as a user runs it (range test seed 0), trained with 3 seeds;
* auto over 5 range-test seeds: the picks of cyclr's rule (`BIN suggest`) on 5 recorded
  range tests (seeds 0-4), their spread (max/min) and the accuracy the grid gives at each pick
  (interpolated in log lr between grid points; the worst of the 5 is reported);
* old rule: what `--lr auto` chose before (fastai's sweep 1e-7 -> 10 in 100 steps; fixed = fastai's
  valley, CLR max = one-cycle peak = minimum/10), on the same 5 seeds.
Calibration tasks first, then the held-out ones.
"""
import collections
import csv
import json
import math
import os
import statistics as st
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tasks import TASKS  # noqa: E402

USES = ["fixed", "one-cycle", "triangular2"]
PICK_KEY = {"fixed": "fixed_lr", "one-cycle": "one_cycle_max_lr", "triangular2": "max_lr"}
OLD_KEY = {"fixed": "valley", "one-cycle": "one_cycle_max_lr", "triangular2": "max_lr"}


def runs_of(path):
    if not os.path.exists(path):
        return []
    return json.load(open(path))["runs"]


def grid(out, task):
    runs = runs_of(f"{out}/grids/{task}/results.json") + runs_of(f"{out}/grids-ext/{task}/results.json")
    if not runs:
        return None
    acc = collections.defaultdict(list)
    for r in runs:
        a = r["final_test_accuracy"]
        if r["diverged"] or a != a:
            a = 0.0
        acc[r["name"]].append(a)
    return {u: sorted((float(n.rsplit("-", 1)[1]), st.mean(v)) for n, v in acc.items()
                      if n.rsplit("-", 1)[0] == u) for u in USES}


def interp(pts, lr):
    xs = [math.log(p[0]) for p in pts]
    ys = [p[1] for p in pts]
    x = math.log(lr)
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    for i in range(len(xs) - 1):
        if xs[i] <= x <= xs[i + 1]:
            t = (x - xs[i]) / (xs[i + 1] - xs[i])
            return ys[i] + t * (ys[i + 1] - ys[i])


def picks(binary, out, task, sweep):
    """Each seed's picks: cyclr's rule on the recorded raw curve (BIN suggest), or (old) the
    suggestions.json the old binary wrote."""
    res = []
    for seed in range(5):
        d = f"{out}/curves/{sweep}/{task}/seed{seed}"
        if not os.path.exists(f"{d}/range_test.csv"):
            continue
        if sweep == "dense":
            p = subprocess.run([binary, "suggest", "--input", f"{d}/range_test.csv", "--format", "json"],
                               capture_output=True, text=True, check=True)
            res.append(json.loads(p.stdout))
        else:
            res.append(json.load(open(f"{d}/suggestions.json")))
    return res


def auto_trained(out, task):
    runs = runs_of(f"{out}/auto/{task}/results.json")
    by = collections.defaultdict(list)
    lr = {}
    for r in runs:
        a = r["final_test_accuracy"]
        if r["diverged"] or a != a:
            a = 0.0
        by[r["name"]].append(a)
        s = r["schedule"]
        lr[r["name"]] = s.get("lr", s.get("max_lr"))
    return {u: (lr[u], st.mean(v)) for u, v in by.items()}


def main():
    binary, out = sys.argv[1], sys.argv[2]
    rows = []
    for task, spec in TASKS.items():
        g = grid(out, task)
        if not g:
            continue
        new = picks(binary, out, task, "dense")
        old = picks(binary, out, task, "fastai")
        trained = auto_trained(out, task)
        for use in USES:
            pts = g[use]
            best_lr, best = max(pts, key=lambda p: p[1])
            row = {"task": task, "held": spec[-1], "use": use, "best_lr": best_lr, "best": best}
            lrs = [p[PICK_KEY[use]] for p in new if p.get(PICK_KEY[use])]
            if lrs:
                row["spread"] = max(lrs) / min(lrs)
                row["worst_gap"] = max(best - interp(pts, x) for x in lrs)
                row["worst_ratio"] = max(max(x / best_lr, best_lr / x) for x in lrs)
            olrs = [p[OLD_KEY[use]] for p in old if p.get(OLD_KEY[use])]
            if olrs:
                m = st.median(olrs)
                row["old_lr"] = m
                row["old_gap"] = best - interp(pts, m)
            if use in trained:
                row["auto_lr"], row["auto_acc"] = trained[use]
            rows.append(row)
    print("| task | use | grid best LR (acc. %) | `--lr auto` LR (ratio) | its acc. % (gap) | 5 range-test seeds: spread, worst gap, worst ratio | old rule LR (gap) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for held in (False, True):
        for r in (r for r in rows if r["held"] == held):
            name = r["task"] + (" (held out)" if held else "")
            auto = "-"
            acc = "-"
            if "auto_lr" in r:
                auto = f"{r['auto_lr']:.3g} ({r['auto_lr'] / r['best_lr']:.2f})"
                acc = f"{r['auto_acc'] * 100:.2f} ({(r['best'] - r['auto_acc']) * 100:+.2f})"
            five = "-"
            if "spread" in r:
                five = f"{r['spread']:.2f}x, {r['worst_gap'] * 100:.2f}, {r['worst_ratio']:.2f}x"
            old = f"{r['old_lr']:.3g} ({r['old_gap'] * 100:.2f})" if "old_lr" in r else "-"
            print(f"| {name} | {r['use']} | {r['best_lr']:.3g} ({r['best'] * 100:.2f}) | {auto} | {acc} | {five} | {old} |")
    print()
    for held in (False, True):
        sel = [r for r in rows if r["held"] == held and "auto_acc" in r]
        if not sel:
            continue
        gaps = [(r["best"] - r["auto_acc"]) * 100 for r in sel]
        ratios = [max(r["auto_lr"] / r["best_lr"], r["best_lr"] / r["auto_lr"]) for r in sel]
        within = sum(1 for x in ratios if x <= 2.0)
        olds = [r["old_gap"] * 100 for r in rows if r["held"] == held and "old_gap" in r]
        spreads = [r["spread"] for r in rows if r["held"] == held and "spread" in r and r["use"] == "one-cycle"]
        seed_gaps = [r["worst_gap"] * 100 for r in rows if r["held"] == held and "worst_gap" in r]
        print(f"**{'held-out' if held else 'calibration'} tasks** ({len(sel) // 3} tasks x 3 uses): "
              f"`--lr auto` accuracy gap to the grid's best: median {st.median(gaps):.2f}, worst {max(gaps):.2f} points; "
              f"LR within 2x of the grid's best in {within}/{len(sel)} (worst {max(ratios):.2f}x); "
              f"over 5 range-test seeds the worst gap is {max(seed_gaps):.2f} points; "
              f"one-cycle peak spread over 5 range-test seeds: worst {max(spreads):.2f}x. "
              f"Old rule: median gap {st.median(olds):.2f}, worst {max(olds):.2f} points.")
        print()


if __name__ == "__main__":
    main()
