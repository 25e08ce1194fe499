"""Two cameras, two ocr_node instances, one per namespace (front/ and rear/).

  ros2 launch edge_ocr_ros multi_camera.launch.py front_image:=/cam0/image_raw rear_image:=/cam1/image_raw
Arguments: front_image, rear_image (camera topics), params_file (both instances) and edgetpu (empty: the
params file's).
Results: /front/text_detections and /rear/text_detections. Both instances share one Edge TPU only if
each gets its own device (edgetpu_device: usb:0 / usb:1); otherwise let the second run on the CPU.
"""

from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
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
    ]
    return LaunchDescription(arguments + [
        IncludeLaunchDescription(PythonLaunchDescriptionSource(single), launch_arguments={
            "namespace": ns, "image": LaunchConfiguration(f"{ns}_image"),
            "params_file": LaunchConfiguration("params_file"), "edgetpu": LaunchConfiguration("edgetpu")}.items())
        for ns in cameras
    ])
