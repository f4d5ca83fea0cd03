#!/usr/bin/env python3
"""The learning-rate question on transformers (issue #29): nanoGPT's CPU GPT from scratch and
fine-tuned, every finder's pick against a fixed AdamW grid picked on validation loss.

   python3 bench/transformers/lr_question.py run BIN OUT [STAGE...]   # resumable
   python3 bench/transformers/lr_question.py report OUT [--bin BIN] [--json FILE]
   python3 bench/transformers/lr_question.py plots BIN OUT DEST   # range-test plots, picks marked
   python3 bench/transformers/lr_question.py collect OUT DEST     # the files the report reads

Stages, in the order `run` does them when none is named (each skips what exists):
  data          OUT/fortunes.txt: Debian's `fortunes` collection (apt-get install fortunes),
                every file but the offensive ones, in name order (2,576,674 bytes)
  pretrain      OUT/pre-shakespeare, OUT/pre-fortunes: nanoGPT's recipe (lr 1e-3, 2000 steps)
                on all of each corpus's training text: the models the fine-tuning tasks start from
  finders       every task x finder (cyclr, fastai, lightning, torch-lr-finder) x seeds 0,1,2:
                `cyclr find --finder F` on the task's model (the pretrained one for fine-tuning),
                each finder on its own sweep
  ft-grid       the fine-tuning grids (9 rates 2x apart) for the four schedules, seed 0
  ft-auto       the fine-tuning `--lr auto` runs of the four schedules, seeds 0,1,2
  scratch-grid  the from-scratch grids (8 rates 2x apart), seed 0
                (STAGE:SCHEDULE for the grid and auto stages: one schedule's)
  scratch-auto  the from-scratch `--lr auto` runs, seeds 0,1,2
  ft-lld        the fine-tuning `--lr auto` warm-up+cosine runs with ULMFiT's discriminative
                rates (layer_lr_decay 0.385 = 1/2.6 per block), the tied embedding at the top
                block's rate and at the bottom's, seeds 0,1,2
  ft-lld-grid   the fine-tuning grids of warm-up+cosine with those discriminative rates (the
                schedule's rate is the top block's), seed 0 (STAGE:top or STAGE:bottom for one
                placement of the tied embedding)
  ft-4x         ft-fortunes-to-shakespeare at 4x its budget (1200 steps, 120 warm-up): the
                warm-up+cosine grid, `--lr auto` with it, Schedule-Free AdamW at its defaults
  ft-h2h, scratch-h2h
                the head-to-head's other contestants, seeds 0,1,2 (STAGE:CONTESTANT for one):
                Schedule-Free AdamW at its package's defaults with the task's warm-up
                (adamw-schedulefree), the same with its lr from `--lr auto`
                (adamw-schedulefree-auto), Prodigy at its defaults with cosine annealing over
                the run (prodigy-cosine) -- as in BENCHMARKS section 8

Every training run holds out the last 10% of its training text as validation (the grid pick is
made there, never on the test set) and is scored by the full-pass test loss in nats/char.
The grids are fixed in advance and never widened: from scratch 2.5e-4 ... 3.2e-2 (8 points),
fine-tuning 2.5e-5 ... 6.4e-3 (9 points; the issue's "... 8e-3" is not on a 2x ladder from 2.5e-5).
LRQ_JOBS (default 2) is how many runs or sweeps are in flight at once.
HELD_OUT tasks were marked before any result was seen: no rule may be tuned on them.
"""
import concurrent.futures as cf
import glob
import json
import math
import os
import statistics as st
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

GPT = ["--model", "gpt", "--layers", "4", "--heads", "4", "--width", "128", "--context", "64",
       "--dropout", "0", "--batch-size", "12", "--optimizer", "adamw", "--betas", "0.9,0.99",
       "--weight-decay", "0.1", "--grad-clip", "1"]

SCRATCH_GRID = [2.5e-4 * 2**i for i in range(8)]   # 2.5e-4 .. 3.2e-2
FT_GRID = [2.5e-5 * 2**i for i in range(9)]        # 2.5e-5 .. 6.4e-3

