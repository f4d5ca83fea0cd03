#!/usr/bin/env python3
"""Golden values of nanoGPT's `get_lr` for cyclr's `nanogpt-cosine` policy.

Reads nanoGPT's train.py BY PATH (default: /work/shared/reference/nanogpt/train.py), takes the
source of its `get_lr` function out of it with the `ast` module -- train.py itself is never
executed (it would train) -- and runs that function, exactly as written, with the module-level
globals it reads (`learning_rate`, `warmup_iters`, `lr_decay_iters`, `min_lr`, `math`) set per
case. Pure python3, no torch.

Writes crates/cyclr/tests/fixtures/nanogpt_get_lr.json:

    {"about": {...},
     "cases": [{"name", "learning_rate", "warmup_iters", "lr_decay_iters", "min_lr",
                "points": [[it, lr], ...]}, ...]}

`lr` is a Python float written by `json` with `float.__repr__` (the shortest string that reads
back as the same double), so every value is the exact f64 that nanoGPT's `get_lr(it)` returns.
The Rust side (crates/cyclr/tests/nanogpt_cosine.rs) replays every point.

Usage (from the repository root):

    python3 bench/nanogpt/get_lr_golden.py [--train-py PATH] [--out PATH]
"""
import argparse
import ast
import hashlib
import json
import math
import os
import platform
import re
import sys

DEFAULT_TRAIN_PY = "/work/shared/reference/nanogpt/train.py"
DEFAULT_OUT = "crates/cyclr/tests/fixtures/nanogpt_get_lr.json"


def load_get_lr(train_py):
    """The source text of `def get_lr` in train.py, found with `ast` (not executed)."""
    with open(train_py, encoding="utf-8") as f:
        text = f.read()
    tree = ast.parse(text, filename=train_py)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "get_lr"]
    if len(defs) != 1:
        sys.exit(f"{train_py}: expected one top-level `def get_lr`, found {len(defs)}")
    src = ast.get_source_segment(text, defs[0])
    return text, src


def make_get_lr(src, learning_rate, warmup_iters, lr_decay_iters, min_lr):
    """nanoGPT's `get_lr` with its globals set to this case's values."""
    g = {
        "__builtins__": __builtins__,
        "math": math,
        "learning_rate": learning_rate,
        "warmup_iters": warmup_iters,
        "lr_decay_iters": lr_decay_iters,
        "min_lr": min_lr,
    }
    exec(compile(src, "<nanoGPT train.py: get_lr>", "exec"), g)
    return g["get_lr"]


def nanogpt_commit(readme):
    try:
        with open(readme, encoding="utf-8") as f:
            m = re.search(r"commit ([0-9a-f]{7,40})", f.read())
        return m.group(1) if m else None
    except OSError:
        return None


def cases():
    """(name, learning_rate, warmup_iters, lr_decay_iters, min_lr, iterations)."""
    # 1. nanoGPT's shakespeare-char settings, decay over a 2000-iteration run (the run measured in
    #    /work/shared/reference/nanogpt/README.cyclr.md): every 7th iteration of 0..2100 and the
    #    boundaries of each phase.
    its = set(range(0, 2101, 7)) | {0, 1, 99, 100, 101, 1999, 2000, 2001, 2100}
    yield ("shakespeare-char, decay 2000", 1e-3, 100, 2000, 1e-4, its)
    # 2. train.py's own defaults (GPT-2 124M on OpenWebText): a sample of 0..610000 with the
    #    boundaries.
    its = set(range(0, 610001, 1013)) | {
        0, 1, 2, 1000, 1998, 1999, 2000, 2001, 2002, 301000, 599998, 599999, 600000, 600001,
        600002, 610000,
    }
    yield ("train.py defaults", 6e-4, 2000, 600000, 6e-5, its)
    # 3. No warm-up: the cosine starts at it = 0; min_lr = learning_rate / 10 (cyclr's default).
    lr = 3e-3
    its = set(range(0, 601)) | {1000}
    yield ("no warm-up, min_lr = lr/10", lr, 0, 500, lr / 10, its)
    # 4. Decay shorter than the run: the floor from it = lr_decay_iters + 1 on; min_lr 0.
    its = set(range(0, 301)) | {10_000, 2**40}
    yield ("decay 100 in a run of 300, min_lr 0", 2.5e-4, 10, 100, 0.0, its)
    # 5. A one-iteration warm-up, an odd decay length and min_lr = lr/10.
    lr = 7e-4
    its = set(range(0, 140))
    yield ("warm-up 1, decay 137", lr, 1, 137, lr / 10, its)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train-py", default=DEFAULT_TRAIN_PY)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    text, src = load_get_lr(args.train_py)
    readme = os.path.join(os.path.dirname(args.train_py), "README.cyclr.md")
    out_cases = []
    for name, learning_rate, warmup_iters, lr_decay_iters, min_lr, its in cases():
        get_lr = make_get_lr(src, learning_rate, warmup_iters, lr_decay_iters, min_lr)
        points = [[it, get_lr(it)] for it in sorted(its)]
        for it, v in points:
            assert isinstance(v, float), (name, it, v)
        out_cases.append(
            {
                "name": name,
                "learning_rate": learning_rate,
                "warmup_iters": warmup_iters,
                "lr_decay_iters": lr_decay_iters,
                "min_lr": min_lr,
                "points": points,
            }
        )
    about = {
        "what": "nanoGPT's get_lr(it) (train.py), the lr of iteration `it` (set before its "
        "update); cyclr's nanogpt-cosine at t = it must equal each value bit for bit",
        "command": "python3 bench/nanogpt/get_lr_golden.py"
        + ("" if args.train_py == DEFAULT_TRAIN_PY else f" --train-py {args.train_py}"),
        "source_file": args.train_py,
        "source_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "nanogpt_commit": nanogpt_commit(readme),
        "nanogpt_commit_from": readme,
        "get_lr_source": src,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()} {' '.join(platform.libc_ver())}",
        "lr_format": "Python float repr (shortest round trip of the f64)",
    }
    # One point a line, so that a change shows as a small diff.
    lines = ["{", '  "about": ' + json.dumps(about, ensure_ascii=False) + ",", '  "cases": [']
    for i, c in enumerate(out_cases):
        head = {k: v for k, v in c.items() if k != "points"}
        lines.append("    " + json.dumps(head)[:-1] + ', "points": [')
        pts = [f"      [{it}, {json.dumps(v)}]" for it, v in c["points"]]
        lines.append(",\n".join(pts))
        lines.append("    ]}" + ("," if i + 1 < len(out_cases) else ""))
    lines += ["  ]", "}"]
    out = "\n".join(lines) + "\n"
    json.loads(out)  # well-formed
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(out)
    n = sum(len(c["points"]) for c in out_cases)
    print(f"wrote {args.out}: {len(out_cases)} cases, {n} points")


if __name__ == "__main__":
    main()
