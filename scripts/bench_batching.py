#!/usr/bin/env python3
"""Recognizer batching: the words of a frame run as one batch padded up to a power of two, or as
power-of-two slices without padding (``crnn.batch_slices``, what the engine does), same model, same run.

For each word count the median time of covering that many crops either way is measured, with the
interpreters of every batch size created up front (as the engine keeps them) and invoked in turn, so
that switching between them costs what it costs in a frame. The table gives the medians and their
ratio; the plot (bench_batching.png) shows milliseconds against the word count.

Usage: python scripts/bench_batching.py [--model models/crnn_fp16.tflite] [--repeat 30] [--out docs]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from edge_ocr_ros.recognition.crnn import MAX_BATCH, batch_slices
from edge_ocr_ros.runtime.cpu import cpu_info
from edge_ocr_ros.runtime.interpreter import InterpreterFactory

COUNTS = (1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 24, 32, 33)


def padded(n: int) -> list[int]:
    """The batch sizes one padded invoke per MAX_BATCH crops runs (the engine's previous behaviour)."""
    sizes = [MAX_BATCH] * (n // MAX_BATCH)
    rest = n % MAX_BATCH
    return sizes + ([1 << (rest - 1).bit_length()] if rest else [])


def sliced(n: int) -> list[int]:
    return [r.stop - r.start for r in batch_slices(n)]


def median_ms(interpreters: dict[int, object], sizes: list[int], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for size in sizes:
            interpreters[size].invoke()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path("models/crnn_fp16.tflite"), help="a dynamic-batch recognizer")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", type=Path, help="write bench_batching.md and .png here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    factory = InterpreterFactory(args.model, args.threads)
    _, height, width, channels = factory.base.get_input_details()[0]["shape"]
    sizes = sorted({s for n in COUNTS for s in padded(n) + sliced(n)})
    interpreters = {s: factory.for_input_shape((s, height, width, channels)) for s in sizes}
    rng = np.random.default_rng(0)
    for interpreter in interpreters.values():
        detail = interpreter.get_input_details()[0]
        interpreter.set_tensor(detail["index"], rng.random(detail["shape"], np.float32))
        interpreter.invoke()  # warm-up
    rows = []
    for n in tqdm(COUNTS, desc="word counts"):
        a, b = [], []
        for _ in range(3):  # alternate, so that drifting load hits both alike
            a.append(median_ms(interpreters, padded(n), args.repeat))
            b.append(median_ms(interpreters, sliced(n), args.repeat))
        rows.append((n, padded(n), sliced(n), statistics.median(a), statistics.median(b)))

    command = f"python scripts/bench_batching.py --model {args.model} --threads {args.threads} --repeat {args.repeat}"
    lines = [f"Machine: {cpu_info().describe()}; {args.threads} threads; `{args.model}`; median of "
             f"3 x {args.repeat} runs each, alternated, same run (`{command}`).", "",
             "| words | padded batch | ms | slices | ms | padded / slices |", "|---|---|---|---|---|---|"]
    lines += [f"| {n} | {'+'.join(map(str, p))} | {pm:.2f} | {'+'.join(map(str, s))} | {sm:.2f} | {pm / sm:.2f}x |"
              for n, p, s, pm, sm in rows]
    per_crop = {n: sm / n for n, _, s, _, sm in rows if len(s) == 1}
    lines += ["", "Milliseconds per crop in one batch: " + ", ".join(f"{v:.2f} at {n}" for n, v in per_crop.items()) + "."]
    print("\n".join(lines))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_batching.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        counts = [r[0] for r in rows]
        ax.plot(counts, [r[3] for r in rows], "o-", label="one padded batch (before)")
        ax.plot(counts, [r[4] for r in rows], "s-", label="power-of-two slices (now)")
        ax.set(xlabel="words in the frame", ylabel="recognizer ms (median)", title="Recognizer batching")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.out / "bench_batching.png", dpi=100)


if __name__ == "__main__":
    main()
