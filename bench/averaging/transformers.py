"""Weight averaging on the transformer tasks (issue #30): a constant rate with warm-up plus
averaging, against WSD's cooldown: nanoGPT's CPU GPT trained from scratch (2000 steps) and
fine-tuned from a pretrained one (300 steps, `init` = lr_question's pretrained run).

    python3 bench/averaging/transformers.py run BIN OUT TASK [TASK...]   # resumable
    python3 bench/averaging/transformers.py report OUT TASK [TASK...] [--json FILE]

OUT is the working folder of bench/transformers/lr_question.py (its tasks, data and the WSD
grid, `lr_question.py run BIN OUT scratch-grid:wsd` or `ft-grid:wsd`, must be there). For each
TASK (lr_question's names: scratch-shakespeare, scratch-fortunes, ft-fortunes-to-shakespeare,
ft-shakespeare-to-fortunes) of T steps the rate R is
the WSD grid's pick on validation loss (seed 0; never the test set); then, 3 seeds each, at R:

  wsd            transformers' WSD: warm-up, stable, a 20% cosine cooldown to 0 (lr_question's)
  constant-swa   constant with warm-up, SWA (equal-weight mean) over the last 20%, every step:
                 the cooldown's window, no cooldown
  constant-ema   constant with warm-up, EMA of the weights (PyTorch's, decay 1 - 4/T: a time
                 constant of a quarter of the run; 0.998 at 2000 steps, 0.98667 at 300), every
                 step from the start

Every run holds out the last 10% of its training text for validation and is scored by the
full-pass test loss in nats/char (of the average, for the averaged runs; the live model's is
beside it in summary.json).
"""
import json
import math
import os
import statistics as st
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "transformers"))
import lr_question as lq  # noqa: E402

SEEDS = [0, 1, 2]
CONTESTANTS = {
    "wsd": ("wsd", None),
    "constant-swa": ("constant-with-warmup", {"kind": "swa", "start": 0.8}),
    "constant-ema": ("constant-with-warmup", "ema"),
}


def average_table(average, iters):
    """The `average` table of a contestant; EMA's decay is 1 - 4/iters (a time constant of a
    quarter of the run), fixed before any run."""
    if average == "ema":
        return {"kind": "ema", "decay": round(1 - 4 / iters, 5)}
    return average


def wsd_pick(out, task):
    pts = lq.grid_points(out, task, "wsd")
    if len(pts) < len(lq.TASKS[task][4]):
        kind = "ft" if lq.TASKS[task][1] else "scratch"
        sys.exit(f"{task}: the WSD grid is not finished in {out} "
                 f"(lr_question.py run BIN {out} {kind}-grid:wsd)")
    return min(pts, key=lambda p: p[1])[0]


def experiment(out, task, rate):
    corpus, init, iters, warmup, _grid, _held = lq.TASKS[task]
    lines = [
        f'name = "{task}-averaging"',
        f'description = "issue #30, {task}: constant + averaging against WSD at {rate}"',
        f"dataset = {json.dumps(lq.dataset(out, corpus))}",
        'model = "gpt"', "batch_size = 12", f"iters = {iters}", f"eval_every = {iters}",
        f"seeds = {lq.toml_value(SEEDS)}", "validation = 0.1", "grad_clip = 1.0",
        'baseline = "wsd"'] + ([f'init = "{out}/{init}"'] if init else []) + ["", "[gpt]", "layers = 4", "heads = 4", "width = 128",
        "context = 64", "dropout = 0.0", "bias = false", "", "[optimizer]", 'kind = "adamw"',
        "beta1 = 0.9", "beta2 = 0.99", "weight_decay = 0.1"]
    for name, (policy, average) in CONTESTANTS.items():
        table, key = lq.schedule(policy, iters, warmup)
        table[key] = rate
        lines += ["", "[[run]]", f'name = "{name}"', f"schedule = {lq.toml_value(table)}"]
        if average:
            lines.append(f"average = {lq.toml_value(average_table(average, iters))}")
    return "\n".join(lines) + "\n"


def run(binary, out, tasks):
    for task in tasks:
        rate = wsd_pick(out, task)
        d = f"{out}/runs/{task}-averaging"  # compare keeps the runs already finished there
        cfg = f"{out}/experiments/{task}-averaging.toml"
        with open(cfg, "w") as f:
            f.write(experiment(out, task, rate))
        lq.sh([binary, "compare", "--config", cfg, "--out", d, "--jobs", str(lq.JOBS),
               "--quiet"], f"{d}.log")


def report(out, tasks, json_path=None):
    rows = []
    for task in tasks:
        rs = lq.runs_of(f"{out}/runs/{task}-averaging/results.json")
        by = {}
        for r in rs:
            by.setdefault(r["name"], []).append(r)
        for name in CONTESTANTS:
            runs = by.get(name, [])
            tests = [r["final_test_loss"] for r in runs]
            live = [r.get("final_live_test_loss") for r in runs]
            rows.append({"task": task, "contestant": name, "seeds": len(tests),
                         "test_mean": st.mean(tests) if tests else math.nan,
                         "test_std": st.stdev(tests) if len(tests) > 1 else 0.0,
                         "live": [x for x in live if x is not None]})
    print("| task | contestant | test loss (nats/char, mean ± std) | vs wsd | live model | seeds |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        base = next(x for x in rows if x["task"] == r["task"] and x["contestant"] == "wsd")
        live = f"{st.mean(r['live']):.4f}" if r["live"] else "-"
        print(f"| {r['task']} | {r['contestant']} | {r['test_mean']:.4f} ± {r['test_std']:.4f} | "
              f"{r['test_mean'] - base['test_mean']:+.4f} | {live} | {r['seeds']} |")
    if json_path:
        json.dump(rows, open(json_path, "w"), indent=1)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("run", "report"):
        sys.exit(__doc__)
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        args = sys.argv[3:]
        j = None
        if "--json" in args:
            i = args.index("--json")
            j = args[i + 1]
            args = args[:i] + args[i + 2:]
        report(sys.argv[2], args, j)


if __name__ == "__main__":
    main()
