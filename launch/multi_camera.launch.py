"""Two cameras, two ocr_node instances, one per namespace (front/ and rear/).

  ros2 launch edge_ocr_ros multi_camera.launch.py
Results: /front/text_detections and /rear/text_detections. Both instances share one Edge TPU only if
each gets its own device (edgetpu_device: usb:0 / usb:1); otherwise let the second run on the CPU.
"""

from launch.actions import IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import PathJoinSubstitution
from launch_ros.substitutions import FindPackageShare

from launch import LaunchDescription


def generate_launch_description() -> LaunchDescription:
    single = PathJoinSubstitution([FindPackageShare("edge_ocr_ros"), "launch", "edge_ocr.launch.py"])
    cameras = {"front": "/front_camera/image_raw", "rear": "/rear_camera/image_raw"}
    return LaunchDescription([
        IncludeLaunchDescription(PythonLaunchDescriptionSource(single),
                                 launch_arguments={"namespace": ns, "image": topic}.items())
        for ns, topic in cameras.items()
    ])
