#!/usr/bin/env python3
"""Goldens of nanoGPT's model and two AdamW steps with gradient clipping, made with the real PyTorch.

nanoGPT's model.py is imported BY PATH from the reference copy (never copied into this repo). For a tiny
config, in float32 on the CPU with fixed seeds, it records the initial parameters, then twice, in
train.py's order: forward with targets (logits of every position, mean cross entropy), loss.backward(),
the gradient of every parameter, clip_grad_norm_ (its pre-clip total norm), optimizer.step() with the
AdamW that GPT.configure_optimizers builds, and the parameters after the step.

    /work/venv-torch/bin/python bench/nanogpt/make_golden.py [NANOGPT_DIR] [OUT_DIR]

NANOGPT_DIR defaults to ../shared/reference/nanogpt beside the repository, OUT_DIR to
crates/cyclr-burn/tests/fixtures/nanogpt/. Writes tiny_nobias.json and tiny_bias.json. The same
computation is also run in float64 (from the same float32 initial parameters) and the float32-vs-float64
differences are stored in each fixture ("float32_vs_float64") as an estimate of float32 noise.
"""
import argparse
import contextlib
import importlib.util
import io
import json
import math
import os
import re
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
DEFAULT_NANOGPT = REPO.parent / "shared" / "reference" / "nanogpt"
DEFAULT_OUT = REPO / "crates" / "cyclr-burn" / "tests" / "fixtures" / "nanogpt"

SEED_MODEL = 1337  # train.py's torch.manual_seed(1337 + seed_offset), seed_offset 0
SEED_PERTURB = 1338  # the bias fixture's perturbation of biases and LayerNorm weights
SEED_DATA = 1339  # the random token stream and the batch offsets
TINY = dict(n_layer=2, n_head=2, n_embd=16, block_size=8, vocab_size=11, dropout=0.0)
CPU_CONFIG = dict(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65, bias=False, dropout=0.0)
BATCH = 3
STREAM_LEN = 40
STEPS = 2
LR = 1e-2
BETAS = (0.9, 0.99)
WEIGHT_DECAY = 0.1
GRAD_CLIP = 0.05
PERTURB_STD = 0.02
MAX_FIXTURE_BYTES = 400_000


