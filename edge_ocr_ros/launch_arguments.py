"""What the launch arguments of ``launch/edge_ocr.launch.py`` give the node, as plain data (no launch import).

launch and launch_ros are not on PyPI, so a launch file cannot run in CI here. The launch file is therefore
a thin shell: it declares ``ARGUMENTS`` and, at launch time, turns their values into the node's options with
``node_options``. Tests run the same function, and start ocr_node with its ``ros_arguments_for`` command line
(what launch_ros hands the process), so the rules below are checked on a real node.

Rules an integrator expects (yolo_ros, image_pipeline): an argument left empty changes nothing, so the params
file's value stands (``edgetpu``, ``autostart``); one that is given overrides the params file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ARGUMENTS", "LOG_LEVELS", "LaunchArgumentError", "NodeOptions", "node_options", "ros_arguments_for",
           "text_map_options"]

# name -> (default, description). Empty defaults mean "the params file's value".
ARGUMENTS: dict[str, tuple[str, str]] = {
    "image": ("image", "image topic to read (sensor_msgs/Image); image/compressed is remapped beside it"),
    "namespace": ("", "namespace of the node and its topics (one per camera)"),
    "params_file": ("", "YAML parameters of ocr_node (empty: the installed config/edge_ocr.yaml)"),
    "edgetpu": ("", "Edge TPU use: auto | on | off (empty: the params file's, auto by default)"),
    "autostart": ("", "true: configure and activate at start; false: stay unconfigured for a lifecycle manager "
                      "(empty: the params file's, true by default)"),
    "use_sim_time": ("false", "use /clock (a replayed bag, a simulator)"),
    "log_level": ("info", "ROS log level of the node: debug | info | warn | error | fatal"),
    "respawn": ("false", "restart the node process if it exits"),
    "respawn_delay": ("2.0", "seconds before a respawn"),
    "depth": ("depth", "depth image registered to the colour image (with depth.enabled: true)"),
    "camera_info": ("camera_info", "the colour camera's CameraInfo"),
    "text_map": ("false", "also start text_map_node: the words read, kept as landmarks in fixed_frame (needs "
                          "depth.enabled and tf from the camera's frame)"),
    "text_map_params_file": ("", "YAML parameters of text_map_node (empty: the installed config/text_map.yaml)"),
    "fixed_frame": ("", "frame text_map_node keeps its landmarks in (empty: the params file's, map)"),
    "map_file": ("", "SQLite file text_map_node keeps its landmarks in across restarts (empty: the params file's)"),
}
LOG_LEVELS = ("debug", "info", "warn", "error", "fatal")
TRUE, FALSE = ("true", "1", "on", "yes"), ("false", "0", "off", "no")


class LaunchArgumentError(ValueError):
    """A launch argument value that cannot be used (one line, naming the argument)."""


@dataclass
class NodeOptions:
    """The options of launch_ros's LifecycleNode for ocr_node."""

    namespace: str
    parameters: list[str | dict[str, object]]
    remappings: list[tuple[str, str]]
    ros_arguments: list[str] = field(default_factory=list)
    respawn: bool = False
    respawn_delay: float = 0.0


def _flag(name: str, value: str) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise LaunchArgumentError(f"launch argument {name} must be true or false, not {value!r}")


def _values(values: dict[str, str]) -> dict[str, str]:
    """Every argument's value, the defaults for those not given (unknown names refused)."""
    unknown = set(values) - set(ARGUMENTS)
    if unknown:
        raise LaunchArgumentError(f"unknown launch argument(s): {', '.join(sorted(unknown))}")
    return {name: str(values.get(name, default)).strip() for name, (default, _) in ARGUMENTS.items()}


def _log_level(value: str) -> list[str]:
    if value.lower() not in LOG_LEVELS:
        raise LaunchArgumentError(f"launch argument log_level must be one of {' | '.join(LOG_LEVELS)}, not {value!r}")
    return ["--log-level", value.lower()]


def _respawn_delay(value: str) -> float:
    try:
        delay = float(value)
    except ValueError:
        delay = -1.0
    if delay < 0:
        raise LaunchArgumentError(f"launch argument respawn_delay must be a number of seconds, not {value!r}")
    return delay


def node_options(values: dict[str, str], default_params_file: str) -> NodeOptions:
    """ocr_node's options from the launch arguments' values (missing ones take their defaults)."""
    v = _values(values)
    overrides: dict[str, object] = {"use_sim_time": _flag("use_sim_time", v["use_sim_time"])}
    if v["edgetpu"]:
        if v["edgetpu"].lower() not in ("auto", *TRUE, *FALSE):
            raise LaunchArgumentError(f"launch argument edgetpu must be auto, on or off, not {v['edgetpu']!r}")
        overrides["edgetpu"] = {"true": "on", "1": "on", "yes": "on", "false": "off", "0": "off", "no": "off"}.get(
            v["edgetpu"].lower(), v["edgetpu"].lower())
    if v["autostart"]:
        overrides["autostart"] = _flag("autostart", v["autostart"])
    delay = _respawn_delay(v["respawn_delay"])
    image = v["image"]
    return NodeOptions(
        namespace=v["namespace"],
        parameters=[v["params_file"] or default_params_file, overrides],
        remappings=[("image", image), ("image/compressed", f"{image}/compressed"), ("depth", v["depth"]),
                    ("camera_info", v["camera_info"])],
        ros_arguments=_log_level(v["log_level"]),
        respawn=_flag("respawn", v["respawn"]),
        respawn_delay=delay,
    )


def text_map_options(values: dict[str, str], default_params_file: str) -> NodeOptions | None:
    """text_map_node's options (None unless ``text_map`` is true): in ocr_node's namespace, so its relative
    ``text_detections`` is ocr_node's output; ``fixed_frame`` and ``map_file`` override its params file."""
    v = _values(values)
    if not _flag("text_map", v["text_map"]):
        return None
    overrides: dict[str, object] = {"use_sim_time": _flag("use_sim_time", v["use_sim_time"])}
    overrides.update({name: v[name] for name in ("fixed_frame", "map_file") if v[name]})
    return NodeOptions(namespace=v["namespace"], parameters=[v["text_map_params_file"] or default_params_file, overrides],
                       remappings=[], ros_arguments=_log_level(v["log_level"]), respawn=_flag("respawn", v["respawn"]),
                       respawn_delay=_respawn_delay(v["respawn_delay"]))


def ros_arguments_for(options: NodeOptions) -> list[str]:
    """The ``--ros-args`` command line equivalent to the options (what launch_ros gives the process): the
    params file, then the overrides, which win, then remappings and the log level."""
    args = ["--ros-args", *options.ros_arguments]
    for parameters in options.parameters:
        if isinstance(parameters, str):
            args += ["--params-file", parameters]
        else:
            for name, value in parameters.items():
                args += ["-p", f"{name}:={str(value).lower() if isinstance(value, bool) else value}"]
    if options.namespace:
        args += ["-r", f"__ns:=/{options.namespace.strip('/')}"]
    for source, target in options.remappings:
        args += ["-r", f"{source}:={target}"]
    return args
