#!/usr/bin/env python3
"""Engine benchmark: per-stage time of OcrPipeline against the seed script's approach, in one run.

The baseline re-implements what the seed did, on the same models and images: it creates both TFLite
interpreters for every frame, decodes the EAST maps in Python loops (as OpenCV's EAST sample does),
suppresses with cv2.dnn.NMSBoxesRotated, invokes the recognizer once per word, and decodes CTC with
TensorFlow (tf.nn.ctc_greedy_decoder) when TensorFlow is installed, else with a Python loop.

Usage: python scripts/bench_engine.py [--images DIR] [--repeat 5] [--out docs]
Prints a markdown table (median and p90 ms per stage) and writes docs/bench_engine.md and .png.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.geometry import order_quad
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.recognition.crop import warp_word
from edge_ocr_ros.runtime.cpu import cpu_info
from edge_ocr_ros.runtime.interpreter import litert_module
from edge_ocr_ros.tools.sources import image_files, read_image

STAGES = ["preprocess", "detect", "decode_nms", "crop", "recognize", "ctc", "total"]
POST = ["decode_nms", "crop", "ctc"]  # the work around the models
MODEL = ["detect", "recognize"]


class SeedBaseline:
    """The seed script's per-frame work, kept faithful on purpose (slow by design)."""

    def __init__(self, config: OcrConfig, input_size) -> None:
        self.cfg = config
        self.input_size = input_size  # the same detector input size as the pipeline, for a like-for-like comparison
        self.east_path = str(config.path("detector.model"))
        self.crnn_path = str(config.path("recognizer.model"))
        self.blank = sum(1 for line in config.path("recognizer.charset").read_text().splitlines() if line) - 1
        try:
            import tensorflow as tf

            self.tf = tf
        except ImportError:
            self.tf = None

    def run(self, image: np.ndarray) -> dict[str, float]:
        t: dict[str, float] = {}
        lite = litert_module()
        t0 = time.perf_counter()
        east = lite.Interpreter(model_path=self.east_path)  # re-created every frame, as the seed did
        w, h = self.input_size(image.shape[1], image.shape[0])
        inp = east.get_input_details()[0]
        east.resize_tensor_input(inp["index"], [1, h, w, 3])
        east.allocate_tensors()
        blob = cv2.resize(image, (w, h)).astype(np.float32) - np.array([103.939, 116.779, 123.68], np.float32)
        east.set_tensor(inp["index"], blob[None])
        t1 = time.perf_counter()
        east.invoke()
        outs = {d["shape"][-1]: east.get_tensor(d["index"])[0] for d in east.get_output_details()}
        t2 = time.perf_counter()
        score, dist = outs[1][..., 0], outs[4]
        angle = np.arctan2(outs[2][..., 1], outs[2][..., 0]) if 2 in outs else outs[5][..., 4]
        rects, confidences = [], []
        for y in range(score.shape[0]):  # Python loops over the score map
            for x in range(score.shape[1]):
                s = score[y, x]
                if s < self.cfg["detector.score_threshold"]:
                    continue
                a = angle[y, x]
                cos, sin = math.cos(a), math.sin(a)
                d0, d1, d2, d3 = dist[y, x]
                bh, bw = d0 + d2, d1 + d3
                ox, oy = x * 4.0 + cos * d1 + sin * d2, y * 4.0 - sin * d1 + cos * d2
                p1 = (-sin * bh + ox, -cos * bh + oy)
                p3 = (-cos * bw + ox, sin * bw + oy)
                rects.append(((0.5 * (p1[0] + p3[0]), 0.5 * (p1[1] + p3[1])), (bw, bh), -a * 180.0 / math.pi))
                confidences.append(float(s))
        keep = cv2.dnn.NMSBoxesRotated(rects, confidences, self.cfg["detector.score_threshold"], self.cfg["detector.nms_threshold"]) \
            if rects else []
        sx, sy = image.shape[1] / w, image.shape[0] / h
        quads = [order_quad(cv2.boxPoints(rects[int(i)]) * [sx, sy]) for i in np.array(keep).reshape(-1)]
        t3 = time.perf_counter()
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        crops = []
        for q in quads:
            crop = np.zeros((32, 128), np.uint8)
            warp_word(gray, q, crop)
            crops.append(crop)
        t4 = time.perf_counter()
        crnn = lite.Interpreter(model_path=self.crnn_path)  # re-created every frame
        crnn.allocate_tensors()
        outputs = []
        for crop in crops:  # one invoke per word
            crnn.set_tensor(crnn.get_input_details()[0]["index"], (crop.astype(np.float32) / 255.0)[None, ..., None])
            crnn.invoke()
            outputs.append(crnn.get_tensor(crnn.get_output_details()[0]["index"])[0])
        t5 = time.perf_counter()
        for out in outputs:
            if self.tf is not None:  # the seed needed full TensorFlow for this
                logits = self.tf.math.log(self.tf.constant(out[:, None, :]) + 1e-9)
                self.tf.nn.ctc_greedy_decoder(logits, [out.shape[0]], blank_index=self.blank)
            else:
                prev, text = -1, []
                for c in out.argmax(axis=1):
                    if c != prev and c != self.blank:
                        text.append(int(c))
                    prev = c
        t6 = time.perf_counter()
        t.update(preprocess=(t1 - t0) * 1e3, detect=(t2 - t1) * 1e3, decode_nms=(t3 - t2) * 1e3, crop=(t4 - t3) * 1e3,
                 recognize=(t5 - t4) * 1e3, ctc=(t6 - t5) * 1e3, total=(t6 - t0) * 1e3, words=len(quads))
        return t


