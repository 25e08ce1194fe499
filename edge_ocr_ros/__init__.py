"""edge_ocr_ros: EAST text detection + CRNN recognition on LiteRT (Edge TPU or CPU).

The algorithm modules in this package import neither rclpy nor TensorFlow; only
``edge_ocr_ros.node`` talks to ROS.
"""

from pkgutil import extend_path

# colcon installs the generated messages (edge_ocr_ros.msg) into another edge_ocr_ros folder; this lets
# a source checkout on sys.path (tests, scripts run from the repository) find them too.
__path__ = extend_path(__path__, __name__)

__version__ = "0.1.0"
