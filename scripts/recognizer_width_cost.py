#!/usr/bin/env python3
"""What a wider recognizer input would cost (#27, "Keep the word's resolution"): the shipped CRNN architecture
at input widths 128 (shipped), 192 and 256 (32 px high; 32, 48 and 64 time steps), its convolution MACs and the
float16 TFLite time per word at batch 1 and 8, 2 threads, all in one run. Weights are random: the cost does not
depend on them, and what the accuracy would be needs a training run per width.

  python scripts/recognizer_width_cost.py --out docs       # docs/recognizer_width_cost.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from edge_ocr_ros.runtime.cpu import cpu_info
from edge_ocr_ros.runtime.interpreter import InterpreterFactory
from edge_ocr_train.crnn_model import INPUT_HEIGHT, SUBSTEPS, build_crnn, with_softmax
from edge_ocr_train.export import convert, count_macs
from edge_ocr_train.train_crnn import CHARSET

WIDTHS = (128, 192, 256)
BATCHES = (1, 8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--out", type=Path, help="write recognizer_width_cost.md here")
    args = parser.parse_args()
    import tensorflow as tf

    interpreters, macs = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for width in WIDTHS:
            model = with_softmax(build_crnn(CHARSET.num_classes, width=width))
            macs[width] = count_macs(model, (1, INPUT_HEIGHT, width, 1))
            path = Path(folder) / f"crnn_{width}.tflite"
            path.write_bytes(convert(model, [tf.TensorSpec([None, INPUT_HEIGHT, width, 1], tf.float32)]))
            factory = InterpreterFactory(path, args.threads)
            interpreters[width] = {b: factory.for_input_shape((b, INPUT_HEIGHT, width, 1)) for b in BATCHES}
    rng = np.random.default_rng(0)
    for by_batch in interpreters.values():
        for interpreter in by_batch.values():
            detail = interpreter.get_input_details()[0]
            interpreter.set_tensor(detail["index"], rng.random(detail["shape"], np.float32))
            interpreter.invoke()
    times = {(w, b): [] for w in WIDTHS for b in BATCHES}
    for _ in range(args.repeat):  # widths alternate, so that drifting load hits them alike
        for (w, b), samples in times.items():
            t0 = time.perf_counter()
            interpreters[w][b].invoke()
            samples.append((time.perf_counter() - t0) * 1e3 / b)
    lines = [f"Machine: {cpu_info().describe()}; {args.threads} threads; float16 TFLite of the shipped CRNN "
             f"architecture at each width, random weights; median of {args.repeat} invokes, widths alternated, same run "
             f"(`python scripts/recognizer_width_cost.py --threads {args.threads} --repeat {args.repeat}`).", "",
             "| input | time steps | MACs per word | vs 128 | ms per word, batch 1 | vs 128 | ms per word, batch 8 | vs 128 |",
             "|---|---|---|---|---|---|---|---|"]
    base = {b: statistics.median(times[(WIDTHS[0], b)]) for b in BATCHES}
    for w in WIDTHS:
        t1, t8 = (statistics.median(times[(w, b)]) for b in BATCHES)
        lines.append(f"| 32 x {w} | {w // 4 * SUBSTEPS} | {macs[w] / 1e6:.1f} M | {macs[w] / macs[WIDTHS[0]]:.2f}x | {t1:.2f} | "
                     f"{t1 / base[1]:.2f}x | {t8:.2f} | {t8 / base[8]:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "recognizer_width_cost.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