# name: corpus, pretrained start (None: from scratch), steps, warm-up steps, grid, held out
TASKS = {
    "scratch-shakespeare": ("shakespeare", None, 2000, 100, SCRATCH_GRID, False),
    "scratch-fortunes": ("fortunes", None, 2000, 100, SCRATCH_GRID, True),
    "ft-fortunes-to-shakespeare": ("shakespeare", "pre-fortunes", 300, 30, FT_GRID, False),
    "ft-shakespeare-to-fortunes": ("fortunes", "pre-shakespeare", 300, 30, FT_GRID, True),
    # The first fine-tuning task at 4x the budget (fifth session; stage ft-4x): is the 1x
    # head-to-head's order kept when the tuned baseline has more steps?
    "ft-fortunes-to-shakespeare-4x": ("shakespeare", "pre-fortunes", 1200, 120, FT_GRID, False),
}
# Tasks only the stages that name them run (not the default stages' loops).
EXTRA_TASKS = {"ft-fortunes-to-shakespeare-4x"}


def base_tasks():
    """TASKS less EXTRA_TASKS: what the default stages (and the range-test candidates) run."""
    return {k: v for k, v in TASKS.items() if k not in EXTRA_TASKS}
SCHEDULES = ["nanogpt-cosine", "wsd", "constant-with-warmup", "one-cycle"]
FINDERS = ["cyclr", "fastai", "lightning", "torch-lr-finder"]
SEEDS = [0, 1, 2]
H2H = ["adamw-schedulefree", "adamw-schedulefree-auto", "prodigy-cosine"]


def dataset(out, corpus):
    return "shakespeare" if corpus == "shakespeare" else f"text:{out}/fortunes.txt"


def schedule(name, iters, warmup):
    """The schedule table of one contestant (its rate key left out: the grid or the range test
    fills it) and that key."""
    if name == "nanogpt-cosine":
        return {"policy": name, "warmup_iters": warmup}, "lr"
    if name == "wsd":  # transformers' get_wsd_schedule: warm-up, stable, a 20% cosine cooldown to 0
        return {"policy": name, "num_warmup_steps": warmup, "num_decay_steps": iters // 5}, "lr"
    if name == "constant-with-warmup":
        return {"policy": name, "num_warmup_steps": warmup}, "lr"
    if name == "one-cycle":
        return {"policy": name}, "max_lr"
    raise ValueError(name)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def experiment(out, task, kind, schedules, seeds):
    """A `cyclr compare` experiment: kind "grid" (each schedule's fixed grid) or "auto"."""
    corpus, init, iters, warmup, grid, _held = TASKS[task]
    lines = [
        f'name = "{task}-{kind}"',
        f'description = "issue #29, {task}: {kind}"',
        f'dataset = {json.dumps(dataset(out, corpus))}',
        'model = "gpt"',
        "batch_size = 12",
        f"iters = {iters}",
        f"eval_every = {iters}",
        f"seeds = {toml_value(seeds)}",
        "validation = 0.1",
        "grad_clip = 1.0",
        f'baseline = "{schedules[0] if kind == "h2h" else f"{schedules[0]}-{kind}"}"',
    ]
    if init:
        lines.append(f'init = "{out}/{init}"')
    if kind.startswith(("lld-", "lldgrid-")):  # ULMFiT's 1/2.6 per block, the tied matrix at
        tied = kind.split("-", 1)[1]              # the top or the bottom
        lines.append(f'layer_lr_decay = {{ factor = 0.385, tied = "{tied}" }}')
    lines += ["", "[gpt]", "layers = 4", "heads = 4", "width = 128", "context = 64",
              "dropout = 0.0", "bias = false", "", "[optimizer]", 'kind = "adamw"', "beta1 = 0.9",
              "beta2 = 0.99", "weight_decay = 0.1"]
    for s in schedules:
        if kind == "h2h":
            lines += ["", "[[run]]", f'name = "{s}"'] + h2h_run(s, iters, warmup)
            continue
        table, key = schedule(s, iters, warmup)
        lines += ["", "[[run]]", f'name = "{s}-{kind}"', f"schedule = {toml_value(table)}"]
        if kind == "grid" or kind.startswith("lldgrid-"):
            lines.append(f"grid = {{ {key} = {toml_value(grid)} }}")
        else:  # "auto", "lld-top", "lld-bottom"
            lines.append("auto_lr = true")
    return "\n".join(lines) + "\n"


def h2h_run(name, iters, warmup):
    """A head-to-head contestant's keys: its optimizer replaces the experiment's AdamW whole
    (the package's defaults: Schedule-Free AdamW lr 0.0025, betas (0.9, 0.999), no weight decay;
    Prodigy lr 1, betas (0.9, 0.999), no weight decay)."""
    sf = {"kind": "adamw-schedulefree", "warmup_steps": warmup}
    if name == "adamw-schedulefree":
        return [f"optimizer = {toml_value(sf)}", 'schedule = { policy = "fixed" }']
    if name == "adamw-schedulefree-auto":
        return ["auto_lr = true", f"optimizer = {toml_value(sf)}", 'schedule = { policy = "fixed" }']
    if name == "prodigy-cosine":
        return ['optimizer = { kind = "prodigy" }', f'schedule = {{ policy = "sgdr", t0 = {iters} }}']
    raise ValueError(name)


def sh(cmd, log=None):
    print("+", " ".join(cmd), flush=True)
    with open(log or os.devnull, "w") as f:
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT)


