#!/usr/bin/env python3
"""Validation loss of a nanoGPT checkpoint by a FULL PASS over the validation text (deterministic).

    /work/venv-torch/bin/python bench/nanogpt/full_pass.py CKPT_DIR TEXT_FILE [--nanogpt DIR] [--json OUT]

CKPT_DIR holds the ckpt.pt that nanoGPT's train.py writes; it is loaded as nanoGPT's sample.py does
(GPTConfig(**model_args), '_orig_mod.' prefixes dropped, load_state_dict), with nanoGPT's model.py imported
by path (--nanogpt, default ../shared/reference/nanogpt beside the repository). TEXT_FILE is the whole text
nanoGPT's data/shakespeare_char/prepare.py read (input.txt): it is encoded with the sorted distinct
characters of the WHOLE text (prepare.py's meta) and split as prepare.py does, n = len(data),
val = data[int(n*0.9):].

The validation ids (length L) are cut into consecutive non-overlapping windows of block_size T with their
next-character targets, x = val[i:i+T], y = val[i+1:i+T+1] for i = 0, T, 2T, ..., plus a final shorter
window for the positions left, so every target position 1..L-1 is predicted exactly once (each with the
context since the start of its window). Loss = mean cross entropy over those L-1 predictions, in nats/char
(sums in float64), also shown in bits/char (/ ln 2). model.eval(), no dropout, float32 on the CPU.
"""
import argparse
import importlib.util
import json
import math
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[2]
DEFAULT_NANOGPT = REPO.parent / "shared" / "reference" / "nanogpt"


def load_nanogpt_model(nanogpt_dir):
    path = Path(nanogpt_dir) / "model.py"
    if not path.is_file():
        raise SystemExit(f"{path}: not found (give the nanoGPT reference folder with --nanogpt)")
    spec = importlib.util.spec_from_file_location("nanogpt_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_checkpoint(model_module, ckpt_dir):
    """As nanoGPT's sample.py with init_from='resume'."""
    ckpt_path = os.path.join(ckpt_dir, "ckpt.pt")
    if not os.path.isfile(ckpt_path):
        raise SystemExit(f"{ckpt_path}: not found (train.py writes it into its --out_dir)")
    checkpoint = torch.load(ckpt_path, map_location="cpu")
    gptconf = model_module.GPTConfig(**checkpoint["model_args"])
    model = model_module.GPT(gptconf)
    state_dict = checkpoint["model"]
    unwanted_prefix = "_orig_mod."
    for k in list(state_dict):
        if k.startswith(unwanted_prefix):
            state_dict[k[len(unwanted_prefix):]] = state_dict.pop(k)
    model.load_state_dict(state_dict)
    model.eval()
    return model, checkpoint


def windows(n_ids, T):
    """(start, length) of the input windows: consecutive, non-overlapping, the last one shorter; each
    window of length t at i predicts targets i+1..i+t, so together they predict 1..n_ids-1 once each."""
    out, i = [], 0
    while i < n_ids - 1:
        t = min(T, n_ids - 1 - i)
        out.append((i, t))
        i += t
    return out


@torch.no_grad()
def full_pass(model, val_ids, T, batch=64):
    data = torch.tensor(val_ids, dtype=torch.long)
    wins = windows(len(val_ids), T)
    assert sum(t for _, t in wins) == len(val_ids) - 1
    total, count = 0.0, 0
    full = [i for i, t in wins if t == T]
    for b in range(0, len(full), batch):
        starts = full[b:b + batch]
        x = torch.stack([data[i:i + T] for i in starts])
        y = torch.stack([data[i + 1:i + 1 + T] for i in starts])
        logits, _ = model(x, y)  # with targets: logits for every position
        total += F.cross_entropy(logits.reshape(-1, logits.size(-1)).double(), y.reshape(-1),
                                 reduction="sum").item()
        count += y.numel()
    for i, t in wins:
        if t < T:
            x = data[i:i + t][None]
            y = data[i + 1:i + 1 + t][None]
            logits, _ = model(x, y)
            total += F.cross_entropy(logits.reshape(-1, logits.size(-1)).double(), y.reshape(-1),
                                     reduction="sum").item()
            count += y.numel()
    assert count == len(val_ids) - 1
    return total / count, count, len(wins)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ckpt_dir")
    ap.add_argument("text_file")
    ap.add_argument("--nanogpt", default=str(DEFAULT_NANOGPT), help="nanoGPT reference folder (model.py)")
    ap.add_argument("--json", help="also write the result as JSON to this file")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    with open(args.text_file, "r") as f:  # prepare.py: open(input_file_path, 'r')
        text = f.read()
    chars = sorted(list(set(text)))
    stoi = {ch: i for i, ch in enumerate(chars)}
    n = len(text)
    val_text = text[int(n * 0.9):]
    val_ids = [stoi[c] for c in val_text]

    model_module = load_nanogpt_model(args.nanogpt)
    model, checkpoint = load_checkpoint(model_module, args.ckpt_dir)
    cfg = model.config
    if cfg.vocab_size != len(chars):
        print(f"warning: the checkpoint's vocab_size is {cfg.vocab_size}, the text has {len(chars)} distinct "
              "characters", file=sys.stderr)
    T = cfg.block_size
    t0 = time.time()
    nats, count, n_windows = full_pass(model, val_ids, T)
    secs = time.time() - t0
    bits = nats / math.log(2)
    result = dict(
        ckpt=os.path.abspath(os.path.join(args.ckpt_dir, "ckpt.pt")), text=os.path.abspath(args.text_file),
        iter_num=checkpoint.get("iter_num"), best_val_loss=float(checkpoint["best_val_loss"])
        if "best_val_loss" in checkpoint else None,
        model_args=checkpoint["model_args"], text_chars=n, vocab=len(chars), val_chars=len(val_ids),
        predicted_positions=count, windows=n_windows, block_size=T,
        val_loss_nats_per_char=nats, val_bits_per_char=bits, seconds=secs, torch_version=torch.__version__)
    print(f"checkpoint {result['ckpt']} (iter {result['iter_num']}, its own estimate best_val_loss "
          f"{result['best_val_loss']})")
    print(f"text {n:,} chars, vocab {len(chars)}; validation {len(val_ids):,} chars -> {count:,} predictions in "
          f"{n_windows:,} windows of {T} (last {count - (n_windows - 1) * T})")
    print(f"full-pass validation loss: {nats:.4f} nats/char = {bits:.4f} bits/char ({secs:.1f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
