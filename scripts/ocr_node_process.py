"""Start and stop the installed ocr_node in its own process, as users run it (shared by demo and bench_node)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def find_ocr_node() -> Path:
    """The colcon-installed executable (source install/setup.bash first)."""
    for prefix in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep):
        candidate = Path(prefix) / "lib" / "edge_ocr_ros" / "ocr_node"
        if candidate.is_file():
            return candidate
    sys.exit("ocr_node is not installed: run `make build` and source install/setup.bash")


def start_ocr_node(ros_args: list[str], **popen: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(find_ocr_node()), "--ros-args", *ros_args], **popen)


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGINT (a clean shutdown of the node), then kill if it does not exit in time."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