# The runs and sweeps in flight at once (LRQ_JOBS=1 leaves a core free for other work).
JOBS = int(os.environ.get("LRQ_JOBS", "2"))


def parallel(cmds):
    with cf.ThreadPoolExecutor(JOBS) as ex:
        for f in [ex.submit(sh, c, l) for c, l in cmds]:
            f.result()


def stage_data(binary, out):
    path = f"{out}/fortunes.txt"
    if os.path.exists(path):
        return
    src = "/usr/share/games/fortunes"
    if not os.path.isdir(src):
        sys.exit("needs Debian's fortunes: apt-get install fortunes")
    files = sorted(f for f in glob.glob(f"{src}/*")
                   if os.path.isfile(f) and not f.endswith((".dat", ".u8")))
    with open(path + ".tmp", "wb") as w:
        for f in files:
            w.write(open(f, "rb").read())
    os.replace(path + ".tmp", path)


def stage_pretrain(binary, out):
    cmds = []
    for corpus in ["shakespeare", "fortunes"]:
        d = f"{out}/pre-{corpus}"
        if os.path.exists(f"{d}/summary.json"):
            continue
        cmds.append(([binary, "train", "--dataset", dataset(out, corpus), *GPT, "--iters", "2000",
                      "--policy", "nanogpt-cosine", "--lr", "1e-3", "--warmup-iters", "100",
                      "--eval-every", "2000", "--out", d, "--quiet", "--overwrite"], f"{d}.log"))
    parallel(cmds)


def stage_finders(binary, out, tasks=None):
    cmds = []
    tasks = tasks or list(base_tasks())
    for task in tasks:
        corpus, init, *_ = TASKS[task]
        for finder in FINDERS:
            d = f"{out}/finders/{task}/{finder}"
            if os.path.exists(f"{d}.json"):
                continue
            cmd = [binary, "find", "--dataset", dataset(out, corpus), *GPT, "--finder", finder,
                   "--seeds", ",".join(map(str, SEEDS)), "--out", d, "--overwrite",
                   "--format", "json"]
            if init:
                cmd += ["--init", f"{out}/{init}"]
            # The JSON goes to a temporary file, renamed when the test has finished.
            cmds.append((["sh", "-c", " ".join(f"'{c}'" for c in cmd) + f" > '{d}.json.tmp'"
                          + f" && mv '{d}.json.tmp' '{d}.json'"], f"{d}.log"))
    os.makedirs(f"{out}/finders", exist_ok=True)
    for task in tasks:
        os.makedirs(f"{out}/finders/{task}", exist_ok=True)
    parallel(cmds)


