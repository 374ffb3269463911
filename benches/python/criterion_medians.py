#!/usr/bin/env python3
"""Prints the median time of every criterion benchmark found under a target directory.

Criterion's console line shows a confidence interval of its slope/mean estimate; on a small,
shared machine the median of the samples is the steadier figure, and it is what BENCHMARKS.md
quotes. Criterion stores it in ``<target>/criterion/<group>/<bench>/new/estimates.json``.

Usage::

    python3 benches/python/criterion_medians.py [TARGET_DIR] [FILTER]

TARGET_DIR defaults to ``target`` (or ``$CARGO_TARGET_DIR``); FILTER keeps only benchmark ids
that contain it. Prints a Markdown table, one row per benchmark, in nanoseconds.
"""

import json
import os
import sys
from pathlib import Path


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", "target"))
    wanted = sys.argv[2] if len(sys.argv) > 2 else ""
    rows = []
    for estimates in sorted((target / "criterion").rglob("new/estimates.json")):
        bench_dir = estimates.parent.parent
        benchmark = bench_dir / "new" / "benchmark.json"
        if benchmark.exists():
            full_id = json.loads(benchmark.read_text())["full_id"]
        else:
            full_id = str(bench_dir.relative_to(target / "criterion"))
        if wanted not in full_id:
            continue
        data = json.loads(estimates.read_text())
        median = data["median"]
        rows.append(
            (
                full_id,
                median["point_estimate"],
                median["confidence_interval"]["lower_bound"],
                median["confidence_interval"]["upper_bound"],
            )
        )
    print("| benchmark | median (ns) | 95% CI of the median (ns) |")
    print("|---|---|---|")
    for full_id, point, low, high in rows:
        print(f"| {full_id} | {point:,.2f} | {low:,.2f} – {high:,.2f} |")


if __name__ == "__main__":
    main()
