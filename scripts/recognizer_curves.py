#!/usr/bin/env python3
"""Curves of a long recognizer run on sets it never trains on: every kept step's weights
(``WORK_DIR/weights/stepNNNNNN.weights.h5``, one per evaluation) exported and scored through the engine.

The trainer validates on 300 real crops only (its --select-best measure, a couple of points of noise); this
scores each step on the ICDAR 2015 scene words (overall and slanted 20-35 degrees), the real hold-out and the
fixed-seed synthetic camera-view and sign-style sets, beside the shipped recognizer, so that a long run's
progress is seen on the measures the issue names. Each step is scored once: the scores are kept in
WORK_DIR/curves.csv, and a later call (the run has gone on) scores only the new steps. Float16 always;
``--int8`` also scores the int8 export (Edge TPU fidelity). Writes a table and a plot.

  python scripts/recognizer_curves.py --work-dir /root/edge_ocr_runs/train_crnn_camera \\
      --calib-words ../shared/realtrain/words --out docs --name crnn_camera
"""

from __future__ import annotations

import argparse
import csv
import logging
import re
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from edge_ocr_ros import OcrConfig, OcrPipeline
from edge_ocr_ros.tools.dataset_eval import evaluate_words

REPO = Path(__file__).resolve().parent.parent
LOG = logging.getLogger("recognizer_curves")
SETS = {"ic15": "data/ic15_scene_words", "holdout": "data/holdout_words", "synth_camera": "data/synth_camera_val",
        "synth_styles": "data/synth_styles_val"}
SLANTED = "20-35 deg"
STEP = re.compile(r"step(\d+)\.weights\.h5$")


def scores(model: Path, precision: str, sets: dict[str, Path]) -> dict[str, float]:
    """Word accuracy of one recognizer on each set (and on the slanted scene words)."""
    pipeline = OcrPipeline.from_config(OcrConfig({"recognizer.model": str(model), "recognizer.int8_model": str(model),
                                                  "recognizer.charset": str(model.parent / "charset.txt"),
                                                  "precision": precision, "edgetpu": "off"}))
    row = {}
    for name, folder in sets.items():
        report = evaluate_words(pipeline, folder, progress=False)
        row[name] = report["words"]["accuracy"]
        if "by_slant" in report:
            row[f"{name} {SLANTED}"] = report["by_slant"][SLANTED]["accuracy"]
    return row


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open() as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict]) -> None:
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)


def score_new_steps(args: argparse.Namespace, sets: dict[str, Path]) -> list[dict]:
    """The cached rows plus the shipped recognizer and every kept step not scored yet."""
    from edge_ocr_train.export import calibration_words, export_crnn

    cache = args.work_dir / "curves.csv"
    rows = read_rows(cache)
    done = {(r["step"], r["precision"]) for r in rows}
    precisions = ("float16", "int8") if args.int8 else ("float16",)
    shipped = {"float16": REPO / "models" / "crnn_fp16.tflite", "int8": REPO / "models" / "crnn_int8.tflite"}
    for precision in precisions:
        if ("shipped", precision) not in done:
            rows.append({"step": "shipped", "precision": precision, **scores(shipped[precision], precision, sets)})
            write_rows(cache, rows)
    snapshots = sorted((int(m.group(1)), p) for p in (args.work_dir / "weights").glob("step*.weights.h5")
                       if (m := STEP.search(p.name)))
    calib = None
    for step, weights in snapshots:
        wanted = [p for p in precisions if (str(step), p) not in done]
        if not wanted:
            continue
        if calib is None:
            calib = calibration_words(args.calib_words, 200, 1)
        with tempfile.TemporaryDirectory(prefix="recognizer_curves_") as folder:
            export_crnn(weights, Path(folder), calib)
            for precision in wanted:
                model = Path(folder) / ("crnn_fp16.tflite" if precision == "float16" else "crnn_int8.tflite")
                rows.append({"step": str(step), "precision": precision, **scores(model, precision, sets)})
                LOG.info("step %d %s: %s", step, precision, rows[-1])
                write_rows(cache, rows)
    return rows


def table(rows: list[dict], columns: list[str]) -> str:
    def order(row: dict) -> tuple[int, str]:
        return (-1 if row["step"] == "shipped" else int(row["step"]), row["precision"])

    lines = ["| step | precision | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for row in sorted(rows, key=order):
        cells = [f"{float(row[c]):.3f}" if row.get(c) not in (None, "") else "" for c in columns]
        lines.append(f"| {row['step']} | {row['precision']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], columns: list[str], png: Path, title: str) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, column in enumerate(columns):
        color = f"C{i}"
        steps = [(int(r["step"]), float(r[column])) for r in rows
                 if r["step"] != "shipped" and r["precision"] == "float16" and r.get(column) not in (None, "")]
        if steps:
            ax.plot(*zip(*sorted(steps), strict=True), marker="o", color=color, label=column)
        shipped = [float(r[column]) for r in rows if r["step"] == "shipped" and r["precision"] == "float16"]
        if shipped:
            ax.axhline(shipped[0], color=color, linestyle="--", linewidth=0.8)
    ax.set_xlabel("training step")
    ax.set_ylabel("word accuracy (float16)")
    ax.set_title(title + " (dashed: the shipped recognizer)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, required=True, help="the run's --work-dir (weights/ and curves.csv)")
    parser.add_argument("--calib-words", type=Path, action="append", required=True, help="int8 calibration words")
    parser.add_argument("--int8", action="store_true", help="also export and score int8")
    parser.add_argument("--out", type=Path, help="write NAME_curves.md and NAME_curves.png here")
    parser.add_argument("--name", default="crnn_camera", help="file name stem of the table and plot")
    parser.add_argument("--set", action="append", metavar="NAME=FOLDER",
                        help="words folders to score on (default: " + ", ".join(f"{k}={v}" for k, v in SETS.items()) + ")")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    pairs = dict(item.split("=", 1) for item in args.set) if args.set else SETS
    sets = {name: Path(folder) for name, folder in pairs.items()}
    missing = [str(folder) for folder in sets.values() if not (folder / "labels.tsv").is_file()]
    if missing:
        parser.error(f"no words folder at {', '.join(missing)}: see the model card (scripts/scene_words.py, "
                     "holdout_words.py, synth_val_words.py)")
    rows = score_new_steps(args, sets)
    columns = list(dict.fromkeys(k for r in rows for k in r if k not in ("step", "precision")))
    text = table(rows, columns)
    print(text)
    if args.out:
        (args.out / f"{args.name}_curves.md").write_text(
            f"Word accuracy of each kept step of `{args.work_dir.name}` on sets it never trained on "
            f"(`python scripts/recognizer_curves.py --work-dir {args.work_dir} ...`).\n\n" + text)
        plot(rows, columns, args.out / f"{args.name}_curves.png", f"{args.name}: accuracy on unseen sets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
