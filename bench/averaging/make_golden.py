"""Goldens for weight averaging (issue #30), made with the real packages.

    /work/venv-torch/bin/python bench/averaging/make_golden.py [OUT_DIR]

Writes OUT_DIR/swa_ema_timm.json (default crates/cyclr/tests/fixtures/averaging/) and
crates/cyclr-burn/tests/fixtures/averaging/update_bn.json. Deterministic: re-running rewrites both
files byte for byte (CPU, float32, one thread, deterministic algorithms).

What it records (README.md beside this script says why each case is there):
  * models: the parameters of a small network with batch norm (Linear 6->5, BatchNorm1d 5, ReLU,
    Linear 5->3) before training and after each of 14 SGD steps (lr 0.1, momentum 0.9) on random
    data: the sequence every averager below is fed.
  * averagers: torch.optim.swa_utils.AveragedModel with its default (SWA) average, from a start
    step and every N steps; with get_ema_multi_avg_fn(decay); timm.utils.ModelEmaV3 with and
    without use_warmup (update_after_step, min_decay, warmup_gamma, warmup_power set), updated
    with step = the number of optimizer steps taken (timm's train.py): the averaged parameters
    after every update.
  * decays: ModelEmaV3.get_decay(step) over a range of steps for several settings.
  * swalr: SWALR's learning rate after construction and after each of 16 step() calls, for
    cos/linear and several anneal_epochs (0 included), from one optimizer's lr.
  * update_bn: the SWA-averaged model's BatchNorm1d running statistics after update_bn over a
    loader of 6 batches of 8 (PyTorch's unbiased running variance; burn keeps the biased one).
"""
import json
import os
import sys

import torch
import timm
from torch import nn
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from timm.utils.model_ema import ModelEmaV3

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    ROOT, "crates/cyclr/tests/fixtures/averaging")
BN_OUT = os.path.join(ROOT, "crates/cyclr-burn/tests/fixtures/averaging")
STEPS = 14


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))


def params(m):
    return [p.detach().reshape(-1).tolist() for p in m.parameters()]


def data():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(48, 6, generator=g)
    y = torch.randint(0, 3, (48,), generator=g)
    return x, y


def train_sequence(model, hooks):
    """SGD steps; after step k (1-based) every hook(k, model) runs."""
    x, y = data()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    models = [params(model)]
    for k in range(1, STEPS + 1):
        i = (k - 1) % 6
        xb, yb = x[8 * i:8 * i + 8], y[8 * i:8 * i + 8]
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
        models.append(params(model))
        for h in hooks:
            h(k, model)
    return models


def averagers():
    model = make_model()
    cases = []

    def averaged_model(name, start, every, **kw):
        case = {"name": name, "start": start, "every": every, "updates": []}
        swa = AveragedModel(model, **kw)

        def hook(k, m):
            if k >= start and (k - start) % every == 0:
                swa.update_parameters(m)
                case["updates"].append({"step": k, "params": params(swa.module)})
        cases.append(case)
        return case, hook

    hooks = []
    c, h = averaged_model("AveragedModel (SWA) every step from step 3", 3, 1)
    c["kind"] = "swa"
    hooks.append(h)
    c, h = averaged_model("AveragedModel (SWA) every 4 steps from step 2", 2, 4)
    c["kind"] = "swa"
    hooks.append(h)
    c, h = averaged_model("AveragedModel, get_ema_multi_avg_fn(0.9), every step from step 1", 1, 1,
                          multi_avg_fn=get_ema_multi_avg_fn(0.9))
    c.update(kind="ema", decay=0.9)
    hooks.append(h)
    c, h = averaged_model("AveragedModel, get_ema_multi_avg_fn(0.3), every 2 steps from step 5", 5,
                          2, multi_avg_fn=get_ema_multi_avg_fn(0.3))
    c.update(kind="ema", decay=0.3)
    hooks.append(h)

    def model_ema(name, **kw):
        ema = ModelEmaV3(model, **kw)
        case = {"name": name, "kind": "ema-warmup", "start": 1, "every": 1, "updates": [],
                "decay": kw.get("decay", 0.9999), "min_decay": kw.get("min_decay", 0.0),
                "update_after_step": kw.get("update_after_step", 0),
                "use_warmup": kw.get("use_warmup", False),
                "warmup_gamma": kw.get("warmup_gamma", 1.0),
                "warmup_power": kw.get("warmup_power", 2 / 3)}

        def hook(k, m):
            case["updates"].append({"step": k, "decay": ema.get_decay(k)})
            ema.update(m, step=k)
            case["updates"][-1]["params"] = params(ema.module)
        cases.append(case)
        hooks.append(hook)

    model_ema("ModelEmaV3(decay=0.95, use_warmup=True, update_after_step=2, min_decay=0.1, "
              "warmup_gamma=2.0, warmup_power=0.75)", decay=0.95, use_warmup=True,
              update_after_step=2, min_decay=0.1, warmup_gamma=2.0, warmup_power=0.75)
    model_ema("ModelEmaV3(decay=0.8) (no warm-up)", decay=0.8)
    model_ema("ModelEmaV3(decay=0.9999, use_warmup=True) (timm's warm-up defaults)",
              decay=0.9999, use_warmup=True)
    models = train_sequence(model, hooks)
    return models, cases, model


