#!/usr/bin/env python3
"""Drive-by benchmark: what tracking makes of a sign seen from a passing robot, with the truth known.

Each sign photo (labelled ICDAR 2003 scenes from the real training data, never the dev set) is cut around
its words and shown in ``--frames`` frames of 640 x 480 at 15 Hz along a pass: the sign plane turns from 35
to -10 degrees of yaw, grows from half to 1.3 times its size, slides across the image and partly out of it
at the end, with motion blur, JPEG and auto-exposure jumps. The words' quads go through the same warps, so
every frame's truth is known. Each frame is read by the engine (float16, default settings) and the tracker,
as ``edge-ocr --video`` does. Reported, over all words:

- after its first correct reading, the share of frames in which the word is published correctly, by the
  tracker and by the frame's own reading;
- frames where the track's vote hides a correct reading of the frame, and the reverse;
- id switches (distinct track ids of one word, minus one);
- fragments published (a proper part of a word in full view published over it), and junk publications (published words
  on no labelled word: pictograms, small print) with their distinct tracks.

Usage: python scripts/driveby_bench.py [--scenes ../shared/realtrain/scenes] [--signs 10] [--frames 45] [--out docs]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.geometry import polygon_iou
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.runtime.cpu import cpu_info
from edge_ocr_ros.tracking import TrackingSettings, WordTracker
from edge_ocr_train.camera_views import tilt_homography

REPO = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 640, 480
MATCH_IOU = 0.3  # a published word on a labelled word
JUNK_IOU = 0.05  # a published word on no labelled word at all


def key(text: str) -> str:
    """Case-insensitive letters and digits, as every engine is scored."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def sign_scenes(folder: Path, count: int) -> list[tuple[Path, np.ndarray, list[str | None]]]:
    """The first ``count`` scenes (by name) whose 1-6 labelled words are all at least 20 px high and 3
    letters long: signs a robot should read."""
    chosen = []
    for gt_path in sorted(folder.glob("ic03_*.gt.json")):
        entries = json.loads(gt_path.read_text(encoding="utf-8"))
        quads = np.array([e["points"] for e in entries], np.float32).reshape(-1, 4, 2)
        texts = [e.get("text") for e in entries]
        heights = np.linalg.norm(quads[:, 3] - quads[:, 0], axis=1) if len(quads) else np.zeros(0)
        if 1 <= len(texts) <= 6 and all(t and len(key(t)) >= 3 for t in texts) and heights.min() >= 20:
            chosen.append((gt_path.with_name(gt_path.name.replace(".gt.json", ".jpg")), quads, texts))
        if len(chosen) == count:
            break
    return chosen


@dataclass
class Pass:
    """One sign's frames and the labelled quads in each."""

    frames: list[np.ndarray]
    truth: list[np.ndarray]  # per frame: words x 4 x 2
    texts: list[str]


def drive_by(image: np.ndarray, quads: np.ndarray, texts: list[str], frames: int, rng: np.random.Generator) -> Pass:
    """The sign photo shown along a pass, its words' centre sliding across the frame (module docstring)."""
    h, w = image.shape[:2]
    lo, hi = quads.reshape(-1, 2).min(axis=0), quads.reshape(-1, 2).max(axis=0)
    fit = 0.5 * WIDTH / max(hi[0] - lo[0], 1.0)  # the words span half the frame's width at scale 1
    out = Pass([], [], texts)
    exposure = 1.0
    for k in range(frames):
        t = k / max(frames - 1, 1)
        tilt, _ = tilt_homography(w, h, 35.0 - 45.0 * t, 0.0, 0.0, 1.5 * max(w, h))
        centre = cv2.perspectiveTransform(((lo + hi) / 2).reshape(1, 1, 2).astype(np.float64), tilt).reshape(2)
        scale = (0.5 + 0.8 * t) * fit
        cx = WIDTH * (0.7 - 0.4 * t) - (WIDTH * 0.5 * (t - 0.85) / 0.15 if t > 0.85 else 0.0)  # out of view at the end
        place = np.array([[scale, 0, cx - scale * centre[0]], [0, scale, HEIGHT / 2 - scale * centre[1]], [0, 0, 1]])
        matrix = place @ tilt
        frame = cv2.warpPerspective(image, matrix, (WIDTH, HEIGHT), borderMode=cv2.BORDER_REPLICATE)
        length = max(1, round(WIDTH * 0.4 / frames * 0.5))  # half the pixels the sign moves in a frame
        frame = cv2.filter2D(frame, -1, np.full((1, length), 1.0 / length, np.float32))  # motion blur
        if k % 10 == 0:
            exposure = float(rng.uniform(0.6, 1.4))  # auto-exposure jumps
        frame = np.clip(frame.astype(np.float32) * exposure, 0, 255).astype(np.uint8)
        data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 90))])[1]
        out.frames.append(cv2.imdecode(data, cv2.IMREAD_COLOR))
        out.truth.append(cv2.perspectiveTransform(quads.reshape(1, -1, 2).astype(np.float64), matrix).reshape(-1, 4, 2))
    return out


