"""The launch files: checked statically here (launch/launch_ros are not on PyPI), run where launch_ros exists."""

import ast

import pytest
import yaml
from helpers import REPO

from edge_ocr_ros.launch_arguments import (
    ARGUMENTS,
    LaunchArgumentError,
    node_options,
    ros_arguments_for,
    text_map_options,
)

LAUNCH = REPO / "launch" / "edge_ocr.launch.py"


def calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) == name]


def keywords(call: ast.Call) -> dict[str, ast.AST]:
    return {k.arg: k.value for k in call.keywords}


def test_launch_file_declares_every_argument_and_builds_the_node_from_them():
    """The launch file is a shell around launch_arguments (tested below without launch_ros): it declares
    ARGUMENTS and hands their values to node_options for the package's ocr_node."""
    tree = ast.parse(LAUNCH.read_text())
    (node,) = calls(tree, "LifecycleNode")
    kw = keywords(node)
    assert ast.literal_eval(kw["package"]) == "edge_ocr_ros" and ast.literal_eval(kw["executable"]) == "ocr_node"
    for option in ("namespace", "parameters", "remappings", "ros_arguments", "respawn", "respawn_delay"):
        assert ast.unparse(kw[option]) == f"options.{option}"
    assert calls(tree, "node_options") and calls(tree, "OpaqueFunction")
    (declare,) = calls(tree, "DeclareLaunchArgument")
    assert "ARGUMENTS.items()" in ast.unparse(tree) and ast.unparse(declare.args[0]) == "name"
    assert "'config/edge_ocr.yaml'" in ast.unparse(tree).replace("f'{share}/", "'")


def test_an_empty_launch_argument_keeps_the_params_files_value():
    options = node_options({"image": "/cam/image_raw"}, "/share/edge_ocr.yaml")
    assert options.parameters == ["/share/edge_ocr.yaml", {"use_sim_time": False}]  # no edgetpu, no autostart
    assert options.remappings[:2] == [("image", "/cam/image_raw"), ("image/compressed", "/cam/image_raw/compressed")]
    assert options.ros_arguments == ["--log-level", "info"] and not options.respawn
    given = node_options({"edgetpu": "off", "autostart": "false", "use_sim_time": "true", "log_level": "DEBUG",
                          "respawn": "true", "respawn_delay": "5", "params_file": "/mine.yaml"}, "/share/edge_ocr.yaml")
    assert given.parameters == ["/mine.yaml", {"use_sim_time": True, "edgetpu": "off", "autostart": False}]
    assert given.ros_arguments == ["--log-level", "debug"] and given.respawn and given.respawn_delay == 5.0
    # launch reads on/off as booleans before they reach here
    assert node_options({"edgetpu": "True"}, "x").parameters[1]["edgetpu"] == "on"


@pytest.mark.parametrize("values, named", [({"edgetpu": "maybe"}, "edgetpu"), ({"autostart": "later"}, "autostart"),
                                           ({"log_level": "loud"}, "log_level"), ({"respawn_delay": "-1"}, "respawn_delay"),
                                           ({"imgae": "x"}, "imgae")])
def test_a_bad_launch_argument_is_one_sentence_naming_it(values, named):
    with pytest.raises(LaunchArgumentError, match=named):
        node_options(values, "x")


def call_node(run, ns: str, srv_type, name: str, request):
    from test_node_graph import call_service

    return call_service(run.node, srv_type, f"/{ns}/ocr_node/{name}", request, discovery_s=30.0)


@pytest.mark.parametrize("ns, values, expected", [
    ("la_kept", {}, ("off", "unconfigured", False)),
    ("la_given", {"edgetpu": "auto", "autostart": "true", "use_sim_time": "true"}, ("auto", "active", True))])
def test_the_launch_arguments_reach_a_real_node(tmp_path, ns, values, expected):
    """ocr_node started with the command line launch_ros gives it (ros_arguments_for): a params file that
    says edgetpu: off and autostart: false keeps both when the arguments are empty (the launch file used to
    force its own 'auto'); given arguments override them."""
    import rclpy
    from lifecycle_msgs.srv import GetState
    from rcl_interfaces.srv import GetParameters
    from test_node_graph import NodeProcess, wait_for

    params = yaml.safe_load((REPO / "config" / "edge_ocr.yaml").read_text())
    params["/**"]["ros__parameters"].update(edgetpu="off", autostart=False)
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(params))
    options = node_options({**values, "namespace": ns, "params_file": str(params_file)}, "unused")
    rclpy.init()
    run = NodeProcess(f"{ns}_tester", ros_arguments_for(options)[1:])
    try:
        got = call_node(run, ns, GetParameters, "get_parameters", GetParameters.Request(names=["edgetpu", "use_sim_time"]))
        assert (got.values[0].string_value, got.values[1].bool_value) == (expected[0], expected[2])
        assert wait_for(lambda: call_node(run, ns, GetState, "get_state", GetState.Request()).current_state.label
                        == expected[1], 30.0)
    finally:
        run.stop()
        rclpy.shutdown()


