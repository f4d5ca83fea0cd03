#!/usr/bin/env python3
"""Re-derive what a nanoGPT golden (make_golden.py) says from its own numbers, with numpy only (no torch),
as a consumer would: the loss from the logits and targets, the grad norm from the grads, the clip
coefficient, and step 1's AdamW update from the initial parameters and step 1's grads. Prints the largest
differences; fails when they exceed float32 noise.

    /work/venv-torch/bin/python bench/nanogpt/check_golden.py [FIXTURE.json ...]
"""
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT = sorted((REPO / "crates" / "cyclr-burn" / "tests" / "fixtures" / "nanogpt").glob("*.json"))


def check(path):
    d = json.loads(Path(path).read_text())
    names, cfg, opt = d["param_names"], d["config"], d["optimizer"]
    B, T, V = d["steps"][0]["logits_shape"]
    assert (T, V) == (cfg["block_size"], cfg["vocab_size"])
    decay = set(opt["decay_params"])
    assert decay | set(opt["nodecay_params"]) == set(names)
    assert all((len(d["params"][n]["shape"]) >= 2) == (n in decay) for n in names)
    lr, (b1, b2), eps, wd = opt["lr"], opt["betas"], opt["eps"], opt["weight_decay"]
    p = {n: np.array(d["params"][n]["data"], dtype=np.float64) for n in names}
    for k, s in enumerate(d["steps"]):
        logits = np.array(s["logits"], dtype=np.float64).reshape(B, T, V)
        y = np.array(s["y"])
        lse = np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1)) + logits.max(-1)
        loss = float(np.mean(lse - np.take_along_axis(logits, y[..., None], -1)[..., 0]))
        dloss = abs(loss - s["loss"]) / s["loss"]
        x = np.array(s["x"])
        assert (x[:, 1:] == y[:, :-1]).all(), "y is x shifted by one"
        line = f"  step {k + 1}: loss rel diff {dloss:.2e}"
        assert dloss < 1e-6
        if "grads" in s:
            g = {n: np.array(s["grads"][n], dtype=np.float64) for n in names}
            norm = float(np.sqrt(sum((v * v).sum() for v in g.values())))
            coef = min(1.0, opt["grad_clip"] / (norm + 1e-6))
            line += (f"; grad_norm rel diff {abs(norm - s['grad_norm']) / norm:.2e}; "
                     f"clip_coef rel diff {abs(coef - s['clip_coef']) / coef:.2e}")
            assert abs(norm - s["grad_norm"]) / norm < 1e-6 and abs(coef - s["clip_coef"]) / coef < 1e-6
            if k == 0:
                # AdamW, first step: m = (1-b1) g, v = (1-b2) g^2, bias corrections 1-b1, 1-b2
                worst = 0.0
                for n in names:
                    gc = g[n] * s["clip_coef"]
                    m, v = (1 - b1) * gc, (1 - b2) * gc * gc
                    before = p[n] * (1 - lr * wd) if n in decay else p[n]
                    after = before - lr / (1 - b1) * m / (np.sqrt(v) / np.sqrt(1 - b2) + eps)
                    got = np.array(s["params_after"][n], dtype=np.float64)
                    worst = max(worst, float(np.abs((got - p[n]) - (after - p[n])).max() / lr))
                line += f"; step-1 AdamW update: max |diff| / lr {worst:.2e}"
                assert worst < 1e-2
        print(line)
    print(f"{path}: ok ({len(names)} parameter tensors, {sum(v.size for v in p.values())} values)")


def main():
    for path in sys.argv[1:] or DEFAULT:
        check(path)


if __name__ == "__main__":
    main()
