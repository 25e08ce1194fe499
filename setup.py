"""pip install of the engine and the edge-ocr command, without ROS.

colcon builds the ROS package from CMakeLists.txt/package.xml instead (messages, node, launch, models).
"""

from glob import glob

from setuptools import find_packages, setup

setup(
    name="edge_ocr_ros",
    version="0.1.0",
    description="EAST + CRNN text reading on LiteRT (Coral Edge TPU or CPU), with a ROS 2 node",
    packages=find_packages(include=["edge_ocr_ros", "edge_ocr_ros.*", "edge_ocr_train"]),
    # Supported and tested (docs/robots.md): Python 3.10-3.13, numpy 1.21-2.x, OpenCV 4.5.4-5.x.
    python_requires=">=3.10,<3.14",
    install_requires=["ai-edge-litert", "numpy>=1.21,<3", "opencv-python-headless>=4.5.4,<6", "PyYAML>=5.4", "pillow>=9.0", "tqdm"],
    extras_require={"train": ["tensorflow", "matplotlib"], "bags": ["rosbags>=0.10", "pytransform3d>=3.0"]},
    entry_points={"console_scripts": ["edge-ocr=edge_ocr_ros.tools.cli:main"]},
    data_files=[
        ("share/edge_ocr_ros/models", [*sorted(glob("models/*.tflite")), "models/charset.txt", "models/lexicon.txt.gz"]),
        ("share/edge_ocr_ros/config", sorted(glob("config/*"))),
        ("share/edge_ocr_ros/msg", sorted(glob("msg/*.msg"))),
        ("share/edge_ocr_ros/samples/signs", sorted(glob("samples/signs/*"))),  # edge-ocr bench reads them
    ],
)
