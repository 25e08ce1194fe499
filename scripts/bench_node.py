#!/usr/bin/env python3
"""Node under load: drive the real ocr_node (own process, default params) with a camera-like publisher.

For each rate (5, 15, 30 Hz) and size (640x480, 1280x720) it publishes the sample signs for --seconds
and reports latency from image stamp to text_detections (p50/p95/max), output rate, dropped frames,
and the node process's CPU % and RSS over time (sampled from /proc). The node's overhead is its p50
latency at 5 Hz minus the median OcrPipeline.run time of the same images measured in this process.

Usage (after make build, with install/setup.bash sourced): python scripts/bench_node.py [--seconds 10] [--out docs]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from edge_ocr_ros.msg import TextDetectionArray
from ocr_node_process import start_ocr_node, stop
from rclpy.executors import SingleThreadedExecutor
from sensor_msgs.msg import Image

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.ros.messages import to_image_message
from edge_ocr_ros.runtime.cpu import cpu_info

REPO = Path(__file__).resolve().parent.parent
RATES = (5, 15, 30)
SIZES = ((640, 480), (1280, 720))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_sample(pid: int) -> tuple[float, float]:
    """(CPU seconds used so far, RSS in MB) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    return cpu, rss


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


class Harness:
    """The installed ocr_node in its own process (namespace /bench) and a camera node that publishes
    to it (reliable, depth 1 unless told) and collects its results and its diagnostics."""

    def __init__(self, publisher_depth: int = 1, params: dict[str, int] | None = None) -> None:
        overrides = [arg for name, value in (params or {}).items() for arg in ("-p", f"{name}:={value}")]
        self.node_proc = start_ocr_node(["-r", "__ns:=/bench", *overrides], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        rclpy.init()
        self.node = rclpy.create_node("bench_camera")
        self.received: list[tuple[float, float, int]] = []  # (receive time, stamp, 0)
        self.diagnostics: dict[str, str] = {}
        self.node.create_subscription(TextDetectionArray, "/bench/text_detections", lambda m: self.received.append(
            (time.time(), m.header.stamp.sec + m.header.stamp.nanosec * 1e-9, 0)), 100)
        self.node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, 10)
        self.pub = self.node.create_publisher(Image, "/bench/image", publisher_depth)
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.node)
        threading.Thread(target=self.executor.spin, daemon=True).start()

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        for status in msg.status:
            if status.name.startswith("/bench/ocr_node:"):
                self.diagnostics = {kv.key: kv.value for kv in status.values}

    def wait_for_node(self) -> None:
        end = time.time() + 60
        while self.pub.get_subscription_count() == 0 and time.time() < end:
            time.sleep(0.1)
        time.sleep(2.0)  # let the node finish loading

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown()
        stop(self.node_proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each rate/size run")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--size", metavar="WxH", help="detector.width x height for the node and the pipeline "
                        "(default: the parameters file's), e.g. 960x544 to compare with the default")
    args = parser.parse_args()
    params = {}
    if args.size:
        width, height = (int(v) for v in args.size.lower().split("x"))
        params = {"detector.width": width, "detector.height": height}
    samples = [cv2.imread(str(p)) for p in sorted((REPO / "samples" / "signs").glob("*.jpg"))]

    # the pipeline alone, same images and sizes, for the overhead figure
    pipeline = OcrPipeline.from_config(OcrConfig({"edgetpu": "off", **params}))
    alone = {}
    for size in SIZES:
        frames = [cv2.resize(s, size) for s in samples]
        for f in frames:
            pipeline.run(f)
        alone[size] = statistics.median(pipeline.run(f).timing_ms["total"] for f in frames * 3)
    del pipeline

    harness = Harness(params=params)
    node_proc, received, pub = harness.node_proc, harness.received, harness.pub
    rows, timeline = [], []  # timeline: (t, cumulative CPU s, RSS MB)
    t_start = time.time()
    try:
        harness.wait_for_node()
        for size in SIZES:
            msgs = []
            for s in samples:
                img = cv2.resize(s, size)
                msgs.append(to_image_message(img))
            for rate in RATES:
                received.clear()
                sent = 0
                cpu0, _ = proc_sample(node_proc.pid)
                t0 = time.time()
                next_sample = t0
                period = 1.0 / rate
                while time.time() - t0 < args.seconds:
                    msg = msgs[sent % len(msgs)]
                    now = time.time()
                    msg.header.stamp.sec, msg.header.stamp.nanosec = int(now), int((now % 1) * 1e9)
                    pub.publish(msg)
                    sent += 1
                    if now >= next_sample:
                        cpu, rss = proc_sample(node_proc.pid)
                        timeline.append((now - t_start, cpu, rss))
                        next_sample = now + 0.5
                    time.sleep(max(0.0, t0 + sent * period - time.time()))
                time.sleep(1.5)  # drain
                cpu1, rss = proc_sample(node_proc.pid)
                elapsed = time.time() - t0
                lat = [(r - s) * 1e3 for r, s, _ in received]
                rows.append({"size": f"{size[0]}x{size[1]}", "rate": rate, "sent": sent, "answered": len(received),
                             "out_hz": len(received) / args.seconds, "p50": percentile(lat, 50), "p95": percentile(lat, 95),
                             "max": max(lat) if lat else float("nan"), "cpu": 100 * (cpu1 - cpu0) / elapsed, "rss": rss,
                             "alone": alone[size]})
                print(rows[-1], flush=True)
    finally:
        harness.close()
    cfg = OcrConfig(params)
    which = f"the default parameters but {args.size}" if args.size else "its default parameters"
    lines = [f"Machine: {cpu_info().describe()}; ocr_node with {which} (CPU, detector input "
             f"up to {cfg['detector.width']}x{cfg['detector.height']} keeping aspect); {args.seconds:.0f} s per row; publisher "
             "and node on the same machine (FastDDS, reliable).", "",
             "| image | input Hz | sent | answered | output Hz | dropped | latency p50 ms | p95 ms | max ms | node CPU % | RSS MB |"
             " pipeline alone ms | node overhead ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        overhead = r["p50"] - r["alone"] if r["rate"] == RATES[0] else float("nan")
        lines.append(f"| {r['size']} | {r['rate']} | {r['sent']} | {r['answered']} | {r['out_hz']:.1f} | {r['sent'] - r['answered']} | "
                     f"{r['p50']:.0f} | {r['p95']:.0f} | {r['max']:.0f} | {r['cpu']:.0f} | {r['rss']:.0f} | {r['alone']:.0f} | "
                     + (f"{overhead:.0f} |" if not np.isnan(overhead) else "- |"))
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_node.md").write_text(table + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    for size in {r["size"] for r in rows}:
        sub = [r for r in rows if r["size"] == size]
        ax1.errorbar([r["rate"] for r in sub], [r["p50"] for r in sub], yerr=[[0] * len(sub), [r["p95"] - r["p50"] for r in sub]],
                     marker="o", capsize=3, label=f"{size} (p50, bar to p95)")
    ax1.set_xlabel("input rate (Hz)")
    ax1.set_ylabel("stamp-to-result latency (ms)")
    ax1.legend()
    ax1.grid(alpha=0.3)
    ts = np.array([t for t, _, _ in timeline])
    cpu_pct = 100 * np.diff([c for _, c, _ in timeline]) / np.maximum(np.diff(ts), 1e-3)
    ax2.plot(ts, [rss for _, _, rss in timeline], color="tab:blue")
    ax2.set_xlabel("time over all runs (s)")
    ax2.set_ylabel("node RSS (MB)", color="tab:blue")
    ax2.set_ylim(0, max(rss for _, _, rss in timeline) * 1.3)
    ax2.grid(alpha=0.3)
    ax3 = ax2.twinx()
    ax3.plot(ts[1:], cpu_pct, color="tab:red", alpha=0.6)
    ax3.set_ylabel("node CPU %", color="tab:red")
    ax2.set_title("memory stays flat; CPU follows the load")
    fig.tight_layout()
    fig.savefig(args.out / "bench_node.png", dpi=100)
    print(f"wrote {args.out / 'bench_node.md'} and {args.out / 'bench_node.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
