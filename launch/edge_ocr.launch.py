"""Start edge_ocr_ros's ocr_node next to a camera driver.

  ros2 launch edge_ocr_ros edge_ocr.launch.py image:=/camera/image_raw
  ros2 launch edge_ocr_ros edge_ocr.launch.py image:=/front/image_raw namespace:=front edgetpu:=on

Arguments: image (the camera topic to read), namespace (for several cameras), params_file (default:
the installed config/edge_ocr.yaml), edgetpu (auto | on | off; launch reads on/off as booleans, which
the node accepts), and depth and camera_info (read with depth.enabled: true in the params file, e.g.
depth:=/camera/aligned_depth_to_color/image_raw camera_info:=/camera/color/camera_info).
Compressed input: pass the raw topic name and set input_transport: compressed in the params file;
image/compressed is remapped too.

ocr_node is a lifecycle node (launch_ros LifecycleNode): with `autostart: true` (the params file's default) it
configures and activates itself; with `autostart: false` a lifecycle manager drives it (Nav2's
lifecycle_manager: list it in node_names and set bond_timeout: 0.0, since a Python node has no bond).
"""

from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode
from launch_ros.substitutions import FindPackageShare

from launch import LaunchDescription


def generate_launch_description() -> LaunchDescription:
    image = LaunchConfiguration("image")
    return LaunchDescription([
        DeclareLaunchArgument("image", default_value="image", description="image topic to read (sensor_msgs/Image)"),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of the node and its topics"),
        DeclareLaunchArgument("params_file", description="YAML parameters of ocr_node",
                              default_value=PathJoinSubstitution([FindPackageShare("edge_ocr_ros"), "config", "edge_ocr.yaml"])),
        DeclareLaunchArgument("edgetpu", default_value="auto", description="Edge TPU use: auto | on | off"),
        DeclareLaunchArgument("depth", default_value="depth",
                              description="depth image registered to the colour image (with depth.enabled: true)"),
        DeclareLaunchArgument("camera_info", default_value="camera_info", description="the colour camera's CameraInfo"),
        LifecycleNode(
            package="edge_ocr_ros",
            executable="ocr_node",
            name="ocr_node",
            namespace=LaunchConfiguration("namespace"),
            parameters=[LaunchConfiguration("params_file"), {"edgetpu": LaunchConfiguration("edgetpu")}],
            remappings=[("image", image), ("image/compressed", [image, "/compressed"]),
                        ("depth", LaunchConfiguration("depth")), ("camera_info", LaunchConfiguration("camera_info"))],
            output="screen",
            emulate_tty=True,
        ),
    ])
