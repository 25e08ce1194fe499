#!/usr/bin/env python3
"""Peer comparison: edge_ocr_ros (float16 and int8, 1 and 2 threads) vs RapidOCR and Tesseract 5, one run.

Each engine lives in its own worker process (so its peak RSS is its own) and the workers are driven in
lockstep, image by image, so all engines see the same machine state. Times are warm: model loading is
excluded, and so is file decoding (every worker gets the decoded image's path and reads it before timing).

- RapidOCR 1.4.4 (rapidocr-onnxruntime, PP-OCRv4 mobile models inside its wheel): its text lines are split
  into words with its per-character boxes (return_word_box=True), so that it is scored at word level like the
  ground truth; recognition-only mode for word crops.
- RapidOCR 3.10.0 (the ``rapidocr`` package, PP-OCRv6 small models inside its wheel, nothing downloaded): its
  own word results (return_word_box=True). It keeps call options between calls (after a ``use_det=False``
  call, later full calls read garbage), so scenes and word crops get an engine each, for both versions.
- Tesseract 5 (Debian tesseract-ocr + eng, LSTM engine) through libtesseract's C API (no process per
  image): scenes with page segmentation mode 11 (sparse text, the mode meant for text scattered in
  photos), word crops with mode 8 (a single word); words with confidence < 0 (non-text) are dropped.

Usage: make peers && .venv-peers/bin/python scripts/bench_peers.py --scenes ../shared/devset/scenes \\
           --words ../shared/devset/words [--limit N] --out docs
"""

from __future__ import annotations

import argparse
import ctypes
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from edge_ocr_ros.runtime.cpu import cpu_info

ENGINES = ["edge_ocr fp16 1t", "edge_ocr fp16 2t", "edge_ocr int8 1t", "edge_ocr int8 2t", "rapidocr 1.4.4", "rapidocr 3.10.0",
           "tesseract"]


# ---------------------------------------------------------------- engines (in the worker processes)
class EdgeOcr:
    def __init__(self, name: str) -> None:
        from edge_ocr_ros.config import OcrConfig
        from edge_ocr_ros.pipeline import OcrPipeline

        self.pipeline = OcrPipeline.from_config(OcrConfig({"edgetpu": "off", "num_threads": 1 if "1t" in name else 2,
                                               "precision": "int8" if "int8" in name else "float16"}))

    def scene(self, image):
        return [(w.points.tolist(), w.text) for w in self.pipeline.run(image).words]

    def word(self, image):
        return self.pipeline.recognize_crop(image).words[0].text


class Rapid:
    def __init__(self, name: str) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self.engine, self.word_engine = RapidOCR(), RapidOCR()  # one per kind of call (module docstring)

    def scene(self, image):
        result, _ = self.engine(image, return_word_box=True)
        words = []
        for line in result or []:
            chars, boxes = (line[4], line[3]) if len(line) >= 5 else (list(line[1]), None)
            if boxes is None or len(boxes) != len(chars):  # no character boxes: the line as one word
                words.append((line[0], line[1]))
                continue
            current: list = []
            for ch, box in [*zip(chars, boxes, strict=True), (" ", None)]:
                if ch.strip() and box is not None:
                    current.append((ch, box))
                    continue
                if current:
                    pts = np.array([p for _, b in current for p in b], np.float32)
                    words.append((cv2.boxPoints(cv2.minAreaRect(pts)).tolist(), "".join(c for c, _ in current)))
                    current = []
        return words

    def word(self, image):
        result, _ = self.word_engine(image, use_det=False, use_cls=False)
        return result[0][0] if result else ""


class Rapid3:
    """RapidOCR 3.10.0 with its bundled PP-OCRv6 small models."""

    def __init__(self, name: str) -> None:
        from rapidocr import RapidOCR

        self.engine, self.word_engine = RapidOCR(), RapidOCR()  # it keeps call options: one per kind of call

    def scene(self, image):
        """Its words; a line whose word boxes it could not split (an empty entry) counts as one word."""
        out = self.engine(image, return_word_box=True)
        if out.boxes is None:
            return []
        found = []
        for line_box, line_text, words in zip(out.boxes, out.txts, out.word_results or [()] * len(out.txts), strict=True):
            complete = [w for w in words if len(w) == 3]
            if complete:
                found += [(np.asarray(box, np.float32).tolist(), text) for text, _, box in complete]
            else:
                found.append((np.asarray(line_box, np.float32).tolist(), line_text))
        return found

    def word(self, image):
        out = self.word_engine(image, use_det=False, use_cls=False)
        return out.txts[0] if out.txts else ""


