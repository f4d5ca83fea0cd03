#!/usr/bin/env python3
"""Record range-test curves (raw losses) for every LR-quality task and seed, for calibrating
the `--lr auto` rule offline.
   python3 bench/lr_quality/record_curves.py BIN OUT SWEEP [TASK...]
SWEEP: fastai (1e-7 -> 10, 100 its) | dense (1e-6 -> 10, 280 its).
Writes OUT/curves/SWEEP/TASK/seedS/{range_test.csv,suggestions.json}; existing ones are kept."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tasks import TASKS  # noqa: E402

SWEEPS = {"fastai": (1e-7, 10.0, 100), "dense": (1e-6, 10.0, 280)}


def opt_flags(opt):
    kind = opt["kind"]
    if kind == "sgd" and opt.get("nesterov"):
        kind = "nesterov"
    return ["--optimizer", kind]


def main():
    binary, out, sweep = sys.argv[1], sys.argv[2], sys.argv[3]
    names = sys.argv[4:] or list(TASKS)
    start, end, its = SWEEPS[sweep]
    for name in names:
        ds, model, act, bn, opt, batch, _iters, _grid, _held = TASKS[name]
        for seed in range(5):
            d = os.path.join(out, "curves", sweep, name, f"seed{seed}")
            if os.path.exists(os.path.join(d, "suggestions.json")):
                continue
            cmd = [binary, "find", "--dataset", ds, "--model", model, "--activation", act,
                   "--batch-size", str(batch), "--seed", str(seed), "--start-lr", str(start),
                   "--end-lr", str(end), "--iters", str(its), "--out", d] + opt_flags(opt)
            if bn:
                cmd.append("--batch-norm")
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(name, "done", flush=True)


if __name__ == "__main__":
    main()
