#!/usr/bin/env python3
"""Soak: the real ocr_node (own process) fed 640x480 frames at 30 Hz for --minutes, with every frame accounted.

sent (by this camera) = answered (text_detections received here) + dropped (by the node: a newer frame
replaced it before the worker was free) + lost (never reached the node: from the publication sequence numbers
the middleware hands to the node's callback, rclpy Kilted on; else sent - received by the node) + bad
inputs. Prints the accounting, latency p50/p95 and the node's memory drift (RSS over the last tenth of the run
against the first tenth after warm-up), and writes soak.md and soak.png.

Usage (after make build, install/setup.bash sourced): python scripts/soak.py [--minutes 10] [--rate 30] [--out docs]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from bench_node import REPO, Harness, percentile, proc_sample

from edge_ocr_ros.ros.messages import to_image_message
from edge_ocr_ros.runtime.cpu import cpu_info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--depth", type=int, default=1, help="history depth of the camera's (reliable) publisher")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args()
    samples = [cv2.resize(cv2.imread(str(p)), (640, 480)) for p in sorted((REPO / "samples" / "signs").glob("*.jpg"))]
    messages = [to_image_message(image) for image in samples]
    harness = Harness(publisher_depth=args.depth)
    timeline: list[tuple[float, float]] = []  # (seconds, node RSS MB)
    sent = 0
    try:
        harness.wait_for_node()
        harness.received.clear()
        t0 = time.monotonic()
        next_sample, period, duration = t0, 1.0 / args.rate, args.minutes * 60
        while time.monotonic() - t0 < duration:
            msg = messages[sent % len(messages)]
            now = time.time()
            msg.header.stamp.sec, msg.header.stamp.nanosec = int(now), int((now % 1) * 1e9)
            harness.pub.publish(msg)
            sent += 1
            if time.monotonic() >= next_sample:
                timeline.append((time.monotonic() - t0, proc_sample(harness.node_proc.pid)[1]))
                next_sample += 1.0
            time.sleep(max(0.0, t0 + sent * period - time.monotonic()))
        time.sleep(3.0)  # drain, and one more diagnostics message
        diag = dict(harness.diagnostics)
    finally:
        harness.close()
    answered = len(harness.received)
    received = int(diag.get("frames_received_total", 0))
    dropped = int(diag.get("dropped_frames_total", 0))
    bad = int(diag.get("bad_inputs_total", 0))
    counted_lost = diag.get("lost_in_transport_total", "")
    lost = int(counted_lost) if counted_lost.isdigit() else sent - received
    latency = [(r - s) * 1e3 for r, s, _ in harness.received]
    rss = np.array([m for _, m in timeline])
    tenth = max(len(rss) // 10, 1)
    start, end = float(np.median(rss[1 : 1 + tenth])), float(np.median(rss[-tenth:]))
    lines = [f"Machine: {cpu_info().describe()}; ocr_node with its default parameters, fed 640x480 bgr8 at {args.rate:g} Hz "
             f"for {args.minutes:g} min by a reliable depth-{args.depth} publisher on the same machine "
             f"(`python scripts/soak.py --minutes {args.minutes:g} --depth {args.depth} --out docs`).", "",
             "| sent | answered | dropped by the node | lost in transport | bad inputs | answered + dropped + lost + bad |"
             " latency p50 ms | p95 ms | RSS start MB | RSS end MB | drift |",
             "|---|---|---|---|---|---|---|---|---|---|---|",
             f"| {sent} | {answered} | {dropped} | {lost}{'' if counted_lost.isdigit() else ' (sent - received)'} | {bad} | "
             f"{answered + dropped + lost + bad} | {percentile(latency, 50):.0f} | {percentile(latency, 95):.0f} | "
             f"{start:.0f} | {end:.0f} | {100 * (end - start) / start:+.1f} % |"]
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.md").write_text(table + "\n")
    plot(timeline, latency, args.out / "soak.png")
    return 0 if answered + dropped + lost + bad == sent else 1


def plot(timeline: list[tuple[float, float]], latency: list[float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot([t / 60 for t, _ in timeline], [m for _, m in timeline])
    left.set(xlabel="minutes", ylabel="node RSS (MB)", title="memory over the soak")
    left.set_ylim(0, max(m for _, m in timeline) * 1.3)
    right.hist(latency, bins=50)
    right.set(xlabel="stamp-to-result latency (ms)", ylabel="frames", title="latency of the answered frames")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main())