def decays():
    out = []
    m = nn.Linear(1, 1)
    for kw in [dict(decay=0.9999, use_warmup=True),
               dict(decay=0.999, use_warmup=True, warmup_gamma=1.0, warmup_power=0.75),
               dict(decay=0.95, use_warmup=True, update_after_step=2, min_decay=0.1,
                    warmup_gamma=2.0, warmup_power=0.75),
               dict(decay=0.99, use_warmup=True, min_decay=0.5, warmup_gamma=10.0,
                    warmup_power=1.0),
               dict(decay=0.9, update_after_step=5)]:
        ema = ModelEmaV3(m, **kw)
        steps = list(range(0, 40)) + [100, 1000, 10_000, 31_623, 100_000, 1_000_000]
        case = {"decay": kw.get("decay"), "min_decay": kw.get("min_decay", 0.0),
                "update_after_step": kw.get("update_after_step", 0),
                "use_warmup": kw.get("use_warmup", False),
                "warmup_gamma": kw.get("warmup_gamma", 1.0),
                "warmup_power": kw.get("warmup_power", 2 / 3),
                "steps": steps, "values": [ema.get_decay(s) for s in steps]}
        out.append(case)
    return out


def swalr():
    out = []
    for strategy in ["cos", "linear"]:
        for anneal in [0, 1, 5, 7, 16]:
            p = nn.Parameter(torch.zeros(1))
            opt = torch.optim.SGD([p], lr=0.37)
            sched = SWALR(opt, swa_lr=0.05, anneal_epochs=anneal, anneal_strategy=strategy)
            lrs = [opt.param_groups[0]["lr"]]
            for _ in range(16):
                opt.step()
                sched.step()
                lrs.append(opt.param_groups[0]["lr"])
            out.append({"lr": 0.37, "swa_lr": 0.05, "anneal_epochs": anneal,
                        "anneal_strategy": strategy, "lrs": lrs})
    return out


def bn_golden(trained):
    swa = AveragedModel(trained)
    x, _ = data()
    # Two different models averaged, so that the averaged statistics are not any model's own.
    swa.update_parameters(trained)
    with torch.no_grad():
        for p in trained.parameters():
            p.mul_(0.5)
    swa.update_parameters(trained)
    loader = [x[8 * i:8 * i + 8] for i in range(6)]
    update_bn(loader, swa)
    bn = swa.module[1]
    lin = swa.module[0]
    return {
        "about": "torch.optim.swa_utils.update_bn on an AveragedModel of Linear(6,5) -> "
                 "BatchNorm1d(5) -> ReLU -> Linear(5,3); batches[i] is the loader's i-th batch "
                 "(8 rows of 6); running_var is PyTorch's (the unbiased variance of each batch); "
                 "burn's batch norm keeps the biased one (x (n-1)/n, n = 8)",
        "torch": torch.__version__,
        "linear_weight": lin.weight.detach().tolist(),
        "linear_bias": lin.bias.detach().tolist(),
        "batches": [b.tolist() for b in loader],
        "momentum_after": bn.momentum,
        "running_mean": bn.running_mean.tolist(),
        "running_var": bn.running_var.tolist(),
        "num_batches_tracked": int(bn.num_batches_tracked),
    }


def main():
    models, cases, trained = averagers()
    shapes = [{"name": n, "shape": list(p.shape)} for n, p in make_model().named_parameters()]
    golden = {
        "about": __doc__.split("\n\n")[0] + " See bench/averaging/README.md.",
        "torch": torch.__version__,
        "timm": timm.__version__,
        "params": shapes,
        "models": models,
        "averagers": cases,
        "decays": decays(),
        "swalr": swalr(),
    }
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(BN_OUT, exist_ok=True)
    with open(os.path.join(OUT, "swa_ema_timm.json"), "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(BN_OUT, "update_bn.json"), "w") as f:
        json.dump(bn_golden(trained), f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