def compare(binary, out, task, kind, schedules, seeds):
    name = f"{task}-{kind}-{schedules[0]}"
    d = f"{out}/runs/{name}"  # compare keeps the runs already finished there (same config)
    os.makedirs(f"{out}/experiments", exist_ok=True)
    cfg = f"{out}/experiments/{name}.toml"
    with open(cfg, "w") as f:
        f.write(experiment(out, task, kind, schedules, seeds))
    os.makedirs(f"{out}/runs", exist_ok=True)
    sh([binary, "compare", "--config", cfg, "--out", d, "--jobs", str(JOBS), "--quiet"],
       f"{d}.log")


def stage_grid(binary, out, scratch, schedules=None):
    for s in schedules or SCHEDULES:
        for task, t in base_tasks().items():
            if (t[1] is None) == scratch:
                compare(binary, out, task, "grid", [s], [0])


def stage_auto(binary, out, scratch, schedules=None):
    for s in schedules or SCHEDULES:
        for task, t in base_tasks().items():
            if (t[1] is None) == scratch:
                compare(binary, out, task, "auto", [s], SEEDS)


def stage_lld(binary, out):
    for tied in ["top", "bottom"]:
        for task, t in base_tasks().items():
            if t[1] is not None:
                compare(binary, out, task, f"lld-{tied}", ["nanogpt-cosine"], SEEDS)


def stage_lld_grid(binary, out, placements=None):
    for tied in placements or ["top", "bottom"]:
        for task, t in base_tasks().items():
            if t[1] is not None:
                compare(binary, out, task, f"lldgrid-{tied}", ["nanogpt-cosine"], [0])


def stage_h2h(binary, out, scratch, contestants=None):
    for c in contestants or H2H:
        for task, t in base_tasks().items():
            if (t[1] is None) == scratch:
                compare(binary, out, task, "h2h", [c], SEEDS)


def stage_ft_4x(binary, out):
    """The 4x fine-tuning budget: warm-up+cosine's grid (seed 0), `--lr auto` with it and
    Schedule-Free AdamW at its defaults (seeds 0,1,2), 1200 steps with 120 of warm-up."""
    task = "ft-fortunes-to-shakespeare-4x"
    compare(binary, out, task, "grid", ["nanogpt-cosine"], [0])
    compare(binary, out, task, "auto", ["nanogpt-cosine"], SEEDS)
    compare(binary, out, task, "h2h", ["adamw-schedulefree"], SEEDS)


STAGES = {
    "data": stage_data,
    "pretrain": stage_pretrain,
    "finders": stage_finders,
    "ft-grid": lambda b, o: stage_grid(b, o, False),
    "ft-auto": lambda b, o: stage_auto(b, o, False),
    "scratch-grid": lambda b, o: stage_grid(b, o, True),
    "scratch-auto": lambda b, o: stage_auto(b, o, True),
    "ft-h2h": lambda b, o: stage_h2h(b, o, False),
    "ft-lld": stage_lld,
    "ft-lld-grid": stage_lld_grid,
    "ft-4x": stage_ft_4x,
    "scratch-h2h": lambda b, o: stage_h2h(b, o, True),
}


# ---------------------------------------------------------------------------------- report

def runs_of(path):
    return json.load(open(path))["runs"] if os.path.exists(path) else []


def grid_points(out, task, sched, name=None):
    """[(rate, val loss, test loss)] of one schedule's grid (or of the grid experiment `name`),
    seed 0, sorted by rate; a diverged or non-finite run scores +inf."""
    pts = []
    for r in runs_of(f"{out}/runs/{name or f'{task}-grid-{sched}'}/results.json"):
        key = "max_lr" if sched == "one-cycle" else "lr"
        v = r.get("val_loss")
        t = r.get("final_test_loss")
        bad = r.get("diverged") or v is None or not math.isfinite(v)
        pts.append((r["schedule"][key], math.inf if bad else v, math.inf if bad else t))
    return sorted(pts)


