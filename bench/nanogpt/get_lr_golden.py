#!/usr/bin/env python3
"""Golden of nanoGPT's learning-rate schedule get_lr(it) (train.py: linear warmup, cosine decay, floor).

train.py is NOT executed (it trains): the source of its get_lr function is cut out of train.py with the
ast module, by path, and exec'd with the globals it reads (learning_rate, warmup_iters, lr_decay_iters,
min_lr, math). Pure Python, no torch.

    python3 bench/nanogpt/get_lr_golden.py [NANOGPT_DIR] [OUT_FILE]

NANOGPT_DIR defaults to ../shared/reference/nanogpt beside the repository, OUT_FILE to
crates/cyclr/tests/fixtures/nanogpt_get_lr.json. Learning rates are written with repr (full double
precision, read back bit for bit).
"""
import argparse
import ast
import json
import math
import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_NANOGPT = REPO.parent / "shared" / "reference" / "nanogpt"
DEFAULT_OUT = REPO / "crates" / "cyclr" / "tests" / "fixtures" / "nanogpt_get_lr.json"


def get_lr_source(train_py):
    text = Path(train_py).read_text()
    tree = ast.parse(text)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "get_lr"]
    if len(defs) != 1:
        raise SystemExit(f"{train_py}: expected one top-level def get_lr, found {len(defs)}")
    return ast.get_source_segment(text, defs[0])


def make_get_lr(source, learning_rate, warmup_iters, lr_decay_iters, min_lr):
    env = dict(learning_rate=learning_rate, warmup_iters=warmup_iters, lr_decay_iters=lr_decay_iters,
               min_lr=min_lr, math=math)
    exec(compile(source, "train.py:get_lr", "exec"), env)
    return env["get_lr"]


def boundaries(warmup, decay, last):
    pts = {0, 1, last}
    for b in (warmup, decay):
        pts.update(i for i in (b - 1, b, b + 1) if 0 <= i <= last)
    return pts


CASES = [
    dict(name="shakespeare_char",
         about="config/train_shakespeare_char.py's schedule (the CPU reference run uses it with max_iters=2000 "
               "and lr_decay_iters=2000 on the command line); iterations 0..2100: every 7th plus the boundaries",
         learning_rate=1e-3, warmup_iters=100, lr_decay_iters=2000, min_lr=1e-4,
         its=lambda: set(range(0, 2101, 7)) | {0, 1, 99, 100, 101, 1999, 2000, 2001, 2100}),
    dict(name="train_py_defaults",
         about="train.py's defaults (GPT-2 124M on OpenWebText): a sample of iterations including the boundaries",
         learning_rate=6e-4, warmup_iters=2000, lr_decay_iters=600000, min_lr=6e-5,
         its=lambda: (set(range(0, 2001, 97)) | set(range(0, 600001, 12007)) | set(range(590000, 600001, 1009))
                      | boundaries(2000, 600000, 610000) | {2, 1000, 1998, 2002, 300000, 301000, 599998, 605000})),
    dict(name="warmup_0",
         about="no warmup (warmup_iters = 0): the cosine starts at it = 0 with the full learning rate; "
               "lr_decay_iters = max iterations = 500",
         learning_rate=1e-3, warmup_iters=0, lr_decay_iters=500, min_lr=1e-4,
         its=lambda: set(range(0, 501, 5)) | boundaries(0, 500, 520) | {520}),
    dict(name="decay_before_end",
         about="lr_decay_iters (600) < max iterations (1000): min_lr from it = 601 on",
         learning_rate=1e-3, warmup_iters=50, lr_decay_iters=600, min_lr=1e-4,
         its=lambda: set(range(0, 1001, 11)) | boundaries(50, 600, 1000)),
]


def dumps(out):
    """JSON with one [it, lr] point per line (json writes floats with repr: full double precision)."""
    head = {k: v for k, v in out.items() if k != "cases"}
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()] + [' "cases": [']
    for i, c in enumerate(out["cases"]):
        lines.append("  {")
        lines += [f"   {json.dumps(k)}: {json.dumps(v)}," for k, v in c.items() if k != "points"]
        lines.append('   "points": [')
        lines += [f"    {json.dumps(p)}" + ("," if j + 1 < len(c["points"]) else "") for j, p in enumerate(c["points"])]
        lines.append("   ]")
        lines.append("  }" + ("," if i + 1 < len(out["cases"]) else ""))
    lines += [" ]", "}"]
    return "\n".join(lines)


def nanogpt_commit(nanogpt_dir):
    readme = Path(nanogpt_dir) / "README.cyclr.md"
    if readme.is_file():
        m = re.search(r"commit ([0-9a-f]{7,40})", readme.read_text())
        if m:
            return m.group(1)
    return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("nanogpt_dir", nargs="?", default=str(DEFAULT_NANOGPT))
    ap.add_argument("out_file", nargs="?", default=str(DEFAULT_OUT))
    args = ap.parse_args()
    source = get_lr_source(Path(args.nanogpt_dir) / "train.py")
    try:
        shown = " ".join(os.path.relpath(p, REPO) for p in (args.nanogpt_dir, args.out_file))
    except ValueError:
        shown = f"{args.nanogpt_dir} {args.out_file}"
    cases = []
    for c in CASES:
        get_lr = make_get_lr(source, c["learning_rate"], c["warmup_iters"], c["lr_decay_iters"], c["min_lr"])
        points = [[it, get_lr(it)] for it in sorted(c["its"]())]
        cases.append(dict(name=c["name"], about=c["about"], learning_rate=c["learning_rate"],
                          warmup_iters=c["warmup_iters"], lr_decay_iters=c["lr_decay_iters"], min_lr=c["min_lr"],
                          points=points))
        print(f"{c['name']}: {len(points)} points, lr(0) = {points[0][1]!r}, lr({points[-1][0]}) = {points[-1][1]!r}")
    about = (
        f"Golden of nanoGPT's get_lr(it) (train.py, nanoGPT commit {nanogpt_commit(args.nanogpt_dir)}, MIT licence, "
        "(c) 2022 Andrej Karpathy): the function's source, cut out of train.py with the ast module and exec'd "
        "with the globals learning_rate, warmup_iters, lr_decay_iters, min_lr, math (train.py itself is not run). "
        "it < warmup_iters: learning_rate * (it + 1) / (warmup_iters + 1); it > lr_decay_iters: min_lr; "
        "otherwise min_lr + 0.5 * (1 + cos(pi * (it - warmup_iters) / (lr_decay_iters - warmup_iters))) * "
        "(learning_rate - min_lr), all in Python floats (IEEE double). train.py sets it for iteration iter_num "
        "before that iteration's step (iter_num 0 is the first step). points: [it, lr] with lr in full double "
        f"precision. get_lr_source holds the function's text as in train.py, quoted under nanoGPT's MIT licence. Command: python3 bench/nanogpt/get_lr_golden.py {shown} (from the repository root).")
    out = dict(about=about, get_lr_source=source, nanogpt_commit=nanogpt_commit(args.nanogpt_dir), cases=cases)
    text = dumps(out)
    # json writes floats with repr: check they read back bit for bit
    back = json.loads(text)
    for c, b in zip(cases, back["cases"]):
        assert all(p[1] == q[1] and p[0] == q[0] for p, q in zip(c["points"], b["points"]))
    os.makedirs(os.path.dirname(args.out_file), exist_ok=True)
    with open(args.out_file, "w") as f:
        f.write(text + "\n")
    print(f"{args.out_file}: {len(text) + 1} bytes")


if __name__ == "__main__":
    main()
