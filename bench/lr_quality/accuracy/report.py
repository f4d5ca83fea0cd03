#!/usr/bin/env python3
"""The accuracy rule in the LR-quality benchmark (BENCHMARKS.md §5, issue #18 item 2).

    python3 bench/lr_quality/accuracy/report.py bench/lr_quality/accuracy/results

For each calibration task: the one-cycle peak and the fixed LR that the accuracy range test gives
(3 seeds, median) by the new rule (cyclr's calibrated rule on 1 - accuracy, no lag) and by the
paper's EMA-peak rule, and by the loss rule (`--lr auto` as the head-to-head ran it); each pick
is scored by the head-to-head's grid of that use (one-cycle-grid for the peak, fixed-grid with
/10 drops for the fixed LR; 3 seeds, mean final test accuracy) interpolated in log lr, against
the grid's best point.
"""
import json
import math
import os
import statistics
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "headtohead", "results")
TASKS = ["digits-mlp-sgd", "digits-lenet-sgd", "digits-mlp-adam", "digits-lenet-adam",
         "fashion-mlp-sgd", "fashion-mlp-adam", "fashion-lenet-sgd"]


def grid(task, name):
    r = json.load(open(os.path.join(ROOT, task, "results.json")))
    pts = {}
    for run in r["runs"]:
        if run["name"].startswith(name + "_at_") and run.get("budget") in (None, 1.0):
            lr = float(run["name"].split("_at_")[1])
            pts.setdefault(lr, []).append(run["final_test_accuracy"])
    return sorted((lr, statistics.mean(a)) for lr, a in pts.items())


def loss_pick(task, name, key):
    r = json.load(open(os.path.join(ROOT, task, "results.json")))
    for run in r["runs"]:
        if run["name"] == name:
            return run["schedule"][key]
    return None


def at(g, lr):
    """Grid accuracy at lr, linear in log lr; outside the grid: the end point's."""
    if lr <= g[0][0]:
        return g[0][1]
    if lr >= g[-1][0]:
        return g[-1][1]
    for (a, x), (b, y) in zip(g, g[1:]):
        if a <= lr <= b:
            t = (math.log(lr) - math.log(a)) / (math.log(b) - math.log(a))
            return x + t * (y - x)


def main():
    out = sys.argv[1]
    rows = {"one-cycle": [], "fixed": []}
    print("| task | use | grid best (lr: acc %) | loss rule: lr, gap | accuracy, new rule: lr (seed spread), gap | accuracy, paper's rule: lr (seed spread), gap |")
    print("|---|---|---|---|---|---|")
    for t in TASKS:
        for use, gname, key, lkey, lname in [("one-cycle", "one-cycle-grid", "one_cycle_max_lr", "max_lr", "one-cycle-auto"),
                                             ("fixed", "fixed-grid", "fixed_lr", None, None)]:
            g = grid(t, gname)
            best_lr, best = max(g, key=lambda p: p[1])
            cells = []
            for which in ["new", "old"]:
                lrs = []
                for s in range(3):
                    p = os.path.join(out, f"{t}-seed{s}-{which}.json")
                    if os.path.exists(p):
                        v = json.load(open(p)).get(key)
                        if v:
                            lrs.append(v)
                if not lrs:
                    cells.append(None)
                    continue
                m = statistics.median(lrs)
                cells.append((m, max(lrs) / min(lrs), 100 * (best - at(g, m))))
            lp = loss_pick(t, lname, lkey) if lname else None
            lcell = f"{lp:.3g}, {100 * (best - at(g, lp)):.2f}" if lp else "-"
            fmt = lambda c: "-" if c is None else f"{c[0]:.3g} ({c[1]:.1f}x), {c[2]:.2f}"
            print(f"| {t} | {use} | {best_lr:g}: {100 * best:.2f} | {lcell} | {fmt(cells[0])} | {fmt(cells[1])} |")
            rows[use].append((lp and 100 * (best - at(g, lp)), cells[0] and cells[0][2], cells[1] and cells[1][2]))
    print()
    for use, r in rows.items():
        for i, name in enumerate(["loss rule", "accuracy, new rule", "accuracy, paper's rule"]):
            gaps = [x[i] for x in r if x[i] is not None]
            if gaps:
                print(f"{use}, {name}: gap to the grid's best median {statistics.median(gaps):.2f} / worst {max(gaps):.2f} points over {len(gaps)} tasks")


if __name__ == "__main__":
    main()