def auto_runs(out, task, sched, name=None):
    """`--lr auto`'s runs of one schedule (or of the experiment `name`, e.g. a head-to-head
    contestant's): rates, test loss over the seeds, total steps per seed (search included)."""
    rs = runs_of(f"{out}/runs/{name or f'{task}-auto-{sched}'}/results.json")
    if not rs:
        return None
    key = "max_lr" if sched == "one-cycle" else "lr"
    tests = [r["final_test_loss"] for r in rs]
    return {"lrs": [r["schedule"].get(key) for r in rs], "test_mean": st.mean(tests),
            "test_std": st.stdev(tests) if len(tests) > 1 else 0.0, "seeds": len(rs),
            "total_steps": st.mean(r["total_steps"] for r in rs)}


def finder_picks(out, task, binary=None):
    """{finder's suggestion: [rate per seed]} from each finder's own sweeps
    (OUT/finders/TASK/FINDER/seedS/suggestions.json, written by `find --seeds`); with BIN, cyclr's
    rule also replayed by that binary's `suggest` on the recorded cyclr sweeps (the rule as it
    is now, read as a transformer's curve as `find` reads a GPT's; the recorded picks are the
    rule of the binary that ran the sweep)."""
    picks = {}
    for finder in FINDERS:
        for seed in SEEDS:
            d = f"{out}/finders/{task}/{finder}/seed{seed}"
            if not os.path.exists(f"{d}/suggestions.json"):
                continue
            for k, v in suggestion_rates(finder, json.load(open(f"{d}/suggestions.json"))).items():
                picks.setdefault(k, []).append(v)
            if finder == "cyclr" and binary:
                p = subprocess.run([binary, "suggest", "--input", f"{d}/range_test.csv",
                                    "--architecture", "transformer", "--format", "json"],
                                   capture_output=True, text=True)
                v = json.loads(p.stdout)["one_cycle_max_lr"] if p.stdout.strip() else None
                picks.setdefault("cyclr, replayed by BIN (one-cycle peak)", []).append(v)
    return picks


def suggestion_rates(finder, s):
    """The rates a user of each finder would take as the peak: cyclr's one-cycle peak (what
    `--lr auto` fills these schedules with), fastai's four suggestions, the libraries' own."""
    if finder == "cyclr":
        return {"cyclr (one-cycle peak)": s.get("one_cycle_max_lr")}
    if finder == "fastai":
        return {f"fastai {k}": s.get(k) for k in ["valley", "steep", "minimum", "slide"]}
    return {finder: (s.get("finder") or {}).get("suggestion")}


def interp_test(pts, lr):
    """The grid's test loss at `lr`, linear in log lr between grid points; None outside it."""
    pts = [p for p in pts if math.isfinite(p[2])]
    if not pts or lr is None or not pts[0][0] <= lr <= pts[-1][0]:
        return None
    for (a, _, ya), (b, _, yb) in zip(pts, pts[1:]):
        if a <= lr <= b:
            t = math.log(lr / a) / math.log(b / a)
            return ya + t * (yb - ya)
    return pts[-1][2]


def fmt_ratio(x):
    """A pick's ratio to the best rate, as "N× above" / "N× below"."""
    if x is None or not math.isfinite(x):
        return "–"
    if abs(math.log(x)) < 1e-9:
        return "1×"
    return f"{x:.2g}× above" if x > 1 else f"{1 / x:.2g}× below"