class Tesseract:
    """libtesseract's C API through ctypes: one initialised engine, reused for every image."""

    def __init__(self, name: str) -> None:
        lib = ctypes.CDLL("libtesseract.so.5")
        lib.TessBaseAPICreate.restype = ctypes.c_void_p
        lib.TessBaseAPIGetTsvText.restype = ctypes.c_void_p
        lib.TessBaseAPIGetTsvText.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.TessDeleteText.argtypes = [ctypes.c_void_p]
        for fn in ("TessBaseAPIInit3", "TessBaseAPISetPageSegMode", "TessBaseAPISetImage", "TessBaseAPIRecognize"):
            getattr(lib, fn).restype = ctypes.c_int
        self.lib = lib
        self.api = ctypes.c_void_p(lib.TessBaseAPICreate())
        if lib.TessBaseAPIInit3(self.api, None, b"eng") != 0:
            raise RuntimeError("tesseract: cannot load eng (apt install tesseract-ocr-eng)")

    def _tsv(self, image, psm: int) -> list[list[str]]:
        gray = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        self.lib.TessBaseAPISetPageSegMode(self.api, psm)
        self.lib.TessBaseAPISetImage(self.api, gray.ctypes.data_as(ctypes.c_void_p), gray.shape[1], gray.shape[0], 1, gray.shape[1])
        self.lib.TessBaseAPIRecognize(self.api, None)
        ptr = self.lib.TessBaseAPIGetTsvText(self.api, 0)
        text = ctypes.string_at(ptr).decode("utf-8", "replace")
        self.lib.TessDeleteText(ptr)
        return [row.split("\t") for row in text.splitlines()]

    def scene(self, image):
        words = []
        for row in self._tsv(image, 11):
            if len(row) == 12 and row[0] == "5" and float(row[10]) >= 0 and row[11].strip():
                x, y, w, h = map(int, row[6:10])
                words.append(([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], row[11]))
        return words

    def word(self, image):
        return "".join(r[11] for r in self._tsv(image, 8) if len(r) == 12 and r[0] == "5")


def worker(name: str) -> None:
    engine = {"rapidocr 1.4.4": Rapid, "rapidocr 3.10.0": Rapid3, "tesseract": Tesseract}.get(name, EdgeOcr)(name)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        image = cv2.imread(job["path"], cv2.IMREAD_COLOR)
        if job["kind"] == "scene":
            engine.scene(image) if job.get("warmup") else None
            t0 = time.perf_counter()
            out = engine.scene(image)
        else:
            engine.word(image) if job.get("warmup") else None
            t0 = time.perf_counter()
            out = engine.word(image)
        ms = (time.perf_counter() - t0) * 1e3
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"out": out, "ms": ms, "rss_mb": rss}), flush=True)


