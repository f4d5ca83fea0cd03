"""Medians over the rounds of bench/kernels_bench.sh's variant runs (x86-v4, mimalloc).

    python3 bench/kernels_summary.py OUT_DIR

Reads OUT_DIR/variant-<name>-round<k>.txt (tables of examples/throughput.rs) and prints, per
variant, model and kernels, the median img/s and img per CPU-second over the rounds, and each
variant's ratio to `system` (the plain build).
"""

import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def main(out: Path) -> None:
    rows = defaultdict(list)  # (variant, model, kernels) -> [(img/s, img/cpu-s)]
    for f in sorted(out.glob("variant-*-round*.txt")):
        variant = re.match(r"variant-(.+)-round\d+\.txt", f.name).group(1)
        for line in f.read_text().splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 7 and cells[1] in ("burn", "cyclr") and cells[3].isdigit():
                rows[(variant, cells[0], cells[1])].append((float(cells[3]), float(cells[6])))
    med = {k: (statistics.median(a for a, _ in v), statistics.median(b for _, b in v), len(v))
           for k, v in rows.items()}
    print("| variant | model | kernels | rounds | img/s (median) | vs system | img per CPU-s (median) | vs system |")
    print("|---|---|---|---|---|---|---|---|")
    for (variant, model, kernels), (rate, per_cpu, n) in sorted(med.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        base = med.get(("system", model, kernels))
        vs = f"{rate / base[0]:.2f}x" if base else "-"
        vs_cpu = f"{per_cpu / base[1]:.2f}x" if base else "-"
        print(f"| {variant} | {model} | {kernels} | {n} | {rate:.0f} | {vs} | {per_cpu:.0f} | {vs_cpu} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
