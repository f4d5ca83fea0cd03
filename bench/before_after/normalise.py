#!/usr/bin/env python3
"""Normalise a recording of run.sh for comparison: RAW -> NORM.

Dropped or masked, because they differ between two runs of the same code:
  * JSON keys and CSV columns that are wall times or speeds (wall_time_s, images_per_s,
    wall_time_mean_s, ...);
  * in text (stdout/stderr, Markdown, HTML, SVG): numbers followed by " s" or "img/s", and
    every occurrence of the recording's own directory (written as <RUN>);
  * binary files (PNG plots, checkpoints): listed by name only.
Everything else is copied as it is, so a changed number, message or file shows up in the diff.
"""
import json
import os
import re
import sys

TIME_KEY = re.compile(r"(wall_time|elapsed|images_per_s|_per_s$|^time_s$)")
TIME_TEXT = [
    (re.compile(r"\b\d+(\.\d+)?(e[-+]?\d+)? ?s\b(?!\w)"), "<T> s"),
    (re.compile(r"\b\d+(\.\d+)? img/s"), "<N> img/s"),
    (re.compile(r"\[\d\d:\d\d:\d\d\]"), "[<T>]"),
]
TEXT_EXT = {".csv", ".md", ".html", ".svg", ".toml", ".stdout", ".stderr", ".txt"}


def scrub_json(v, root):
    if isinstance(v, dict):
        return {k: scrub_json(x, root) for k, x in v.items() if not TIME_KEY.search(k)}
    if isinstance(v, list):
        return [scrub_json(x, root) for x in v]
    if isinstance(v, str):
        return v.replace(root, "<RUN>")
    return v


def scrub_text(t, root):
    t = t.replace(root, "<RUN>")
    for pat, rep in TIME_TEXT:
        t = pat.sub(rep, t)
    return t


def scrub_csv(t, root):
    lines = t.splitlines()
    if not lines:
        return t
    head = lines[0].split(",")
    keep = [i for i, h in enumerate(head) if not TIME_KEY.search(h)]
    out = []
    for line in lines:
        cells = line.split(",")
        out.append(",".join(cells[i] for i in keep if i < len(cells)))
    return scrub_text("\n".join(out) + "\n", root)


def main(raw, norm):
    root = os.path.abspath(raw)
    binaries = []
    for dirpath, _, files in os.walk(raw):
        for f in sorted(files):
            src = os.path.join(dirpath, f)
            rel = os.path.relpath(src, raw)
            ext = os.path.splitext(f)[1]
            dst = os.path.join(norm, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if ext == ".json":
                with open(src) as fh:
                    v = json.load(fh)
                with open(dst, "w") as fh:
                    json.dump(scrub_json(v, root), fh, indent=1, sort_keys=False)
                    fh.write("\n")
            elif ext == ".csv":
                with open(src) as fh:
                    t = fh.read()
                with open(dst, "w") as fh:
                    fh.write(scrub_csv(t, root))
            elif ext in TEXT_EXT:
                with open(src, errors="replace") as fh:
                    t = fh.read()
                with open(dst, "w") as fh:
                    fh.write(scrub_text(t, root))
            else:
                binaries.append(rel)
    with open(os.path.join(norm, "binary-files.txt"), "w") as fh:
        fh.write("\n".join(sorted(binaries)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
