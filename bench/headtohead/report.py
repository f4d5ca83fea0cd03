#!/usr/bin/env python3
"""The head-to-head across tasks (BENCHMARKS.md §8) from `cyclr compare`'s results.json files.

    python3 bench/headtohead/report.py bench/headtohead/results [--converged DIR]

Per task: each contestant's test accuracy (mean ± std over seeds) and its training steps per seed,
search included; the grid-tuned reference is the grid (one-cycle or fixed with drops) whose pick
has the best validation accuracy. Then per contestant: on how many tasks it is within 0.3 points
of the reference, and the median of reference steps / its steps.
"""
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lr_quality"))
from tasks import TASKS  # noqa: E402

AUTO = ["one-cycle-auto", "triangular2-auto"]
LR_FREE = ["sgd-schedulefree-auto", "adamw-schedulefree", "prodigy-cosine", "dadapt-adam"]
GRIDS = ["one-cycle-grid", "fixed-grid"]
ORDER = AUTO + LR_FREE + GRIDS


def load(path):
    with open(path) as f:
        r = json.load(f)
    h = (r.get("head_to_head") or [None])[-1]
    if h:
        # results.json before #28's metric type named the figures after accuracy.
        for c in h["rows"]:
            for new, old in [("test_mean", "test_accuracy_mean"), ("test_std", "test_accuracy_std")]:
                if old in c:
                    c[new] = c[old]
    return h


def pct(x):
    return f"{100 * x:.2f}"


def main():
    root = sys.argv[1]
    extra = []
    if "--converged" in sys.argv:
        extra.append(("converged (fashion-mlp, full budget)", sys.argv[sys.argv.index("--converged") + 1]))
    tasks = [(t, os.path.join(root, t)) for t in TASKS] + extra
    rows = []
    for name, d in tasks:
        p = os.path.join(d, "results.json")
        if not os.path.exists(p):
            continue
        h = load(p)
        if not h or not h.get("reference"):
            continue
        held = TASKS.get(name, (None,) * 9)[8]
        by = {c["name"]: c for c in h["rows"]}
        rows.append((name + (" (held out)" if held else ""), h["reference"], by))
    if not rows:
        print("no results yet")
        return
    head = "| task | grid-tuned (reference) | " + " | ".join(ORDER) + " |"
    print(head)
    print("|---|---|" + "---:|" * len(ORDER))
    for name, ref, by in rows:
        cells = []
        for c in ORDER:
            x = by.get(c)
            if not x:
                cells.append("-")
                continue
            sd = x.get("test_std")
            acc = pct(x["test_mean"]) + (f" ± {pct(sd)}" if sd is not None else "")
            cells.append(f"{acc} ({x['total_steps']:.0f})")
        print(f"| {name} | {ref} | " + " | ".join(cells) + " |")
    print()
    print("(test accuracy %, mean ± std over 3 seeds; in brackets the training steps per seed, search included)")
    print()
    print("| contestant | within 0.3 points of the grid-tuned accuracy | median compute: grid / its | worst gap (points) |")
    print("|---|---:|---:|---:|")
    for c in ORDER:
        within, ratios, gaps, n = 0, [], [], 0
        for _, ref, by in rows:
            if c not in by or ref not in by:
                continue
            n += 1
            gap = 100 * (by[ref]["test_mean"] - by[c]["test_mean"])
            gaps.append(gap)
            within += gap <= 0.3
            ratios.append(by[ref]["total_steps"] / by[c]["total_steps"])
        if n:
            print(f"| {c} | {within}/{n} | {statistics.median(ratios):.1f}x | {max(gaps):.2f} |")
    print()
    # The goals.
    wins, fifth = 0, 0
    for name, ref, by in rows:
        autos = [by[a] for a in AUTO if a in by]
        frees = [by[f] for f in LR_FREE if f in by]
        if not autos or not frees:
            continue
        best = max(autos, key=lambda x: x["test_mean"])
        if all(best["test_mean"] >= f["test_mean"] for f in frees):
            wins += 1
        r = by[ref]
        if 100 * (r["test_mean"] - best["test_mean"]) <= 0.3 and best["total_steps"] <= r["total_steps"] / 5:
            fifth += 1
    print("Per task: cyclr's best --lr auto contestant, the best learning-rate-free one, and the grid-tuned reference:")
    print()
    print("| task | best --lr auto | best LR-free | LR-free minus auto (points) | auto vs grid (points) | auto's compute / grid's |")
    print("|---|---|---|---:|---:|---:|")
    for name, ref, by in rows:
        autos = [(a, by[a]) for a in AUTO if a in by]
        frees = [(f, by[f]) for f in LR_FREE if f in by]
        if not autos or not frees:
            continue
        an, a = max(autos, key=lambda x: x[1]["test_mean"])
        fn, f = max(frees, key=lambda x: x[1]["test_mean"])
        r = by[ref]
        print(f"| {name} | {an} {pct(a['test_mean'])} | {fn} {pct(f['test_mean'])} | "
              f"{100 * (f['test_mean'] - a['test_mean']):+.2f} | "
              f"{100 * (a['test_mean'] - r['test_mean']):+.2f} | "
              f"{a['total_steps'] / r['total_steps']:.2f} |")
    print()
    print(f"goal 1: cyclr's best --lr auto contestant at least as accurate as every learning-rate-free one on {wins}/{len(rows)} tasks (goal >= 10/13)")
    print(f"goal 2: ... within 0.3 points of the grid-tuned accuracy at <= 1/5 of the grid's total steps on {fifth}/{len(rows)} tasks (goal: all)")


if __name__ == "__main__":
    main()