def twenty_word_frame(samples: Path) -> np.ndarray:
    """A 1280 x 720 frame tiled from the sample signs (about 20 words)."""
    tiles = [cv2.resize(read_image(p), (320, 240)) for p in sorted(samples.glob("*.jpg"))]
    tiles = (tiles * 2)[:12]
    rows = [np.concatenate(tiles[i : i + 4], axis=1) for i in range(0, 12, 4)]
    return np.concatenate(rows, axis=0)


def summarize(runs: list[dict[str, float]]) -> dict[str, tuple[float, float]]:
    out = {}
    for stage in STAGES:
        values = sorted(r[stage] for r in runs)
        out[stage] = (statistics.median(values), values[min(len(values) - 1, round(0.9 * (len(values) - 1)))])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, default=Path("samples/signs"), help="folder of images to time")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the folder (after one warm-up pass)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    config = OcrConfig({"num_threads": args.threads, "edgetpu": "off"})
    pipeline = OcrPipeline.from_config(config)
    baseline = SeedBaseline(config, pipeline.detector.input_size)
    images = [(p.name, read_image(p)) for p in image_files(args.images)]
    frame20 = twenty_word_frame(Path("samples/signs"))
    ours, seed, ours20, seed20 = [], [], [], []
    for rep in range(args.repeat + 1):
        for _, img in images:  # alternate the two, image by image, so both see the same machine state
            r_ours = dict(pipeline.run(img).timing_ms)
            r_seed = baseline.run(img)
            if rep:
                ours.append(r_ours)
                seed.append(r_seed)
        r20 = pipeline.run(frame20)
        s20 = baseline.run(frame20)
        if rep:
            ours20.append({**r20.timing_ms, "words": len(r20.words)})
            seed20.append(s20)
    a, b, a20, b20 = summarize(ours), summarize(seed), summarize(ours20), summarize(seed20)
    lines = [f"Machine: {cpu_info().describe()}; {args.threads} threads; "
             f"{len(images)} images from `{args.images}` x {args.repeat} passes, plus a tiled 1280x720 frame "
             f"({statistics.median(r['words'] for r in ours20):.0f} words found), same models, same run.", "",
             "| stage | ours median ms | ours p90 ms | seed median ms | seed p90 ms | seed / ours |", "|---|---|---|---|---|---|"]
    for stage in STAGES:
        lines.append(f"| {stage} | {a[stage][0]:.2f} | {a[stage][1]:.2f} | {b[stage][0]:.2f} | {b[stage][1]:.2f} | "
                     f"{b[stage][0] / max(a[stage][0], 1e-6):.1f}x |")
    post20 = sum(a20[s][0] for s in POST)
    model20 = sum(a20[s][0] for s in MODEL)
    lines += ["", f"Tiled frame: decode+NMS+crop+CTC = {post20:.2f} ms = {100 * post20 / model20:.1f}% of model time "
              f"({model20:.1f} ms); seed: {sum(b20[s][0] for s in POST):.1f} ms. Whole frame: ours {a20['total'][0]:.1f} ms, "
              f"seed {b20['total'][0]:.1f} ms ({b20['total'][0] / a20['total'][0]:.1f}x)."]
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_engine.md").write_text(table + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.5))
    x = np.arange(len(STAGES) - 1)
    ax.bar(x - 0.2, [a[s][0] for s in STAGES[:-1]], 0.4, label="edge_ocr_ros")
    ax.bar(x + 0.2, [b[s][0] for s in STAGES[:-1]], 0.4, label="seed approach")
    ax.set_xticks(x, STAGES[:-1])
    ax.set_yscale("log")
    ax.set_ylabel("median ms per image (log)")
    ax.set_title("Per-stage time, same models and images, one run")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "bench_engine.png", dpi=100)
    print(f"wrote {args.out / 'bench_engine.md'} and {args.out / 'bench_engine.png'}")


if __name__ == "__main__":
    main()
