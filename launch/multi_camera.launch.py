"""Two cameras, two ocr_node instances, one per namespace (front/ and rear/).

  ros2 launch edge_ocr_ros multi_camera.launch.py front_image:=/cam0/image_raw rear_image:=/cam1/image_raw
Arguments: front_image, rear_image (camera topics), params_file (both instances), edgetpu (empty: the
params file's), text_map (true: one text_map_node reading both cameras' words into one map) and
text_map_params_file (its parameters: fixed_frame, map_file, ...; default the installed config/text_map.yaml).
Results: /front/text_detections and /rear/text_detections. Both instances share one Edge TPU only if
each gets its own device (edgetpu_device: usb:0 / usb:1); otherwise let the second run on the CPU.
"""

from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.conditions import IfCondition
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from launch import LaunchDescription


def generate_launch_description() -> LaunchDescription:
    share = FindPackageShare("edge_ocr_ros")
    single = PathJoinSubstitution([share, "launch", "edge_ocr.launch.py"])
    cameras = {"front": "/front_camera/image_raw", "rear": "/rear_camera/image_raw"}
    arguments = [DeclareLaunchArgument(f"{ns}_image", default_value=topic, description=f"{ns} camera topic")
                 for ns, topic in cameras.items()]
    arguments += [
        DeclareLaunchArgument("params_file", default_value=PathJoinSubstitution([share, "config", "edge_ocr.yaml"]),
                              description="YAML parameters of both ocr_node instances"),
        DeclareLaunchArgument("edgetpu", default_value="",
                              description="Edge TPU use: auto | on | off (empty: the params file's)"),
        DeclareLaunchArgument("text_map", default_value="false",
                              description="true: one text_map_node keeps both cameras' words as landmarks in one map"),
        DeclareLaunchArgument("text_map_params_file",
                              default_value=PathJoinSubstitution([share, "config", "text_map.yaml"]),
                              description="YAML parameters of text_map_node (fixed_frame, map_file, ...)"),
    ]
    text_map = Node(package="edge_ocr_ros", executable="text_map_node", name="text_map_node",
                    condition=IfCondition(LaunchConfiguration("text_map")), output="screen", emulate_tty=True,
                    parameters=[LaunchConfiguration("text_map_params_file"),
                                {"detection_topics": [f"/{ns}/text_detections" for ns in cameras]}])
    return LaunchDescription(arguments + [
        IncludeLaunchDescription(PythonLaunchDescriptionSource(single), launch_arguments={
            "namespace": ns, "image": LaunchConfiguration(f"{ns}_image"),
            "params_file": LaunchConfiguration("params_file"), "edgetpu": LaunchConfiguration("edgetpu"),
            "text_map": "false"}.items())  # the one map below, not one per camera (arguments reach includes)
        for ns in cameras
    ] + [text_map])
