#!/usr/bin/env python3
"""PyTorch reference for cyclr's benchmarks: the same LeNet on the same Fashion-MNIST, batch 128,
SGD momentum 0.9 (dampening 0), with a fixed LR or PyTorch's OneCycleLR.

Prints one JSON object per run: img/s (training steps only, evaluation excluded), wall time, and
the iteration and wall time at which test accuracy first reached --target.

    python3 bench/pytorch_reference.py --policy fixed --lr 0.01 --iters 2000 --eval-every 200
    python3 bench/pytorch_reference.py --policy onecycle --lr 0.1 --iters 2000 --threads 2
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def read_idx(path):
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            data = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
            break
    else:
        raise SystemExit(f"{path}[.gz]: not found (apt-get install -y dataset-fashion-mnist)")
    magic, n = struct.unpack(">II", data[:8])
    if magic == 0x803:
        h, w = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, h, w)
    return np.frombuffer(data, np.uint8, offset=8)


class LeNet(nn.Module):
    """cyclr's `lenet`: conv 20@5x5, act, maxpool 2, conv 50@5x5, act, maxpool 2, FC 500, act, FC 10."""

    def __init__(self, classes=10):
        super().__init__()
        self.c1 = nn.Conv2d(1, 20, 5)
        self.c2 = nn.Conv2d(20, 50, 5)
        self.f1 = nn.Linear(50 * 4 * 4, 500)
        self.f2 = nn.Linear(500, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.f2(F.relu(self.f1(x.flatten(1))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--policy", choices=["fixed", "onecycle", "multistep"], default="fixed",
                    help="multistep: /10 at 80%% and 90%% of --iters (the Caffe-style baseline)")
    ap.add_argument("--lr", type=float, default=0.01, help="fixed LR, or OneCycleLR max_lr")
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--target", type=float, default=None, help="test accuracy to time")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: default)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)

    d = {k: read_idx(os.path.join(a.data, v)) for k, v in FILES.items()}
    xtr = torch.tensor(d["train_images"], dtype=torch.float32) / 255.0
    mean, std = xtr.mean().item(), xtr.std().item()
    xtr = (xtr - mean) / std
    ytr = torch.tensor(d["train_labels"], dtype=torch.long)
    xte = (torch.tensor(d["test_images"], dtype=torch.float32) / 255.0 - mean) / std
    yte = torch.tensor(d["test_labels"], dtype=torch.long)

    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    sched = None
    if a.policy == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.iters)
    elif a.policy == "multistep":
        sched = torch.optim.lr_scheduler.MultiStepLR(
            opt, milestones=[round(a.iters * 0.8), round(a.iters * 0.9)], gamma=0.1)

    def evaluate():
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xte), 1000):
                correct += (model(xte[i : i + 1000]).argmax(1) == yte[i : i + 1000]).sum().item()
        model.train()
        return correct / len(xte)

    n = len(xtr)
    order, pos, it = rng.permutation(n), 0, 0
    train_time, reached, evals = 0.0, None, []
    t_start = time.perf_counter()
    while it < a.iters:
        if pos + a.batch_size > n:
            order, pos = rng.permutation(n), 0
        idx = torch.from_numpy(order[pos : pos + a.batch_size])
        pos += a.batch_size
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched:
            sched.step()
        train_time += time.perf_counter() - t0
        it += 1
        if it % a.eval_every == 0 or it == a.iters:
            acc = evaluate()
            evals.append((it, acc))
            if a.target is not None and reached is None and acc >= a.target:
                reached = {"iteration": it, "wall_s": time.perf_counter() - t_start}
    print(json.dumps({
        "engine": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "policy": a.policy,
        "lr": a.lr,
        "iters": a.iters,
        "img_per_s": a.iters * a.batch_size / train_time,
        "wall_s": time.perf_counter() - t_start,
        "final_accuracy": evals[-1][1],
        "target": a.target,
        "reached": reached,
        "evals": evals,
    }))


if __name__ == "__main__":
    main()
