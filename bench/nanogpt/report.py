#!/usr/bin/env python3
"""The table of bench/nanogpt/compare.sh: full-pass test loss (nats/char) of cyclr's gpt and of
nanoGPT, per seed, their means, the seed spread (max - min) and the difference of the means.

    python3 bench/nanogpt/report.py [OUT]     # OUT default bench/nanogpt/results
"""
import glob
import json
import os
import re
import statistics
import sys


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "bench/nanogpt/results"
    cy, ng = {}, {}
    for d in glob.glob(f"{out}/cyclr-seed*/summary.json"):
        s = int(re.search(r"seed(\d+)", d).group(1))
        j = json.load(open(d))
        cy[s] = (j["final_test_loss"], j.get("chars_per_s"), j["wall_time_s"])
    for f in glob.glob(f"{out}/nanogpt-seed*.json"):
        s = int(re.search(r"seed(\d+)", f).group(1))
        j = json.load(open(f))
        log = f[:-5] + ".log"
        ms = None
        if os.path.exists(log):
            m = re.search(r"ms/iteration: median ([\d.]+)", open(log).read())
            ms = float(m.group(1)) if m else None
        ng[s] = (j["val_loss_nats_per_char"], ms)
    seeds = sorted(set(cy) | set(ng))
    print("| seed | cyclr gpt: test loss (nats/char) | nanoGPT: val loss by the same full pass |")
    print("|---:|---:|---:|")
    for s in seeds:
        a = f"{cy[s][0]:.4f}" if s in cy else "-"
        b = f"{ng[s][0]:.4f}" if s in ng else "-"
        print(f"| {s} | {a} | {b} |")
    if cy and ng:
        ca = [v[0] for v in cy.values()]
        na = [v[0] for v in ng.values()]
        print(f"| mean (spread) | {statistics.mean(ca):.4f} ({max(ca) - min(ca):.4f}) | "
              f"{statistics.mean(na):.4f} ({max(na) - min(na):.4f}) |")
        print()
        print(f"cyclr - nanoGPT: {statistics.mean(ca) - statistics.mean(na):+.4f} nats/char "
              f"(goal: within 0.02); bits/char {statistics.mean(ca) / 0.6931471805599453:.4f} vs "
              f"{statistics.mean(na) / 0.6931471805599453:.4f}")


if __name__ == "__main__":
    main()
