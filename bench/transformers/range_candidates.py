"""Range-test candidates on the transformer tasks (issue #29 item 3): does a warm-up before the
sweep, or a longer sweep, move cyclr's pick closer to the AdamW grids' best rates?

    python3 bench/transformers/range_candidates.py run BIN OUT        # resumable
    python3 bench/transformers/range_candidates.py report BIN OUT [--json FILE]

OUT is the working folder of bench/transformers/lr_question.py (its tasks, data, pretrained runs
and grids). For each of its four tasks, `cyclr find` (cyclr's sweep, the GPT and optimizer of
lr_question, seeds 0, 1, 2; the same binary for every variant) runs:

  base     the calibrated sweep: 1e-6 -> 10 in 280 steps (what `--lr auto` runs)
  warmup   200 steps at 1e-6 first (`--sweep-warmup 200`: Adam's 2/(1 - beta2) at beta2 = 0.99,
           Ma & Yarats 2019), then the same sweep
  long     the sweep in 560 steps (`--iters 560`: twice the points per decade)
  val      the same sweep recorded on validation loss (`--metric val-loss`: the last 10% of the
           training text held out of the sweep's batches, 8 batches of its windows evaluated
           after each update; torch-lr-finder's val_loader mode). Added in the fifth session,
           after the other three had run, under the same decision rule, unchanged.

The report gives, per task and variant, the median one-cycle peak (what `--lr auto` fills
warm-up+cosine, WSD and one-cycle with) and fixed-LR pick (constant with warm-up), the
sweep-to-sweep spread (largest / smallest of the three seeds' peaks), and each pick against each
schedule's grid best (picked on validation loss; seed 0): the ratio and the grid's test loss at
the pick (interpolated in log lr) minus the best's.

Decision rule, fixed before any sweep ran: a candidate replaces the base sweep for transformers
only if it brings the median pick closer (in |log ratio|) to the grid's best for warm-up+cosine
on both tasks that are not held out (scratch-shakespeare, ft-fortunes-to-shakespeare) without
moving it further on either; the held-out tasks are then reported, never tuned on.
"""
import json
import math
import os
import statistics as st
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lr_question as lq  # noqa: E402

VARIANTS = {
    "base": [],
    "warmup": ["--sweep-warmup", "200"],
    "long": ["--iters", "560"],
    "val": ["--metric", "val-loss"],
}
# What `--lr auto` fills each schedule with (the registry's declarations).
PICKS = {"one_cycle_max_lr": ["nanogpt-cosine", "wsd", "one-cycle"],
         "fixed_lr": ["constant-with-warmup"]}


def find_cmd(binary, out, task, variant):
    corpus, init, *_ = lq.TASKS[task]
    d = f"{out}/candidates/{task}/{variant}"
    cmd = [binary, "find", "--dataset", lq.dataset(out, corpus), *lq.GPT, "--finder", "cyclr",
           "--seeds", ",".join(map(str, lq.SEEDS)), "--out", d, "--overwrite", "--format",
           "json", *VARIANTS[variant]]
    if init:
        cmd += ["--init", f"{out}/{init}"]
    # The JSON goes to a temporary file, renamed when the test has finished.
    return (["sh", "-c", " ".join(f"'{c}'" for c in cmd) + f" > '{d}.json.tmp'"
             + f" && mv '{d}.json.tmp' '{d}.json'"], f"{d}.log")


def run(binary, out):
    cmds = []
    for task in lq.base_tasks():
        os.makedirs(f"{out}/candidates/{task}", exist_ok=True)
        for v in VARIANTS:
            if not os.path.exists(f"{out}/candidates/{task}/{v}.json"):
                cmds.append(find_cmd(binary, out, task, v))
    lq.parallel(cmds)


def report(out, json_path=None):
    rows = []
    for task, t in lq.TASKS.items():
        grids = {s: lq.grid_points(out, task, s) for s in lq.SCHEDULES}
        grids = {s: p for s, p in grids.items() if len(p) == len(t[4])}
        for v in VARIANTS:
            path = f"{out}/candidates/{task}/{v}.json"
            if not os.path.exists(path):
                continue
            j = json.load(open(path))
            spread = j["spread"]["one_cycle_max_lr"]
            row = {"task": task, "held_out": t[5], "variant": v,
                   "peak": j["one_cycle_max_lr"], "fixed": j["fixed_lr"],
                   "spread": spread["max"] / spread["min"], "vs": {}}
            for pick, scheds in PICKS.items():
                lr = j[pick]
                for s in scheds:
                    if s not in grids:
                        continue
                    best = min(grids[s], key=lambda p: p[1])
                    at = lq.interp_test(grids[s], lr)
                    row["vs"][s] = {"ratio": lr / best[0],
                                    "delta": None if at is None else at - best[2]}
            rows.append(row)
    print("| task | variant | one-cycle peak (spread over seeds) | fixed-LR pick | "
          + " | ".join(lq.SCHEDULES) + " |")
    print("|---|---|---|---|" + "---|" * len(lq.SCHEDULES))
    for r in rows:
        cells = []
        for s in lq.SCHEDULES:
            x = r["vs"].get(s)
            if x is None:
                cells.append("–")
                continue
            d = "off the grid" if x["delta"] is None else f"{x['delta']:+.3f}"
            cells.append(f"{lq.fmt_ratio(x['ratio'])} ({d})")
        held = " (held out)" if r["held_out"] else ""
        print(f"| {r['task']}{held} | {r['variant']} | {r['peak']:.3g} ({r['spread']:.2f}×) | "
              f"{r['fixed']:.3g} | " + " | ".join(cells) + " |")
    print()
    for v in VARIANTS:
        if v == "base":
            continue
        verdict = []
        for task in ["scratch-shakespeare", "ft-fortunes-to-shakespeare"]:
            b = next((r for r in rows if r["task"] == task and r["variant"] == "base"), None)
            c = next((r for r in rows if r["task"] == task and r["variant"] == v), None)
            if not (b and c and "nanogpt-cosine" in b["vs"]):
                verdict.append(None)
                continue
            eb = abs(math.log(b["vs"]["nanogpt-cosine"]["ratio"]))
            ec = abs(math.log(c["vs"]["nanogpt-cosine"]["ratio"]))
            verdict.append(ec < eb)
        ok = all(x is True for x in verdict)
        print(f"- {v}: closer to warm-up+cosine's best on the tuning tasks: {verdict} -> "
              f"{'adopt' if ok else 'keep the base sweep'}")
    if json_path:
        json.dump(rows, open(json_path, "w"), indent=1)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("run", "report"):
        sys.exit(__doc__)
    if sys.argv[1] == "run":
        run(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    else:
        j = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
        report(os.path.abspath(sys.argv[3]), j)


if __name__ == "__main__":
    main()