def test_text_map_true_adds_the_map_node_in_the_same_namespace_with_its_own_params_file():
    tree = ast.parse(LAUNCH.read_text())
    (node,) = calls(tree, "Node")
    kw = keywords(node)
    assert ast.literal_eval(kw["executable"]) == "text_map_node" and ast.unparse(kw["parameters"]) == "map_options.parameters"
    assert "'config/text_map.yaml'" in ast.unparse(tree).replace("f'{share}/", "'")
    assert text_map_options({}, "/share/text_map.yaml") is None
    options = text_map_options({"text_map": "true", "namespace": "front", "map_file": "~/signs.db",
                                "use_sim_time": "true", "log_level": "warn"}, "/share/text_map.yaml")
    assert options.namespace == "front" and options.remappings == []  # its text_detections is ocr_node's
    assert options.parameters == ["/share/text_map.yaml", {"use_sim_time": True, "map_file": "~/signs.db"}]
    assert options.ros_arguments == ["--log-level", "warn"]
    with pytest.raises(LaunchArgumentError, match="text_map"):
        text_map_options({"text_map": "maybe"}, "x")


def test_the_text_map_launch_arguments_reach_a_real_map_node(tmp_path):
    """text_map_node started with the command line launch_ros gives it: the installed params file, the map
    file and fixed frame from the arguments."""
    import rclpy
    from rcl_interfaces.srv import GetParameters
    from test_node_graph import NodeProcess, call_service

    options = text_map_options({"text_map": "true", "namespace": "tm", "map_file": str(tmp_path / "m.db"),
                                "fixed_frame": "odom"}, str(REPO / "config" / "text_map.yaml"))
    rclpy.init()
    run = NodeProcess("tm_tester", ros_arguments_for(options)[1:], executable="text_map_node")
    try:
        values = call_service(run.node, GetParameters, "/tm/text_map_node/get_parameters",
                              GetParameters.Request(names=["fixed_frame", "map_file", "merge_distance"]),
                              discovery_s=30.0).values
        assert (values[0].string_value, values[1].string_value, values[2].double_value) == ("odom", str(tmp_path / "m.db"), 1.0)
    finally:
        run.stop()
        rclpy.shutdown()
    assert (tmp_path / "m.db").exists()


def test_text_map_params_file_declares_exactly_the_nodes_parameters():
    from edge_ocr_ros.landmarks.parameters import PARAMETERS, validate

    params = yaml.safe_load((REPO / "config" / "text_map.yaml").read_text())["/**"]["ros__parameters"]
    assert set(params) == set(PARAMETERS)
    for name, value in params.items():
        assert validate(name, value) == PARAMETERS[name][0]


def test_multi_camera_example_uses_namespaces_and_takes_its_topics_as_arguments():
    text = (REPO / "launch" / "multi_camera.launch.py").read_text()
    tree = ast.parse(text)
    assert calls(tree, "IncludeLaunchDescription") and "edge_ocr.launch.py" in text and "'namespace'" in ast.unparse(tree)
    for name in ("_image", "params_file", "edgetpu"):
        assert name in ast.unparse(tree)
    assert calls(tree, "DeclareLaunchArgument")
    (node,) = calls(tree, "Node")  # one map for both cameras, none per camera
    assert ast.literal_eval(keywords(node)["executable"]) == "text_map_node"
    assert "detection_topics" in ast.unparse(keywords(node)["parameters"]) and "IfCondition" in ast.unparse(node)
    (include,) = calls(tree, "IncludeLaunchDescription")
    assert "'text_map': 'false'" in ast.unparse(include)


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
    (landmarks,) = [d for d in displays if d.get("Topic", {}).get("Value") == "/text_map_node/markers"]
    assert landmarks["Topic"]["Durability Policy"] == "Transient Local" and landmarks["Enabled"]
    assert rviz["Visualization Manager"]["Global Options"]["Fixed Frame"] == "map"


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
    assert {a.name for a in description.get_launch_arguments()} == set(ARGUMENTS)
