"""pip install of the engine and the edge-ocr command, without ROS.

colcon builds the ROS package from CMakeLists.txt/package.xml instead (messages, node, launch, models).
"""

from glob import glob

from setuptools import setup

setup(
    name="edge_ocr_ros",
    version="0.1.0",
    description="EAST + CRNN text reading on LiteRT (Coral Edge TPU or CPU), with a ROS 2 node",
    packages=["edge_ocr_ros", "edge_ocr_train"],
    python_requires=">=3.10",
    install_requires=["ai-edge-litert", "numpy", "opencv-python-headless", "PyYAML", "tqdm"],
    extras_require={"train": ["tensorflow", "pillow", "matplotlib"]},
    entry_points={"console_scripts": ["edge-ocr=edge_ocr_ros.cli:main"]},
    data_files=[
        ("share/edge_ocr_ros/models", [*sorted(glob("models/*.tflite")), "models/charset.txt", "models/lexicon.txt.gz"]),
        ("share/edge_ocr_ros/config", sorted(glob("config/*"))),
    ],
)
