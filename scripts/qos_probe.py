#!/usr/bin/env python3
"""How many camera-sized images reach a subscriber in another process, per QoS and FastDDS transport setting.

Two processes on one machine (ROS_DOMAIN_ID from --domain): a publisher sends --count bgr8 images of
--width x --height at --rate Hz, with the given reliability; a subscriber with the same reliability and
depth 1 counts what arrives. Each row runs with FASTDDS_BUILTIN_TRANSPORTS unset and set to LARGE_DATA (on
both processes). This is what the README's advice on best-effort cameras rests on.

Usage (after make build, install/setup.bash sourced): python scripts/qos_probe.py [--count 41] [--rate 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROLE_VARIABLE = "EDGE_OCR_QOS_PROBE_ROLE"


def publisher(args: argparse.Namespace) -> None:
    import numpy as np
    import rclpy
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image

    from edge_ocr_ros.ros.messages import to_image_message

    rclpy.init()
    node = rclpy.create_node("qos_probe_pub")
    qos = QoSProfile(depth=1, reliability=getattr(ReliabilityPolicy, args.reliability.upper()))
    pub = node.create_publisher(Image, "probe_image", qos)
    deadline = time.monotonic() + 10
    while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # discovery settles on both sides
    msg = to_image_message(np.zeros((args.height, args.width, 3), np.uint8))
    for i in range(args.count):
        msg.header.stamp.sec = i
        pub.publish(msg)
        time.sleep(1.0 / args.rate)
    time.sleep(1.0)
    node.destroy_node()
    rclpy.shutdown()


def subscriber(args: argparse.Namespace) -> None:
    import rclpy
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image

    rclpy.init()
    node = rclpy.create_node("qos_probe_sub")
    got: set[int] = set()
    qos = QoSProfile(depth=1, reliability=getattr(ReliabilityPolicy, args.reliability.upper()))
    node.create_subscription(Image, "probe_image", lambda m: got.add(m.header.stamp.sec), qos)
    end = time.monotonic() + 4.0 + args.count / args.rate + 2.0
    while time.monotonic() < end:
        rclpy.spin_once(node, timeout_sec=0.1)
    print(len(got), flush=True)
    node.destroy_node()
    rclpy.shutdown()


def run_pair(args: argparse.Namespace, reliability: str, large_data: bool) -> int:
    env = {**os.environ, "ROS_DOMAIN_ID": str(args.domain)}
    env.pop("FASTDDS_BUILTIN_TRANSPORTS", None)
    if large_data:
        env["FASTDDS_BUILTIN_TRANSPORTS"] = "LARGE_DATA"
    common = [sys.executable, __file__, "--count", str(args.count), "--rate", str(args.rate), "--width",
              str(args.width), "--height", str(args.height), "--reliability", reliability]
    sub = subprocess.Popen(common, env={**env, ROLE_VARIABLE: "sub"}, stdout=subprocess.PIPE, text=True)
    pub = subprocess.Popen(common, env={**env, ROLE_VARIABLE: "pub"})
    pub.wait(timeout=120)
    out, _ = sub.communicate(timeout=120)
    return int(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=41)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--reliability", choices=("reliable", "best_effort"), default="best_effort")
    parser.add_argument("--domain", type=int, default=77)
    args = parser.parse_args()
    role = os.environ.get(ROLE_VARIABLE)
    if role == "pub":
        publisher(args)
        return 0
    if role == "sub":
        subscriber(args)
        return 0
    print(f"| {args.width}x{args.height} bgr8 at {args.rate:g} Hz, {args.count} sent | default transports | "
          "FASTDDS_BUILTIN_TRANSPORTS=LARGE_DATA (both ends) |\n|---|---|---|")
    for reliability in ("best_effort", "reliable"):
        counts = [run_pair(args, reliability, large) for large in (False, True)]
        print(f"| {reliability} publisher and subscriber | {counts[0]} received | {counts[1]} received |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
