"""The launch files: checked statically here (launch/launch_ros are not on PyPI), run where launch_ros exists."""

import ast

import pytest
import yaml
from helpers import REPO

LAUNCH = REPO / "launch" / "edge_ocr.launch.py"


def calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) == name]


def keywords(call: ast.Call) -> dict[str, ast.AST]:
    return {k.arg: k.value for k in call.keywords}


def test_launch_file_names_the_package_executable_and_arguments():
    tree = ast.parse(LAUNCH.read_text())
    (node,) = calls(tree, "LifecycleNode")
    kw = keywords(node)
    assert ast.literal_eval(kw["package"]) == "edge_ocr_ros"
    assert ast.literal_eval(kw["executable"]) == "ocr_node"
    args = {ast.literal_eval(c.args[0]) for c in calls(tree, "DeclareLaunchArgument")}
    assert args == {"image", "namespace", "params_file", "edgetpu", "depth", "camera_info"}
    remapped = [ast.literal_eval(t.elts[0]) for t in kw["remappings"].elts]
    assert remapped == ["image", "image/compressed", "depth", "camera_info"]
    params = ast.unparse(kw["parameters"])
    assert "params_file" in params and "'edgetpu'" in params
    params_arg = next(c for c in calls(tree, "DeclareLaunchArgument") if ast.literal_eval(c.args[0]) == "params_file")
    default = ast.unparse(keywords(params_arg)["default_value"])
    assert "'config'" in default and "'edge_ocr.yaml'" in default and "FindPackageShare('edge_ocr_ros')" in default


def test_multi_camera_example_uses_namespaces_and_takes_its_topics_as_arguments():
    text = (REPO / "launch" / "multi_camera.launch.py").read_text()
    tree = ast.parse(text)
    assert calls(tree, "IncludeLaunchDescription") and "edge_ocr.launch.py" in text and "'namespace'" in ast.unparse(tree)
    for name in ("_image", "params_file", "edgetpu"):
        assert name in ast.unparse(tree)
    assert calls(tree, "DeclareLaunchArgument")


def test_params_file_declares_only_known_parameters():
    from edge_ocr_ros.config import NODE_SETTINGS, SCHEMA, flatten

    params = yaml.safe_load((REPO / "config" / "edge_ocr.yaml").read_text())["/**"]["ros__parameters"]
    names = set(flatten(params))
    assert names <= set(SCHEMA) | set(NODE_SETTINGS)
    assert set(SCHEMA) <= names  # every engine setting has its default in the file


def test_rviz_config_shows_the_annotated_image_and_the_text_markers():
    rviz = yaml.safe_load((REPO / "config" / "edge_ocr.rviz").read_text())
    displays = rviz["Visualization Manager"]["Displays"]
    assert any(d["Class"] == "rviz_default_plugins/Image" and d["Topic"]["Value"] == "/text_detections/image" and d["Enabled"]
               for d in displays)
    assert any(d["Class"] == "rviz_default_plugins/MarkerArray" and d["Topic"]["Value"] == "/text_detections/markers"
               and d["Enabled"] for d in displays)


def test_launch_file_runs_where_launch_ros_exists():
    """launch_testing-style check; runs on a robot with apt ROS (launch_ros is not installable here)."""
    pytest.importorskip("launch_ros", reason="launch_ros is not on PyPI; runs on machines with apt-installed ROS 2")
    import importlib.util

    from launch import LaunchDescription

    spec = importlib.util.spec_from_file_location("edge_ocr_launch", LAUNCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    assert isinstance(description, LaunchDescription)
    assert {a.name for a in description.get_launch_arguments()} == {"image", "namespace", "params_file", "edgetpu"}