def report(out, json_path=None, binary=None):
    summary = {}
    print("## Grid (seed 0, picked on validation loss) and `--lr auto` (3 seeds), test loss in nats/char\n")
    print("| task | held out | schedule | grid best rate | its val / test loss | auto rate (seeds) | auto test loss | auto − grid |")
    print("|---|---|---|---|---|---|---|---|")
    for task, (_c, _i, iters, _w, _g, held) in TASKS.items():
        summary[task] = {"held_out": held, "schedules": {}}
        for s in SCHEDULES:
            pts = grid_points(out, task, s)
            a = auto_runs(out, task, s)
            if not pts and not a:
                continue
            best = min(pts, key=lambda p: p[1]) if pts else None
            row = {"grid": pts, "best": best, "auto": a}
            summary[task]["schedules"][s] = row
            b = f"{best[0]:.3g}" if best else "–"
            bv = f"{best[1]:.4f} / {best[2]:.4f}" if best else "–"
            al = ", ".join(f"{x:.3g}" for x in a["lrs"]) if a else "–"
            at = f"{a['test_mean']:.4f} ± {a['test_std']:.4f}" if a else "–"
            gap = f"{a['test_mean'] - best[2]:+.4f}" if a and best else "–"
            print(f"| {task} | {'yes' if held else 'no'} | {s} | {b} | {bv} | {al} | {at} | {gap} |")
    print("\n## Every finder's pick (seeds 0,1,2; – = no rate) against each schedule's grid best: "
          "median pick / grid best (the grid's test loss at the pick, interpolated in log lr, "
          "minus the grid pick's, nats/char)\n")
    print("| task | finder | picks | " + " | ".join(SCHEDULES) + " |")
    print("|---|---|---|" + "---|" * len(SCHEDULES))
    for task in TASKS:
        bests = {}
        for s in SCHEDULES:
            pts = grid_points(out, task, s)
            bests[s] = min(pts, key=lambda p: p[1])[0] if pts else None
        picks = finder_picks(out, task, binary)
        summary[task]["finders"] = picks
        for k, v in picks.items():
            got = [x for x in v if x is not None]
            m = st.median(got) if got else None
            ratios = []
            for sch, b in bests.items():
                if not (m and b):
                    ratios.append("–")
                    continue
                pts = grid_points(out, task, sch)
                t = interp_test(pts, m)
                best_t = min(pts, key=lambda p: p[1])[2]
                ratios.append(fmt_ratio(m / b) + (f" ({t - best_t:+.3f})" if t is not None else
                                                  " (off the grid)"))
            ratios = " | ".join(ratios)
            shown = ", ".join(f"{x:.2g}" if x is not None else "–" for x in v)
            print(f"| {task} | {k} | {shown} | {ratios} |")
    h2h_report(out, summary)
    lld_report(out, summary)
    if json_path:
        with open(json_path, "w") as f:
            json.dump(summary, f, indent=1, default=str)


def h2h_contestants(out, task):
    """{contestant: {"test_mean", "test_std", "seeds", "total_steps"}} of one task: the grid-tuned
    warm-up+cosine (seed 0, its pick's test loss, every grid point's steps counted), `--lr auto`
    with each schedule (and with the window's centre, the rule before issue #29's transformer
    reading, where it was run), the learning-rate-free contestants."""
    rows = {}
    pts = runs_of(f"{out}/runs/{task}-grid-nanogpt-cosine/results.json")
    if pts:
        best = min((r for r in pts if r.get("val_loss") is not None and math.isfinite(r["val_loss"])
                    and not r.get("diverged")), key=lambda r: r["val_loss"])
        rows["grid-tuned nanogpt-cosine"] = {
            "test_mean": best["final_test_loss"], "test_std": None, "seeds": 1,
            "total_steps": sum(r["total_steps"] for r in pts)}
    for sched in SCHEDULES:
        a = auto_runs(out, task, sched)
        if a:
            rows[f"{sched}-auto"] = a
    a = auto_runs(out, task, "nanogpt-cosine", f"{task}-auto-nanogpt-cosine-centre")
    if a:
        rows["nanogpt-cosine-auto, window centre (before)"] = a
    for c in H2H:
        a = auto_runs(out, task, None, f"{task}-h2h-{c}")
        if a:
            rows[c] = a
    return rows


