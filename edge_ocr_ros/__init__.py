"""edge_ocr_ros: EAST text detection + CRNN recognition on LiteRT (Edge TPU or CPU), with a ROS 2 node.

``OcrPipeline.from_config(OcrConfig(...)).run(image)`` reads an image. The engine (this folder's modules,
``detection``, ``recognition``, ``runtime``) imports neither rclpy nor TensorFlow; ``ros`` is the node,
``tools`` the ``edge-ocr`` command and evaluation. The names below load on first use, so that importing
``edge_ocr_ros.msg`` (the generated messages) costs no OpenCV or LiteRT.
"""

from importlib import import_module
from pkgutil import extend_path

# colcon installs the generated messages (edge_ocr_ros.msg) into another edge_ocr_ros folder; this lets
# a source checkout on sys.path (tests, scripts run from the repository) find them too.
__path__ = extend_path(__path__, __name__)

__version__ = "0.1.0"
__all__ = ["AcceleratorError", "ConfigError", "EdgeOcrError", "InputImageError", "ModelError", "OcrConfig", "OcrPipeline",
           "OcrResult", "Word"]
_HOMES = {"OcrPipeline": "pipeline", "OcrConfig": "config", "OcrResult": "results", "Word": "results",
          **dict.fromkeys(("AcceleratorError", "ConfigError", "EdgeOcrError", "InputImageError", "ModelError"), "errors")}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
