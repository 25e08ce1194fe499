#!/usr/bin/env python3
"""Speed of the float16 pipeline against the int8 pipelines (``precision: int8``, the Edge TPU's models run
on the CPU: the fast mode for a robot without a Coral), same images, same run, 1 and 2 threads; and what the
recognizer's second look (docs/design.md) costs float16.

Each image is run once to warm up, then ``--repeat`` times; the table gives the median milliseconds per
stage and the ratio to float16 measured in the same run. The plot (bench_precision.png) shows the
per-image totals.

Usage: python scripts/bench_precision.py --images ../shared/devset/scenes [--repeat 3] [--out docs]
"""

from __future__ import annotations

import argparse
import logging
import statistics
from pathlib import Path

from tqdm import tqdm

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.runtime.cpu import cpu_info
from edge_ocr_ros.tools.sources import image_files, read_image

STAGES = ["preprocess", "detect", "decode_nms", "crop", "recognize", "ctc", "total"]
VARIANTS = {
    "float16 (default)": {},
    "float16 without the second look (second_look_from: 1)": {"recognizer.second_look_from": 1.0},
    "int8, letterboxed (--int8)": {"precision": "int8"},
    "int8, 320x320 tiles": {"precision": "int8", "detector.int8_models": ["east_int8_320x320.tflite"]},
}


def measure(settings: dict, images: list, repeat: int, threads: int) -> dict[str, list[float]]:
    pipeline = OcrPipeline.from_config(OcrConfig({"edgetpu": "off", "num_threads": threads, **settings}))
    times: dict[str, list[float]] = {s: [] for s in STAGES}
    for image in images:
        pipeline.run(image)  # warm-up: interpreters of new sizes, caches
        runs = [pipeline.run(image).timing_ms for _ in range(repeat)]
        for stage in STAGES:
            times[stage].append(statistics.median(r.get(stage, 0.0) for r in runs))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, default=Path("samples/signs"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, help="write bench_precision.md and .png here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    images = [read_image(p) for p in image_files(args.images)]
    results = {(name, t): measure(settings, images, args.repeat, t)
               for t in args.threads for name, settings in tqdm(VARIANTS.items(), desc=f"{t} thread(s)")}
    lines = [f"Machine: {cpu_info().describe()}; {len(images)} images from `{args.images}`, "
             f"median of {args.repeat} runs each after a warm-up; same run for every row "
             f"(`python scripts/bench_precision.py --images {args.images} --out docs`).", "",
             "| pipeline | threads | " + " | ".join(STAGES) + " ms (median over images) | total vs float16 |",
             "|---|---|" + "---|" * len(STAGES) + "---|"]
    for (name, threads), times in results.items():
        medians = [statistics.median(times[s]) for s in STAGES]
        base = statistics.median(results[(next(iter(VARIANTS)), threads)]["total"])
        lines.append(f"| {name} | {threads} | " + " | ".join(f"{m:.1f}" for m in medians)
                     + f" | {base / medians[-1]:.2f}x faster |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_precision.md").write_text(table + "\n")
        plot(results, args.out / "bench_precision.png")


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8))
    labels = [f"{name}\n{threads} thread(s)" for name, threads in results]
    ax.boxplot([times["total"] for times in results.values()], orientation="horizontal", tick_labels=labels)
    ax.set(xlabel="ms per image (pipeline total)", title="float16 vs int8 on the CPU, same run")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
