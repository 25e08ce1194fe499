"""The design's rules about imports, checked on the source:
- only ``edge_ocr_ros/ros/`` imports rclpy or ROS message packages, so the engine, the CLI and training run
  without ROS (the robot environments test runs them without it);
- the engine (the top-level modules, ``detection``, ``recognition``, ``runtime``) imports neither ``ros`` nor
  ``tools``: nothing imports upward."""

import ast

from helpers import REPO

ROS_MODULES = ("rclpy", "sensor_msgs", "std_msgs", "geometry_msgs", "diagnostic_msgs", "vision_msgs", "lifecycle_msgs",
               "rcl_interfaces", "builtin_interfaces", "diagnostic_updater", "launch", "launch_ros", "visualization_msgs",
               "std_srvs", "tf2_ros", "tf2_msgs")
PACKAGE = REPO / "edge_ocr_ros"


def imported_modules(path) -> list[str]:
    """Absolute names of what a module imports (relative imports resolved against its package)."""
    package = list(path.relative_to(REPO).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found += [f"{module}.{alias.name}" for alias in node.names] if not node.module else [module]
    return found


def is_ros(name: str) -> bool:
    return name.split(".")[0] in ROS_MODULES or name.startswith(("edge_ocr_ros.msg", "edge_ocr_ros.srv"))


def test_only_the_ros_subpackage_imports_ros():
    offenders = {}
    for folder in ("edge_ocr_ros", "edge_ocr_train"):
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = path.relative_to(REPO)
            if relative.parts[:2] != ("edge_ocr_ros", "ros") and any(is_ros(n) for n in imported_modules(path)):
                offenders[str(relative)] = [n for n in imported_modules(path) if is_ros(n)]
    assert offenders == {}
    assert any(is_ros(n) for n in imported_modules(PACKAGE / "ros" / "node.py"))  # the check sees the node's imports


def test_the_engine_imports_nothing_above_it():
    upward = ("edge_ocr_ros.ros", "edge_ocr_ros.tools")
    engine = [p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] not in ("ros", "tools")]
    offenders = {str(p.relative_to(REPO)): names for p in engine
                 if (names := [n for n in imported_modules(p) if n.startswith(upward)])}
    assert offenders == {}
    assert len(engine) > 15
    assert any(n.startswith("edge_ocr_ros.tools") for n in imported_modules(PACKAGE / "ros" / "node.py"))  # the check sees them