@dataclass
class Tally:
    """The benchmark's counts over all words and frames."""

    tracked_ok: int = 0
    tracked_after_first: int = 0
    frame_ok: int = 0
    frame_after_first: int = 0
    vote_hides_correct: int = 0
    vote_fixes_wrong: int = 0
    id_switches: int = 0
    fragments: int = 0
    junk: int = 0
    junk_tracks: set = field(default_factory=set)
    words: int = 0
    per_frame_tracked: list = field(default_factory=list)  # share of visible words published correctly, per frame index
    per_frame_own: list = field(default_factory=list)


def matched(words, truth: np.ndarray) -> list[object | None]:
    """For each labelled quad, the published word on it (greedy by IoU), or None."""
    out: list[object | None] = [None] * len(truth)
    pairs = sorted(((polygon_iou(w.points, q), i, j) for i, q in enumerate(truth) for j, w in enumerate(words)),
                   reverse=True, key=lambda p: p[0])
    used = set()
    for iou, i, j in pairs:
        if iou >= MATCH_IOU and out[i] is None and j not in used:
            out[i], used = words[j], used | {j}
    return out


def score(drive: Pass, tracked: list, own: list, tally: Tally, offset: int) -> None:
    visible = [np.all((q[..., 0] >= 0) & (q[..., 0] < WIDTH) & (q[..., 1] >= 0) & (q[..., 1] < HEIGHT), axis=1) for q in drive.truth]
    first_tracked = [None] * len(drive.texts)
    first_own = [None] * len(drive.texts)
    ids: list[set] = [set() for _ in drive.texts]
    for k, (truth, pub, raw) in enumerate(zip(drive.truth, tracked, own, strict=True)):
        on_pub, on_raw = matched(pub.words, truth), matched(raw.words, truth)
        ok_pub = [w is not None and key(w.text) == key(t) for w, t in zip(on_pub, drive.texts, strict=True)]
        ok_raw = [w is not None and key(w.text) == key(t) for w, t in zip(on_raw, drive.texts, strict=True)]
        for i in range(len(drive.texts)):
            if not visible[k][i]:
                continue
            if on_pub[i] is not None:
                ids[i].add(on_pub[i].track_id)
            if ok_pub[i] and first_tracked[i] is None:
                first_tracked[i] = k
            if ok_raw[i] and first_own[i] is None:
                first_own[i] = k
            if first_tracked[i] is not None:
                tally.tracked_after_first += 1
                tally.tracked_ok += ok_pub[i]
            if first_own[i] is not None:
                tally.frame_after_first += 1
                tally.frame_ok += ok_raw[i]
            tally.vote_hides_correct += ok_raw[i] and not ok_pub[i] and on_pub[i] is not None
            tally.vote_fixes_wrong += ok_pub[i] and not ok_raw[i]
        for w in pub.words:
            overlaps = [polygon_iou(w.points, q) for q in truth]
            if not overlaps or max(overlaps) < JUNK_IOU:
                tally.junk += 1
                tally.junk_tracks.add((offset, w.track_id))
            elif visible[k][int(np.argmax(overlaps))]:  # a word partly out of view may only be read in part
                text = key(drive.texts[int(np.argmax(overlaps))])
                tally.fragments += key(w.text) != text and key(w.text) in text
        seen = [i for i in range(len(drive.texts)) if visible[k][i]]
        if seen:
            tally.per_frame_tracked.append((k, np.mean([ok_pub[i] for i in seen])))
            tally.per_frame_own.append((k, np.mean([ok_raw[i] for i in seen])))
    tally.id_switches += sum(max(len(s) - 1, 0) for s in ids)
    tally.words += len(drive.texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=Path, default=REPO.parent / "shared" / "realtrain" / "scenes")
    parser.add_argument("--signs", type=int, default=10)
    parser.add_argument("--frames", type=int, default=45)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", type=Path, help="engine YAML (default: the shipped settings)")
    parser.add_argument("--out", type=Path, help="write driveby.md and driveby.png here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = OcrConfig.from_yaml(args.config) if args.config else OcrConfig()
    pipeline = OcrPipeline.from_config(config)
    rng = np.random.default_rng(args.seed)
    tally = Tally()
    scenes = sign_scenes(args.scenes, args.signs)
    if not scenes:
        raise SystemExit(f"no labelled ICDAR 2003 sign scene in {args.scenes}")
    for n, (path, quads, texts) in enumerate(tqdm(scenes, desc="drive-bys", unit="sign")):
        drive = drive_by(cv2.imread(str(path)), quads, texts, args.frames, rng)
        tracker = WordTracker(TrackingSettings.from_config(config))
        own = [pipeline.run(frame) for frame in drive.frames]
        tracked = [tracker.update(result) for result in own]
        score(drive, tracked, own, tally, n)
    pct = lambda a, b: f"{100 * a / max(b, 1):.1f} %"  # noqa: E731
    command = f"python scripts/driveby_bench.py --signs {args.signs} --frames {args.frames} --seed {args.seed}"
    lines = [f"Machine: {cpu_info().describe()}. {len(scenes)} ICDAR 2003 sign photos (real training scenes, first by name "
             f"with 1-6 words of 3+ characters, 20+ px high), {args.frames} frames each, {tally.words} words (`{command}`).", "",
             "| measure | tracked (published) | the frame's own reading |", "|---|---|---|",
             "| after a word's first correct reading, frames it is published correctly | "
             f"{pct(tally.tracked_ok, tally.tracked_after_first)} "
             f"({tally.tracked_ok} / {tally.tracked_after_first}) | {pct(tally.frame_ok, tally.frame_after_first)} "
             f"({tally.frame_ok} / {tally.frame_after_first}) |",
             f"| frames where the vote hides a correct reading / fixes a wrong one | {tally.vote_hides_correct} / "
             f"{tally.vote_fixes_wrong} | |",
             f"| id switches (distinct track ids per word - 1, summed) | {tally.id_switches} | |",
             f"| fragments published over a word | {tally.fragments} | |",
             f"| junk publications (on no labelled word) / their tracks | {tally.junk} / {len(tally.junk_tracks)} | |"]
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "driveby.md").write_text(table + "\n")
        plot(tally, args.frames, args.out / "driveby.png")


def plot(tally: Tally, frames: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for series, label in ((tally.per_frame_tracked, "tracked (published)"), (tally.per_frame_own, "frame's own reading")):
        by_frame = [np.mean([v for k, v in series if k == f]) if any(k == f for k, _ in series) else np.nan for f in range(frames)]
        ax.plot(range(frames), by_frame, label=label)
    ax.set(xlabel="frame of the pass (15 Hz; yaw 35 to -10 degrees, growing, out of view at the end)",
           ylabel="visible words read correctly", ylim=(0, 1), title="Drive-by: words read correctly along the pass")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