def load_nanogpt_model(nanogpt_dir):
    path = Path(nanogpt_dir) / "model.py"
    if not path.is_file():
        raise SystemExit(f"{path}: not found (give the nanoGPT reference folder as the first argument)")
    spec = importlib.util.spec_from_file_location("nanogpt_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nanogpt_commit(nanogpt_dir):
    readme = Path(nanogpt_dir) / "README.cyclr.md"
    if readme.is_file():
        m = re.search(r"commit ([0-9a-f]{7,40})", readme.read_text())
        if m:
            return m.group(1)
    return "unknown"


def f32_list(t):
    """Flattened row-major float32 values, each as the shortest decimal that reads back as the same
    float32 (numpy's str of a float32), held as a Python float so json writes it unchanged."""
    a = t.detach().to(torch.float32).contiguous().view(-1).numpy()
    return [float(str(v)) for v in a]


def f32_scalar(t):
    return float(str(np.float32(t.item() if torch.is_tensor(t) else t)))


def make_batches(gen):
    stream = torch.randint(0, TINY["vocab_size"], (STREAM_LEN,), generator=gen)
    T = TINY["block_size"]
    batches = []
    for _ in range(STEPS):
        # nanoGPT's get_batch: ix = torch.randint(len(data) - block_size, (batch_size,))
        ix = torch.randint(STREAM_LEN - T, (BATCH,), generator=gen)
        x = torch.stack([stream[i:i + T] for i in ix])
        y = torch.stack([stream[i + 1:i + 1 + T] for i in ix])
        batches.append((ix.tolist(), x, y))
    return stream, batches


def autograd_node_names(root):
    seen, names, todo = set(), set(), [root]
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        names.add(type(fn).__name__)
        todo.extend(f for f, _ in fn.next_functions)
    return sorted(names)


class AdamImplSpy:
    """Records which of torch.optim.adam's implementations (for-loop / foreach / fused) step() ran."""

    NAMES = {"_single_tensor_adam": "for-loop (_single_tensor_adam)",
             "_multi_tensor_adam": "foreach (_multi_tensor_adam)",
             "_fused_adam": "fused (_fused_adam)"}

    def __init__(self):
        import torch.optim.adam as adam_module
        self.module = adam_module
        self.ran = []

    def __enter__(self):
        self.saved = {}
        for name, label in self.NAMES.items():
            original = getattr(self.module, name)
            self.saved[name] = original

            def spy(*args, _original=original, _label=label, **kwargs):
                self.ran.append(_label)
                return _original(*args, **kwargs)

            setattr(self.module, name, spy)
        return self

    def __exit__(self, *exc):
        for name, original in self.saved.items():
            setattr(self.module, name, original)


def build_model(model_module, bias, printed):
    cfg = model_module.GPTConfig(**TINY, bias=bias)
    torch.manual_seed(SEED_MODEL)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model = model_module.GPT(cfg)
    printed.extend(out.getvalue().splitlines())
    if bias:
        # nanoGPT's init zeroes every bias and leaves LayerNorm weights at one: make them non-trivial.
        gen = torch.Generator().manual_seed(SEED_PERTURB)
        with torch.no_grad():
            for name, p in model.named_parameters():
                if p.dim() < 2:
                    p.add_(torch.randn(p.shape, generator=gen) * PERTURB_STD)
    return model


def run(model, batches, dtype, printed):
    """train.py's order for each batch: forward, backward, clip_grad_norm_, optimizer.step(), zero_grad."""
    model = model.to(dtype)
    model.train()  # dropout is 0.0; train() as in train.py
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        optimizer = model.configure_optimizers(
            weight_decay=WEIGHT_DECAY, learning_rate=LR, betas=BETAS, device_type="cpu")
    printed.extend(out.getvalue().splitlines())
    names = [n for n, _ in model.named_parameters()]
    params0 = {n: p.detach().clone() for n, p in model.named_parameters()}
    steps = []
    with AdamImplSpy() as spy:
        for _, x, y in batches:
            logits, loss = model(x, y)
            loss.backward()
            grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
            total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
            clip_coef = torch.clamp(GRAD_CLIP / (total_norm + 1e-6), max=1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            steps.append(dict(
                logits=logits.detach().clone(), loss=loss.detach().clone(), grads=grads,
                grad_norm=total_norm.detach().clone(), clip_coef=clip_coef.detach().clone(),
                params_after={n: p.detach().clone() for n, p in model.named_parameters()},
                autograd_nodes=autograd_node_names(loss.grad_fn)))
    return dict(names=names, params0=params0, steps=steps, optimizer=optimizer, adam_impl=sorted(set(spy.ran)))


def diff_stats(a32, b64):
    a = a32.to(torch.float64).reshape(-1)
    b = b64.to(torch.float64).reshape(-1)
    d = (a - b).abs()
    scale = b.abs().max().item()
    big = b.abs() >= 1e-3 * scale  # elementwise relative difference only where the value is not ~0
    rel = (d[big] / b.abs()[big]).max().item() if big.any() else 0.0
    return dict(max_abs=d.max().item(), max_abs_over_max_value=(d.max().item() / scale) if scale else 0.0,
                max_rel=rel)


def merge_stats(stats):
    return {k: max(s[k] for s in stats) for k in stats[0]}


def compare(r32, r64):
    out = []
    for i, (s32, s64) in enumerate(zip(r32["steps"], r64["steps"])):
        before32 = r32["params0"] if i == 0 else r32["steps"][i - 1]["params_after"]
        before64 = r64["params0"] if i == 0 else r64["steps"][i - 1]["params_after"]
        upd = []
        worst = (0.0, None, None, None)
        for n in r32["names"]:
            d32 = (s32["params_after"][n].double() - before32[n].double()).reshape(-1)
            d64 = (s64["params_after"][n] - before64[n]).reshape(-1)
            e = (d32 - d64).abs() / LR
            upd.append(e.max().item())
            j = int(e.argmax())
            if e[j].item() > worst[0]:
                g = s64["grads"][n].reshape(-1)[j].item() * s64["clip_coef"].item()
                worst = (e[j].item(), n, j, g)
        out.append(dict(
            step=i + 1,
            logits=diff_stats(s32["logits"], s64["logits"]),
            loss=diff_stats(s32["loss"], s64["loss"]),
            grad_norm=diff_stats(s32["grad_norm"], s64["grad_norm"]),
            grads=merge_stats([diff_stats(s32["grads"][n], s64["grads"][n]) for n in r32["names"]]),
            params_after=merge_stats([diff_stats(s32["params_after"][n], s64["params_after"][n])
                                      for n in r32["names"]]),
            update_over_lr=dict(max_abs=max(upd), worst_param=worst[1], worst_index=worst[2],
                                worst_clipped_grad_float64=worst[3])))
    return out


def fixture(model_module, nanogpt_dir, bias, stream, batches, num_params, command):
    printed = []
    model32 = build_model(model_module, bias, printed)
    model64 = build_model(model_module, bias, [])
    for (n, a), (_, b) in zip(model32.named_parameters(), model64.named_parameters()):
        assert torch.equal(a, b), n
    r32 = run(model32, batches, torch.float32, printed)
    r64 = run(model64, batches, torch.float64, [])
    names = r32["names"]
    steps = []
    for s in r32["steps"]:
        assert s["grad_norm"].item() > GRAD_CLIP, (s["grad_norm"].item(), GRAD_CLIP)
    group_names = []
    name_of = {id(p): n for n, p in model32.named_parameters()}
    for g in r32["optimizer"].param_groups:
        group_names.append([name_of[id(p)] for p in g["params"]])
    opt_group = r32["optimizer"].param_groups[0]
    for (ix, x, y), s in zip(batches, r32["steps"]):
        steps.append(dict(
            offsets=ix, x=x.tolist(), y=y.tolist(),
            logits_shape=list(s["logits"].shape), logits=f32_list(s["logits"]),
            loss=f32_scalar(s["loss"]), grads={n: f32_list(s["grads"][n]) for n in names},
            grad_norm=f32_scalar(s["grad_norm"]), clip_coef=f32_scalar(s["clip_coef"]),
            params_after={n: f32_list(s["params_after"][n]) for n in names}))
    attn_nodes = sorted({a for s in r32["steps"] for a in s["autograd_nodes"] if "ttention" in a})
    flash = [m.flash for m in model32.modules() if hasattr(m, "flash")]
    cfg = dict(TINY, bias=bias)
    cfg = {k: cfg[k] for k in ("n_layer", "n_head", "n_embd", "block_size", "vocab_size", "bias", "dropout")}
    about = (
        f"Golden of nanoGPT's GPT (model.py, nanoGPT commit {nanogpt_commit(nanogpt_dir)}, imported by path) and "
        f"{STEPS} training steps in train.py's order (forward with targets; loss.backward(); "
        f"torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip); optimizer.step(); "
        f"optimizer.zero_grad(set_to_none=True)) with the AdamW of GPT.configure_optimizers(weight_decay, "
        f"learning_rate, betas, device_type='cpu'). Made with PyTorch {torch.__version__} in float32 on the CPU "
        f"({torch.get_num_threads()} thread), torch.manual_seed({SEED_MODEL}) before GPT(config). "
        f"Config bias={bias}" + (" (nanoGPT train.py's default)." if not bias else
        f"; after nanoGPT's init (which zeroes every bias and leaves LayerNorm weights at 1) every parameter "
        f"with dim < 2 (all Linear biases, LayerNorm weights and biases) got normal(0, {PERTURB_STD}) noise "
        f"added (torch.Generator seed {SEED_PERTURB}) so they are not trivially 0/1.") +
        f" Data: a random token stream of {STREAM_LEN} ids in 0..{TINY['vocab_size'] - 1} (torch.Generator seed "
        f"{SEED_DATA}); each step's batch takes {BATCH} offsets i = randint(len - block_size) as nanoGPT's "
        f"get_batch does, x = data[i:i+T], y = data[i+1:i+1+T]. 'logits' are (B, T, V) row-major for every "
        f"position; 'loss' is F.cross_entropy mean over all B*T positions. 'grads' are the raw gradients after "
        f"backward, BEFORE clipping; 'grad_norm' is the pre-clip total 2-norm clip_grad_norm_ returns (over "
        f"model.parameters(), the tied wte/lm_head weight once); the optimizer sees grads * clip_coef with "
        f"clip_coef = min(1, grad_clip / (grad_norm + 1e-6)). 'params_after' are all parameters after that "
        f"step. lm_head.weight IS transformer.wte.weight (weight tying): named_parameters() lists it once, as "
        f"transformer.wte.weight; its gradient is the sum of the embedding and the output-layer gradients. "
        f"Floats are the shortest decimals that read back as the same float32. Command: {command}.")
    fx = dict(
        about=about,
        torch_version=torch.__version__,
        nanogpt_commit=nanogpt_commit(nanogpt_dir),
        config=cfg,
        seeds=dict(model=SEED_MODEL, perturb=SEED_PERTURB if bias else None, data=SEED_DATA),
        num_params_nanogpt=num_params,
        nanogpt_printed=printed,
        model_notes=dict(
            attention_flash=all(flash),
            attention_autograd_nodes=attn_nodes,
            attention="F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0, is_causal=True), "
                      "scale 1/sqrt(head_size); heads split from c_attn's output as q, k, v = split(n_embd)",
            gelu="nn.GELU() exact (erf), not tanh approximation",
            layer_norm_eps=1e-5,
            lm_head="lm_head.weight tied to transformer.wte.weight, listed once by named_parameters()",
            init="Linear/Embedding weights normal(0, 0.02); every *c_proj.weight normal(0, 0.02/sqrt(2*n_layer)); "
                 "Linear biases 0; LayerNorm weight 1, bias 0"),
        data_stream=stream.tolist(),
        param_names=names,
        params={n: dict(shape=list(r32["params0"][n].shape), data=f32_list(r32["params0"][n])) for n in names},
        optimizer=dict(
            lr=LR, betas=list(BETAS), eps=opt_group["eps"], weight_decay=WEIGHT_DECAY, grad_clip=GRAD_CLIP,
            decay_params=group_names[0], nodecay_params=group_names[1],
            group_weight_decay=[g["weight_decay"] for g in r32["optimizer"].param_groups],
            amsgrad=opt_group["amsgrad"], foreach=opt_group["foreach"], fused=opt_group["fused"],
            torch_adamw_impl=", ".join(r32["adam_impl"]),
            update="torch.optim.AdamW (for-loop): step t += 1; p *= 1 - lr*wd (decay group only); "
                   "m = lerp(m, g, 1-beta1); v = beta2*v + (1-beta2)*g*g; "
                   "p -= lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps); g is the clipped gradient"),
        steps=steps,
        float32_vs_float64=dict(
            about="The same two steps run in float64 (model.double() from the same float32 initial parameters, "
                  "same batches): differences float32 - float64 as an estimate of float32 noise. "
                  "max_rel uses only elements with |float64 value| >= 1e-3 of the tensor's largest; for "
                  "grads/params_after the maximum over all parameters; update_over_lr is "
                  "max |(after - before)_f32 - (after - before)_f64| / lr.",
            steps=compare(r32, r64)),
    )
    return fx


def verify_roundtrip(path, r_names):
    with open(path) as f:
        back = json.load(f)
    assert back["param_names"] == r_names
    return back


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("nanogpt_dir", nargs="?", default=str(DEFAULT_NANOGPT))
    ap.add_argument("out_dir", nargs="?", default=str(DEFAULT_OUT))
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model_module = load_nanogpt_model(args.nanogpt_dir)
    try:
        shown = "bench/nanogpt/make_golden.py " + " ".join(
            os.path.relpath(p, REPO) for p in (args.nanogpt_dir, args.out_dir))
    except ValueError:
        shown = "bench/nanogpt/make_golden.py " + args.nanogpt_dir + " " + args.out_dir
    command = f"/work/venv-torch/bin/python {shown} (from the repository root)"

    # parameter counts with nanoGPT's own get_num_params() (non_embedding=True: minus wpe)
    counts = {}
    for key, cfg in (("tiny", dict(TINY, bias=False)), ("tiny_bias", dict(TINY, bias=True)),
                     ("cpu_config", CPU_CONFIG)):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            m = model_module.GPT(model_module.GPTConfig(**cfg))
        counts[key] = m.get_num_params()
        counts[key + "_all"] = m.get_num_params(non_embedding=False)
        counts[key + "_printed"] = out.getvalue().strip()
        print(f"{key}: get_num_params() = {counts[key]} (all {counts[key + '_all']}); nanoGPT printed "
              f"'{counts[key + '_printed']}'")
    counts["note"] = ("get_num_params(): sum of numel over model.parameters() (the tied wte/lm_head weight counted "
                      "once) minus the position embedding wpe (non_embedding=True, nanoGPT's default); *_all: "
                      "non_embedding=False")

    gen = torch.Generator().manual_seed(SEED_DATA)
    stream, batches = make_batches(gen)
    os.makedirs(args.out_dir, exist_ok=True)
    for bias, fname in ((False, "tiny_nobias.json"), (True, "tiny_bias.json")):
        fx = fixture(model_module, args.nanogpt_dir, bias, stream, batches, counts, command)
        text = json.dumps(fx, separators=(",", ":"))
        if len(text) > MAX_FIXTURE_BYTES:
            for s in fx["steps"][1:]:
                del s["grads"]
            fx["about"] += (" The second step's grads were left out to keep the file under "
                            f"{MAX_FIXTURE_BYTES // 1000} KB (its params_after are kept).")
            text = json.dumps(fx, separators=(",", ":"))
        path = os.path.join(args.out_dir, fname)
        with open(path, "w") as f:
            f.write(text + "\n")
        # every float reads back as the very same float32
        back = verify_roundtrip(path, fx["param_names"])
        model = build_model(model_module, bias, [])
        for n, p in model.named_parameters():
            got = np.array(back["params"][n]["data"], dtype=np.float32)
            assert np.array_equal(got.view(np.uint32), p.detach().numpy().reshape(-1).view(np.uint32)), n
        print(f"\n{path}: {len(text) + 1} bytes; torch {torch.__version__}; AdamW impl "
              f"{fx['optimizer']['torch_adamw_impl']}; flash {fx['model_notes']['attention_flash']} "
              f"{fx['model_notes']['attention_autograd_nodes']}")
        print("\n".join("  nanoGPT: " + line for line in fx["nanogpt_printed"]))
        for n in fx["param_names"]:
            print(f"  {n} {fx['params'][n]['shape']}")
        for s in fx["steps"]:
            print(f"  step: offsets {s['offsets']} loss {s['loss']!r} grad_norm {s['grad_norm']!r} "
                  f"clip_coef {s['clip_coef']!r}")
        for c in fx["float32_vs_float64"]["steps"]:
            print(f"  f32 vs f64, step {c['step']}:")
            for k in ("logits", "loss", "grad_norm", "grads", "params_after"):
                v = c[k]
                print(f"    {k:13s} max_abs {v['max_abs']:.3g}  max_abs/max|value| "
                      f"{v['max_abs_over_max_value']:.3g}  max_rel {v['max_rel']:.3g}")
            u = c["update_over_lr"]
            print(f"    update/lr     max_abs {u['max_abs']:.3g} at {u['worst_param']}[{u['worst_index']}] "
                  f"(clipped grad {u['worst_clipped_grad_float64']:.3g})")


if __name__ == "__main__":
    main()
