"""The design's one rule about ROS: only the node module imports rclpy or ROS message packages, so the
engine, the CLI and training run without ROS (the robot environments test runs them without it)."""

import ast

from helpers import REPO

ROS_MODULES = ("rclpy", "sensor_msgs", "std_msgs", "geometry_msgs", "diagnostic_msgs", "vision_msgs", "lifecycle_msgs",
               "rcl_interfaces", "builtin_interfaces")
ALLOWED = {"edge_ocr_ros/node.py"}


def ros_imports(path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [("." * node.level) + (node.module or "")]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in ROS_MODULES or n.lstrip(".").startswith("msg")
                  or n.endswith(".msg")]
    return found


def test_only_the_node_imports_ros():
    offenders = {}
    for folder in ("edge_ocr_ros", "edge_ocr_train"):
        for path in sorted((REPO / folder).glob("*.py")):
            relative = str(path.relative_to(REPO))
            if relative not in ALLOWED and ros_imports(path):
                offenders[relative] = ros_imports(path)
    assert offenders == {}
    assert ros_imports(REPO / "edge_ocr_ros" / "node.py")  # the check sees the node's own imports
