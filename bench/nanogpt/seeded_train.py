#!/usr/bin/env python3
"""Run nanoGPT's train.py unchanged, with another seed.

nanoGPT has no seed flag: train.py calls torch.manual_seed(1337 + seed_offset) once (seed_offset is the DDP
rank, 0 on one process), and that one generator draws both the initial weights and every batch
(get_batch's torch.randint). This wrapper adds SEED to every torch.manual_seed call train.py makes, so
--seed=0 is the stock run (1337) and --seed=K runs with torch.manual_seed(1337 + K). Everything else
(configurator flags, config files, relative paths) is train.py's own: run it from inside a nanoGPT folder.

    cd /tmp/nanogpt-run && /work/venv-torch/bin/python /path/to/bench/nanogpt/seeded_train.py --seed=3 \\
        config/train_shakespeare_char.py --device=cpu --compile=False ...
"""
import os
import runpy
import sys

import torch


def main():
    argv = sys.argv[1:]
    seed = 0
    rest = []
    for a in argv:
        if a.startswith("--seed="):
            seed = int(a.split("=", 1)[1])
        else:
            rest.append(a)
    if not os.path.isfile("train.py") or not os.path.isfile("model.py"):
        raise SystemExit("run from inside a nanoGPT folder (train.py, model.py, configurator.py, data/)")
    original = torch.manual_seed

    def manual_seed(s):
        print(f"seeded_train: torch.manual_seed({s}) -> torch.manual_seed({s + seed})", flush=True)
        return original(s + seed)

    torch.manual_seed = manual_seed
    sys.path.insert(0, os.getcwd())  # train.py's 'from model import GPTConfig, GPT'
    sys.argv = ["train.py"] + rest  # configurator.py reads sys.argv[1:]
    runpy.run_path("train.py", run_name="__main__")


if __name__ == "__main__":
    main()
