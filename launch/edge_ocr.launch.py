"""Start edge_ocr_ros's ocr_node next to a camera driver.

  ros2 launch edge_ocr_ros edge_ocr.launch.py image:=/camera/image_raw
  ros2 launch edge_ocr_ros edge_ocr.launch.py image:=/front/image_raw namespace:=front edgetpu:=on
  ros2 launch edge_ocr_ros edge_ocr.launch.py autostart:=false use_sim_time:=true log_level:=debug respawn:=true
  ros2 launch edge_ocr_ros edge_ocr.launch.py image:=/camera/color/image_raw text_map:=true map_file:=~/signs.db

Arguments (`ros2 launch edge_ocr_ros edge_ocr.launch.py --show-args`): image, namespace, params_file (default:
the installed config/edge_ocr.yaml), edgetpu (auto | on | off), autostart, use_sim_time, log_level, respawn,
respawn_delay, depth and camera_info (read with depth.enabled: true in the params file), text_map (also start
text_map_node in the same namespace), text_map_params_file, fixed_frame and map_file. An argument left
empty keeps the params file's value; one given overrides it. Compressed input: pass the raw topic name and
set input_transport: compressed in the params file; image/compressed is remapped too.

ocr_node is a lifecycle node (launch_ros LifecycleNode): with autostart (the params file's default) it
configures and activates itself; autostart:=false leaves it unconfigured for a lifecycle manager (docs/nav2.md).
What each argument does to the node is edge_ocr_ros/launch_arguments.py, tested without launch_ros.
"""

from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import LifecycleNode, Node
from launch_ros.substitutions import FindPackageShare

from edge_ocr_ros.launch_arguments import ARGUMENTS, node_options, text_map_options
from launch import LaunchDescription


def _node(context):
    values = {name: LaunchConfiguration(name).perform(context) for name in ARGUMENTS}
    share = FindPackageShare("edge_ocr_ros").perform(context)
    options = node_options(values, f"{share}/config/edge_ocr.yaml")
    nodes = [LifecycleNode(package="edge_ocr_ros", executable="ocr_node", name="ocr_node", namespace=options.namespace,
                           parameters=options.parameters, remappings=options.remappings,
                           ros_arguments=options.ros_arguments, respawn=options.respawn,
                           respawn_delay=options.respawn_delay, output="screen", emulate_tty=True)]
    map_options = text_map_options(values, f"{share}/config/text_map.yaml")
    if map_options is not None:
        nodes.append(Node(package="edge_ocr_ros", executable="text_map_node", name="text_map_node",
                          namespace=map_options.namespace, parameters=map_options.parameters,
                          ros_arguments=map_options.ros_arguments, respawn=map_options.respawn,
                          respawn_delay=map_options.respawn_delay, output="screen", emulate_tty=True))
    return nodes


def generate_launch_description() -> LaunchDescription:
    return LaunchDescription([
        *(DeclareLaunchArgument(name, default_value=default, description=text)
          for name, (default, text) in ARGUMENTS.items()),
        OpaqueFunction(function=_node),
    ])
