#!/usr/bin/env python3
"""The text map, measured: position error and merge accuracy on simulated drives, and text_map_node's CPU
and memory at 30 Hz of detections with a map growing to 1,000 landmarks.

1. Drives (no ROS): corridors ray-cast by edge_ocr_ros/tools/drive_sim.py, read by the shipped models with
   tracking, each word placed from the exact depth and moved into the map by the true transforms, fused as
   text_map_node fuses (landmarks/fusion.py). Per sign: the landmark that answers its text, its distance to
   where the sign hangs; merge accuracy = signs answered by exactly one landmark within 1 m; extra = other
   confirmed landmarks (misreadings that stood).
2. Node (ROS): text_map_node in its own process, fed TextDetectionArray at 30 Hz (five positioned lines per
   message, in the map frame) for --seconds per phase: first with every line at one of 10 places (a map of
   10 landmarks, the baseline), then at new places until the map holds 1,000. CPU % and RSS of the process
   (/proc), the update time per message from its diagnostics.

  python scripts/text_map_bench.py --out docs          # docs/text_map.md and docs/text_map.png
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from edge_ocr_ros import OcrConfig, OcrPipeline
from edge_ocr_ros.landmarks.fusion import FusionSettings, LandmarkMap, line_sightings
from edge_ocr_ros.positions import word_positions
from edge_ocr_ros.runtime.cpu import cpu_info
from edge_ocr_ros.tools.drive_sim import Sign, corridor_signs, render_drive
from edge_ocr_ros.tracking import TrackingSettings, WordTracker

REPO = Path(__file__).resolve().parent.parent
DRIVES = {  # name -> (signs, speed m/s, camera rate Hz, odom drift m/s)
    "corridor, 1 m/s, 5 Hz": (corridor_signs(), 1.0, 5.0, 0.0),
    "corridor, 1.5 m/s, 3 Hz, odom drifting": (corridor_signs(), 1.5, 3.0, 0.03),
    "offices: repeated texts": ([Sign("ROOM 201", 2.0), Sign("ROOM 202", 4.5), Sign("EXIT", 7.0),
                                 Sign("ROOM 203", 9.5), Sign("EXIT", 12.0), Sign("TOILET", 14.5, width=0.6)], 1.0, 5.0, 0.0),
}


def drive_figures(name: str, signs: list[Sign], speed: float, rate: float, drift: float, pipeline: OcrPipeline,
                  config: OcrConfig) -> dict:
    tracker = WordTracker(TrackingSettings.from_config(config))
    landmarks = LandmarkMap(FusionSettings())
    frames = list(render_drive(signs, speed=speed, rate_hz=rate, odom_drift=drift))
    for frame in tqdm(frames, desc=name, unit="frame", file=sys.stderr):
        result = tracker.update(pipeline.run(frame.bgr))
        if not result.words:
            continue
        points, valid = word_positions(np.stack([w.points for w in result.words]), frame.depth, frame.k,
                                       (result.width, result.height))
        positions = [tuple(p) if ok else None for p, ok in zip(points, valid, strict=True)]
        lines = [(line.text, line.confidence, [positions[i] for i in line.word_indices]) for line in result.lines]
        for sighting in line_sightings(lines, frame.stamp, frame.map_from_optical()):
            landmarks.add(sighting)
    errors, merged, used = [], 0, set()
    for sign in signs:
        near = [(lm, float(np.linalg.norm(lm.mean - sign.centre))) for lm, _ in landmarks.find(sign.text)]
        near = [(lm, d) for lm, d in near if d < 1.0]
        merged += len(near) == 1
        if near:
            lm, d = min(near, key=lambda pair: pair[1])
            errors.append(d)
            used.add(lm.id)
        else:
            errors.append(float("nan"))
    extra = [lm.text for lm in landmarks.confirmed() if lm.id not in used]
    return {"drive": name, "frames": len(frames), "signs": len(signs), "errors": errors, "merged": merged,
            "extra": extra}


def node_figures(seconds: float) -> list[dict]:
    """text_map_node fed 30 Hz for ``seconds`` per phase; CPU % and RSS from /proc."""
    import rclpy
    from edge_ocr_ros.msg import TextDetection, TextDetectionArray, TextLine
    from geometry_msgs.msg import Point

    proc = subprocess.Popen([sys.executable, str(REPO / "scripts" / "text_map_node"), "--ros-args", "-r",
                             "__ns:=/bench", "-p", "publish_period:=1.0"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    from diagnostic_msgs.msg import DiagnosticArray

    rclpy.init()
    node = rclpy.create_node("map_bench")
    pub = node.create_publisher(TextDetectionArray, "/bench/text_detections", 100)
    status: dict[str, str] = {}

    def on_diagnostics(msg: DiagnosticArray) -> None:
        if msg.status and msg.status[0].name.startswith("/bench/text_map_node"):
            status.update({kv.key: kv.value for kv in msg.status[0].values})

    node.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 10)
    spin = threading.Thread(target=rclpy.spin, args=(node,), daemon=True)
    spin.start()
    deadline = time.monotonic() + 30
    while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    rng = np.random.default_rng(0)
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu_seconds() -> float:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_mb() -> float:
        line = next(x for x in Path(f"/proc/{proc.pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def message(places: np.ndarray, stamp: float) -> TextDetectionArray:
        msg = TextDetectionArray()
        msg.header.frame_id = "map"
        msg.header.stamp.sec, msg.header.stamp.nanosec = int(stamp), int((stamp % 1) * 1e9)
        for i in rng.choice(len(places), 5, replace=False):
            x, y, z = places[i] + rng.normal(0, 0.03, 3)
            msg.lines.append(TextLine(text=f"ROOM {i}", confidence=0.9, word_indices=[len(msg.detections)]))
            msg.detections.append(TextDetection(text=f"ROOM {i}", text_confidence=0.9, has_position=True,
                                                position=Point(x=float(x), y=float(y), z=float(z))))
        return msg

    rows = []
    grid = np.stack(np.meshgrid(np.arange(40) * 3.0, np.arange(25) * 3.0, [1.5], indexing="ij"), -1).reshape(-1, 3)
    for label, places in (("10 landmarks (baseline)", grid[:10]), ("growing to 1,000 landmarks", grid)):
        count = int(seconds * 30)
        start_cpu, start = cpu_seconds(), time.monotonic()
        for k in range(count):
            pub.publish(message(places, 1000.0 + k / 30))
            time.sleep(max(0.0, start + (k + 1) / 30 - time.monotonic()))
        elapsed = time.monotonic() - start
        cpu, update_ms = 100 * (cpu_seconds() - start_cpu) / elapsed, status.get("update_ms_p50", "?")  # last second fed
        time.sleep(1.5)  # the next diagnostics message: the map's size once every message is in
        rows.append({"phase": label, "messages": count, "cpu_percent": cpu, "rss_mb": rss_mb(),
                     "landmarks": status.get("landmarks", "?"), "update_ms": update_ms})
    proc.terminate()
    proc.wait(10)
    node.destroy_node()
    rclpy.shutdown()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="folder for text_map.md and text_map.png")
    parser.add_argument("--seconds", type=float, default=35.0, help="seconds per node phase (default 35: 1,050 "
                                                                     "messages, enough for 1,000 landmarks)")
    parser.add_argument("--no-node", action="store_true", help="only the drives (no ROS needed)")
    args = parser.parse_args()
    config = OcrConfig.from_yaml(REPO / "config" / "edge_ocr.yaml")
    pipeline = OcrPipeline.from_config(config)
    drives = [drive_figures(name, *spec, pipeline, config) for name, spec in DRIVES.items()]
    node = [] if args.no_node else node_figures(args.seconds)

    lines = [f"Machine: {cpu_info().describe()}; `python scripts/text_map_bench.py --out docs` "
             f"(shipped float16 models, tracking on, fusion defaults: merge_distance 1 m, min_sightings 3).", "",
             "| drive | frames | signs | merged (one landmark each) | position error median | max | extra landmarks |",
             "|---|---|---|---|---|---|---|"]
    for d in drives:
        err = np.array(d["errors"])
        ok = err[np.isfinite(err)]
        lines.append(f"| {d['drive']} | {d['frames']} | {d['signs']} | {d['merged']}/{d['signs']} | "
                     f"{np.median(ok) * 100:.1f} cm | {ok.max() * 100:.1f} cm | {', '.join(d['extra']) or 'none'} |"
                     if len(ok) else f"| {d['drive']} | {d['frames']} | {d['signs']} | 0/{d['signs']} | - | - | - |")
    if node:
        base = node[0]["cpu_percent"]
        lines += ["", "text_map_node fed 30 Hz of TextDetectionArray (5 positioned lines each, map frame), one process:", "",
                  "| phase | messages | landmarks at the end | update ms p50 (last second) | CPU % of one core | "
                  "ratio to baseline | RSS MB |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['phase']} | {r['messages']} | {r['landmarks']} | {r['update_ms']} | {r['cpu_percent']:.1f} | "
                  f"{r['cpu_percent'] / base:.2f}x | {r['rss_mb']:.0f} |" for r in node]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "text_map.md").write_text(text)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for i, d in enumerate(drives):
        err = np.array(d["errors"]) * 100
        ax.scatter(np.full(len(err), i) + np.linspace(-0.15, 0.15, len(err)), err, label=d["drive"])
    ax.axhline(15, color="grey", linestyle="--", linewidth=1)
    ax.text(len(drives) - 0.5, 15.5, "tests' bound 15 cm", ha="right", fontsize=8)
    ax.set_xticks(range(len(drives)), [d["drive"] for d in drives], fontsize=8)
    ax.set_ylabel("landmark to sign, cm")
    ax.set_title("Text landmarks on simulated drives: position error per sign")
    fig.tight_layout()
    fig.savefig(args.out / "text_map.png", dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
