#!/usr/bin/env python3
"""make demo: start ocr_node, publish the bundled sample signs to it, print what it read (each sign's lines in
reading order, "/" between lines, "|" between signs), save annotated images.

The node runs as users run it: its own process, the installed executable, the installed params file,
remapped to /demo/camera/image_raw. The script is the camera and the consumer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import rclpy
from edge_ocr_ros.msg import TextDetectionArray
from ocr_node_process import start_ocr_node, stop
from rclpy.executors import SingleThreadedExecutor
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from edge_ocr_ros.ros.messages import to_image_message
from edge_ocr_ros.tools.evaluation import normalize_text

REPO = Path(__file__).resolve().parent.parent


def to_msg(image: np.ndarray, stamp: int) -> Image:
    header = Header(frame_id="demo_camera")
    header.stamp.sec = stamp
    return to_image_message(image, header)


def wait(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and not predicate():
        time.sleep(0.05)
    return predicate()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path, default=REPO / "samples" / "signs")
    parser.add_argument("--out", type=Path, default=REPO / "demo_output")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    images = sorted(args.samples.glob("*.jpg"))
    params = Path(os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep)[0]) / "share" / "edge_ocr_ros" / "config" / "edge_ocr.yaml"
    ros_args = ["-r", "__ns:=/demo", "-r", "image:=/demo/camera/image_raw"]
    if params.is_file():
        ros_args += ["--params-file", str(params)]
    node_proc = start_ocr_node(ros_args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    rclpy.init()
    node = rclpy.create_node("demo_camera")
    results: dict[int, TextDetectionArray] = {}
    annotated: dict[int, Image] = {}
    node.create_subscription(TextDetectionArray, "/demo/text_detections", lambda m: results.__setitem__(m.header.stamp.sec, m), 10)
    node.create_subscription(Image, "/demo/text_detections/image", lambda m: annotated.__setitem__(m.header.stamp.sec, m), 10)
    pub = node.create_publisher(Image, "/demo/camera/image_raw", 1)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    threading.Thread(target=executor.spin, daemon=True).start()
    correct = total = 0
    try:
        if not wait(lambda: pub.get_subscription_count() > 0, 60.0):
            print("demo: ocr_node did not start; its output:\n" + (node_proc.stdout.read() if node_proc.poll() is not None else ""))
            return 1
        print(f"ocr_node is up; publishing {len(images)} sample signs to /demo/camera/image_raw\n")
        for stamp, path in enumerate(images, start=1):
            image = cv2.imread(str(path))
            pub.publish(to_msg(image, stamp))
            if not wait(lambda s=stamp: s in results and s in annotated, 30.0):
                print(f"{path.name}: no answer")
                continue
            message = results[stamp]
            words = [d.text for d in message.detections]
            blocks: dict[int, list[str]] = {}  # the lines of each sign, in reading order
            for line in message.lines:
                blocks.setdefault(line.block, []).append(line.text)
            read = " | ".join(" / ".join(lines) for _, lines in sorted(blocks.items()))
            truth = [w["text"] for w in json.loads(path.with_name(path.stem + ".gt.json").read_text())]
            found = {normalize_text(w) for w in words}
            hits = sum(normalize_text(t) in found for t in truth)
            correct, total = correct + hits, total + len(truth)
            print(f"{path.name:<14} read: {read or '(nothing)':<28} expected: {' '.join(truth):<22} {hits}/{len(truth)}")
            msg = annotated[stamp]
            cv2.imwrite(str(args.out / path.name), np.frombuffer(bytes(msg.data), np.uint8).reshape(msg.height, msg.width, 3))
        print(f"\n{correct}/{total} sample words read correctly; annotated images in {args.out}/")
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.shutdown()
        stop(node_proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