# ---------------------------------------------------------------- the driver
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=Path, required=True)
    parser.add_argument("--words", type=Path, required=True)
    parser.add_argument("--engines", nargs="+", default=ENGINES)
    parser.add_argument("--limit", type=int, help="use only the first N scenes and N words")
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return 0
    from tqdm import tqdm

    from edge_ocr_ros.tools.evaluation import Counts, load_gt, partial_scenes, score_scene, word_scores

    scenes = sorted(p for p in args.scenes.glob("*.jpg") if p.with_name(p.stem + ".gt.json").is_file())[: args.limit]
    rows = [r.split("\t", 1) for r in (args.words / "labels.tsv").read_text().splitlines() if "\t" in r][: args.limit]
    partial = partial_scenes(args.scenes)
    procs = {}
    for name in args.engines:
        procs[name] = subprocess.Popen([sys.executable, __file__, "--worker", name, "--scenes", ".", "--words", "."],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        assert json.loads(procs[name].stdout.readline())["ready"]

    def ask(name: str, job: dict) -> dict:
        procs[name].stdin.write(json.dumps(job) + "\n")
        return json.loads(procs[name].stdout.readline())

    det = {n: Counts() for n in args.engines}
    e2e = {n: Counts() for n in args.engines}
    scene_ms = {n: [] for n in args.engines}
    word_ms = {n: [] for n in args.engines}
    pairs = {n: [] for n in args.engines}
    rss = dict.fromkeys(args.engines, 0.0)
    for i, path in enumerate(tqdm(scenes, desc="scenes")):
        gt_quads, gt_texts = load_gt(path.with_name(path.stem + ".gt.json"))
        for name in args.engines:  # alternate engines on every image
            r = ask(name, {"kind": "scene", "path": str(path), "warmup": i == 0})
            quads = [np.array(q, np.float32).reshape(4, 2) for q, _ in r["out"]]
            s = score_scene(quads, [t for _, t in r["out"]], gt_quads, gt_texts, partial=path.name in partial or path.stem in partial)
            det[name].add(s.detection)
            e2e[name].add(s.end_to_end)
            scene_ms[name].append(r["ms"])
            rss[name] = max(rss[name], r["rss_mb"])
    for i, (fname, truth) in enumerate(tqdm(rows, desc="words")):
        for name in args.engines:
            r = ask(name, {"kind": "word", "path": str(args.words / fname), "warmup": i == 0})
            pairs[name].append((r["out"], truth))
            word_ms[name].append(r["ms"])
            rss[name] = max(rss[name], r["rss_mb"])
    for p in procs.values():
        p.stdin.close()
        p.wait(timeout=30)

    def p90(v: list[float]) -> float:
        return float(np.percentile(v, 90))

    results = []
    for name in args.engines:
        w = word_scores(pairs[name])
        results.append({"engine": name, "det": det[name].prf(), "e2e": e2e[name].prf(), "words": w,
                        "scene_ms": (statistics.median(scene_ms[name]), p90(scene_ms[name])),
                        "word_ms": (statistics.median(word_ms[name]), p90(word_ms[name])), "rss": rss[name]})
    lines = [f"Machine: {cpu_info().describe()}; {len(scenes)} scenes from `{args.scenes}`, {len(rows)} word crops "
             f"from `{args.words}`; engines alternate image by image in one run; warm times, file decoding excluded.", "",
             "| engine | det P | det R | det F1 | e2e P | e2e R | e2e F1 | word acc | word NED | scene ms p50 | p90 | word ms p50 | p90 |"
             " peak RSS MB |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['engine']} | {r['det']['precision']:.3f} | {r['det']['recall']:.3f} | {r['det']['f1']:.3f} | "
                     f"{r['e2e']['precision']:.3f} | {r['e2e']['recall']:.3f} | {r['e2e']['f1']:.3f} | {r['words']['accuracy']:.3f} | "
                     f"{r['words']['ned']:.3f} | {r['scene_ms'][0]:.0f} | {r['scene_ms'][1]:.0f} | {r['word_ms'][0]:.1f} | "
                     f"{r['word_ms'][1]:.1f} | {r['rss']:.0f} |")
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_peers.md").write_text(table + "\n")
    (args.out / "bench_peers.json").write_text(json.dumps(results, indent=1))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for r in results:
        ax1.scatter(r["scene_ms"][0], r["e2e"]["f1"], s=40)
        ax1.annotate(r["engine"], (r["scene_ms"][0], r["e2e"]["f1"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
        ax2.scatter(r["word_ms"][0], r["words"]["accuracy"], s=40)
        ax2.annotate(r["engine"], (r["word_ms"][0], r["words"]["accuracy"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax1.set(xscale="log", xlabel="median ms per scene (log)", ylabel="end-to-end F1", title="Scenes: accuracy vs latency")
    ax2.set(xscale="log", xlabel="median ms per word crop (log)", ylabel="word accuracy", title="Word crops: accuracy vs latency")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out / "bench_peers.png", dpi=100)
    print(f"wrote {args.out / 'bench_peers.md'} and {args.out / 'bench_peers.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