def lld_report(out, summary):
    rows = []
    for task, t in base_tasks().items():
        if t[1] is None:
            continue
        got = {"none": auto_runs(out, task, "nanogpt-cosine")}
        for tied in ["top", "bottom"]:
            got[tied] = auto_runs(out, task, "nanogpt-cosine", f"{task}-lld-{tied}-nanogpt-cosine")
        summary[task]["layer_lr_decay"] = got
        rows.append((task, got))
    if not any(g["top"] or g["bottom"] for _, g in rows):
        return
    print("\n## Discriminative rates on the fine-tuning tasks: `--lr auto` warm-up+cosine, 3 seeds, "
          "test loss (the range test run with the same groups; its rate is the top block's)\n")
    print("| task | no decay | decay 0.385, tied embedding at the top | at the bottom |")
    print("|---|---|---|---|")
    for task, got in rows:
        cells = []
        for k in ["none", "top", "bottom"]:
            a = got[k]
            cells.append(f"{a['test_mean']:.4f} ± {a['test_std']:.4f} (lr {st.median(a['lrs']):.3g})"
                         if a else "–")
        print(f"| {task} | " + " | ".join(cells) + " |")
    grids = {task: {"none": grid_points(out, task, "nanogpt-cosine"),
                    **{tied: grid_points(out, task, "nanogpt-cosine", f"{task}-lldgrid-{tied}-nanogpt-cosine")
                       for tied in ["top", "bottom"]}}
             for task, _ in rows}
    if not any(g["top"] or g["bottom"] for g in grids.values()):
        return
    print("\n## The same with a grid (seed 0, warm-up+cosine, the rate the top block's): the "
          "validation pick, its test loss, and `--lr auto`'s mean − it\n")
    print("| task | no decay | decay 0.385, tied at the top | at the bottom |")
    print("|---|---|---|---|")
    for task, got in rows:
        cells = []
        for k in ["none", "top", "bottom"]:
            pts = grids[task][k]
            if not pts:
                cells.append("–")
                continue
            best = min(pts, key=lambda p: p[1])
            a = got[k]
            gap = f", auto {a['test_mean'] - best[2]:+.4f}" if a else ""
            cells.append(f"{best[0]:.3g}: {best[2]:.4f}{gap}")
        summary[task]["layer_lr_decay_grids"] = grids[task]
        print(f"| {task} | " + " | ".join(cells) + " |")


def h2h_report(out, summary):
    print("\n## The head-to-head (test loss in nats/char, mean ± std over seeds; total steps per "
          "seed, search included)\n")
    names = []
    per_task = {}
    for task in TASKS:
        rows = h2h_contestants(out, task)
        per_task[task] = rows
        summary[task]["head_to_head"] = rows
        names += [n for n in rows if n not in names]
    print("| task | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for task, rows in per_task.items():
        cells = []
        for n in names:
            r = rows.get(n)
            if not r:
                cells.append("–")
                continue
            sd = f" ± {r['test_std']:.4f}" if r["test_std"] is not None and r["seeds"] > 1 else ""
            cells.append(f"{r['test_mean']:.4f}{sd} ({r['total_steps']:.0f})")
        held = " (held out)" if TASKS[task][5] else ""
        print(f"| {task}{held} | " + " | ".join(cells) + " |")
    print("\n| contestant | within 0.02 nats of the grid-tuned | at most Schedule-Free's loss "
          "(defaults) | median compute: grid / its |")
    print("|---|---:|---:|---:|")
    for n in names:
        near, beats, ratios, k, ks = 0, 0, [], 0, 0
        for task, rows in per_task.items():
            r, g = rows.get(n), rows.get("grid-tuned nanogpt-cosine")
            sf = rows.get("adamw-schedulefree")
            if r and g:
                k += 1
                near += r["test_mean"] <= g["test_mean"] + 0.02
                ratios.append(g["total_steps"] / r["total_steps"])
            if r and sf:
                ks += 1
                beats += r["test_mean"] <= sf["test_mean"]
        if k:
            print(f"| {n} | {near}/{k} | {beats}/{ks} | {st.median(ratios):.1f}× |")


def plots(binary, out, dest):
    """Each task's seed-0 cyclr sweep drawn by `cyclr suggest --architecture transformer --method
    all` (fastai's four, the libraries' picks on that curve, cyclr's rates as `find` reads a
    GPT's curve) with the grid's best rate of each schedule marked: DEST/TASK.png."""
    os.makedirs(dest, exist_ok=True)
    for task in TASKS:
        curve = f"{out}/finders/{task}/cyclr/seed0/range_test.csv"
        if not os.path.exists(curve):
            continue
        marks = []
        for s in SCHEDULES:
            pts = grid_points(out, task, s)
            if pts:
                marks += ["--mark", f"grid best, {s}={min(pts, key=lambda p: p[1])[0]:g}"]
        sh([binary, "suggest", "--input", curve, "--architecture", "transformer", "--method",
            "all", "--plot", f"{dest}/{task}.png", *marks])


def collect(out, dest):
    """What the report reads, copied for committing: each experiment's results.json and
    .toml, each finder's per-seed suggestions.json, cyclr's per-seed range_test.csv."""
    import shutil
    for f in glob.glob(f"{out}/runs/*/results.json"):
        name = os.path.basename(os.path.dirname(f))
        os.makedirs(f"{dest}/runs/{name}", exist_ok=True)
        shutil.copy(f, f"{dest}/runs/{name}/results.json")
        shutil.copy(f"{out}/experiments/{name}.toml", f"{dest}/runs/{name}/experiment.toml")
    for f in glob.glob(f"{out}/finders/*/*/seed*/suggestions.json"):
        rel = os.path.relpath(os.path.dirname(f), out)
        os.makedirs(f"{dest}/{rel}", exist_ok=True)
        shutil.copy(f, f"{dest}/{rel}/suggestions.json")
        if "/cyclr/" in f:
            shutil.copy(f"{os.path.dirname(f)}/range_test.csv", f"{dest}/{rel}/range_test.csv")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "collect":
        collect(os.path.abspath(sys.argv[2]), sys.argv[3])
        return
    if len(sys.argv) >= 5 and sys.argv[1] == "plots":
        plots(os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]), sys.argv[4])
        return
    if len(sys.argv) >= 3 and sys.argv[1] == "report":
        j = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
        b = sys.argv[sys.argv.index("--bin") + 1] if "--bin" in sys.argv else None
        report(os.path.abspath(sys.argv[2]), j, b)
        return
    if len(sys.argv) < 4 and not (len(sys.argv) >= 3 and sys.argv[1] == "run"):
        sys.exit(__doc__)
    binary, out = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    names = sys.argv[4:] or list(STAGES)
    for n in names:
        stage, _, sched = n.partition(":")
        if stage in ("ft-h2h", "scratch-h2h") and sched:
            if sched not in H2H:
                sys.exit(f"unknown contestant {sched!r}: one of {', '.join(H2H)}")
            STAGES[n] = (lambda sc, ss: lambda b, o: stage_h2h(b, o, sc, [ss]))(
                stage.startswith("scratch"), sched)
        elif stage in ("ft-grid", "scratch-grid", "ft-auto", "scratch-auto") and sched:
            if sched not in SCHEDULES:
                sys.exit(f"unknown schedule {sched!r}: one of {', '.join(SCHEDULES)}")
            f = stage_grid if stage.endswith("grid") else stage_auto
            STAGES[n] = (lambda f, sc, ss: lambda b, o: f(b, o, sc, [ss]))(
                f, stage.startswith("scratch"), sched)
        elif stage == "ft-lld-grid" and sched:
            if sched not in ("top", "bottom"):
                sys.exit(f"unknown placement {sched!r}: top or bottom")
            STAGES[n] = (lambda p: lambda b, o: stage_lld_grid(b, o, [p]))(sched)
        if n not in STAGES:
            sys.exit(f"unknown stage {n!r}: one of {', '.join(STAGES)}")
    for n in names:
        STAGES[n](binary, out)
        print(f"stage {n} done", flush=True)


if __name__ == "__main__":
    main()
