"""edge-ocr --bag: frames out of rosbag2 (sqlite3, mcap) and ROS 1 bags written here with rosbags, and the
results back into a new bag, read back with rosbags."""

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import KNOWN_BOX, KNOWN_TEXT, MODEL_FLAGS, edge_ocr, known_image

rosbags = pytest.importorskip("rosbags")
from rosbags.highlevel import AnyReader  # noqa: E402
from rosbags.rosbag1 import Writer as Ros1Writer  # noqa: E402
from rosbags.rosbag2 import StoragePlugin, Writer  # noqa: E402
from rosbags.typesys import Stores, get_types_from_msg, get_typestore  # noqa: E402

from edge_ocr_ros.config import bundled_share_dir  # noqa: E402

STAMPS = [(100, 0), (100, 200_000_000), (100, 400_000_000)]


def image_message(types, stamp, compressed: bool, image: np.ndarray):
    header = types["std_msgs/msg/Header"](stamp=types["builtin_interfaces/msg/Time"](sec=stamp[0], nanosec=stamp[1]),
                                          frame_id="cam")
    if compressed:
        return types["sensor_msgs/msg/CompressedImage"](header=header, format="png", data=cv2.imencode(".png", image)[1].ravel())
    return types["sensor_msgs/msg/Image"](header=header, height=image.shape[0], width=image.shape[1], encoding="bgr8",
                                          is_bigendian=0, step=image.shape[1] * 3, data=image.ravel())


def frames() -> list[np.ndarray]:
    """The known word moving right, 2 px a frame."""
    return [np.roll(known_image(), 2 * i, axis=1) for i in range(len(STAMPS))]


def write_rosbag2(path, storage, compressed: bool) -> None:
    store = get_typestore(Stores.ROS2_KILTED)
    msgtype = "sensor_msgs/msg/CompressedImage" if compressed else "sensor_msgs/msg/Image"
    with Writer(path, version=9, storage_plugin=storage) as writer:
        camera = writer.add_connection("/cam/image", msgtype, typestore=store)
        other = writer.add_connection("/other/image", "sensor_msgs/msg/Image", typestore=store)
        for stamp, image in zip(STAMPS, frames(), strict=True):
            time_ns = stamp[0] * 1_000_000_000 + stamp[1]
            writer.write(camera, time_ns, store.serialize_cdr(image_message(store.types, stamp, compressed, image), msgtype))
            writer.write(other, time_ns, store.serialize_cdr(image_message(store.types, stamp, False, image), "sensor_msgs/msg/Image"))


def read_results(path):
    store = get_typestore(Stores.ROS2_KILTED)
    for name in ("TextDetection", "TextLine", "TextDetectionArray"):
        text = (bundled_share_dir("msg", "TextDetectionArray.msg") / f"{name}.msg").read_text()
        store.register(get_types_from_msg(text, f"edge_ocr_ros/msg/{name}"))
    with AnyReader([path], default_typestore=store) as reader:
        assert [c.topic for c in reader.connections] == ["/cam/image/text_detections"]
        return [(t, reader.deserialize(raw, c.msgtype)) for c, t, raw in reader.messages()]


@pytest.mark.parametrize("storage, compressed, out_name", [(StoragePlugin.SQLITE3, False, "out"),
                                                            (StoragePlugin.MCAP, True, "out.mcap")])
def test_a_rosbag2_drive_is_read_and_its_text_written_to_a_new_bag(tmp_path, storage, compressed, out_name):
    bag = tmp_path / "drive"
    write_rosbag2(bag, storage, compressed)
    out = edge_ocr("--bag", str(bag), "--topic", "/cam/image", "--json", "--bag-out", str(tmp_path / out_name), *MODEL_FLAGS)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["image"] for r in records] == ["drive#0", "drive#1", "drive#2"]
    assert [r["stamp"] for r in records] == pytest.approx([100.0, 100.2, 100.4])
    assert all([w["text"] for w in r["words"]] == [KNOWN_TEXT] for r in records)
    assert len({r["words"][0]["track_id"] for r in records}) == 1  # one stream: tracked
    folder = tmp_path / "out"  # a rosbag2 folder; out.mcap names its storage file, not the folder
    assert not (tmp_path / "out.mcap").exists() and not list(folder.glob("*.mcap.mcap"))
    assert (folder / "metadata.yaml").is_file() and (folder / out_name).is_file() == (storage == StoragePlugin.MCAP)
    results = read_results(folder)
    assert [t for t, _ in results] == [s * 1_000_000_000 + n for s, n in STAMPS]  # bag time of the images
    for (_, msg), stamp, record in zip(results, STAMPS, records, strict=True):
        assert (msg.header.stamp.sec, msg.header.stamp.nanosec, msg.header.frame_id) == (*stamp, "cam")
        assert [d.text for d in msg.detections] == [KNOWN_TEXT] and msg.detections[0].track_id == record["words"][0]["track_id"]
        np.testing.assert_allclose([[p.x, p.y] for p in msg.detections[0].polygon], record["words"][0]["points"], atol=0.06)
        assert msg.lines[0].text == KNOWN_TEXT and list(msg.lines[0].word_indices) == [0]
    np.testing.assert_allclose([[p.x, p.y] for p in results[0][1].detections[0].polygon], KNOWN_BOX, atol=0.5)


def test_a_ros1_bag_is_read(tmp_path):
    store = get_typestore(Stores.ROS1_NOETIC)
    path = tmp_path / "drive.bag"
    with Ros1Writer(path) as writer:
        connection = writer.add_connection("/cam/image", "sensor_msgs/msg/Image", typestore=store)
        for stamp, image in zip(STAMPS, frames(), strict=True):
            header = store.types["std_msgs/msg/Header"](seq=0, stamp=store.types["builtin_interfaces/msg/Time"](
                sec=stamp[0], nanosec=stamp[1]), frame_id="cam")
            msg = store.types["sensor_msgs/msg/Image"](header=header, height=64, width=64, encoding="bgr8", is_bigendian=0,
                                                       step=192, data=image.ravel())
            writer.write(connection, stamp[0] * 1_000_000_000 + stamp[1], store.serialize_ros1(msg, "sensor_msgs/msg/Image"))
    out = edge_ocr("--bag", str(path), "--topic", "/cam/image", "--json", "--max-frames", "2", *MODEL_FLAGS)
    assert out.returncode == 0, out.stderr
    assert [[w["text"] for w in json.loads(line)["words"]] for line in out.stdout.splitlines()] == [[KNOWN_TEXT]] * 2


def test_bag_usage_errors_are_one_line(tmp_path):
    bag = tmp_path / "drive"
    write_rosbag2(bag, StoragePlugin.SQLITE3, False)
    wrong = edge_ocr("--bag", str(bag), "--topic", "/nope", *MODEL_FLAGS)
    assert wrong.returncode == 2 and "has no image topic '/nope'; its image topics: /cam/image, /other/image" in wrong.stderr
    assert "--bag needs --topic" in edge_ocr("--bag", str(bag), *MODEL_FLAGS).stderr
    assert "go with --bag" in edge_ocr("--image", "x.png", "--topic", "/cam/image", *MODEL_FLAGS).stderr
    assert "cannot be read" in edge_ocr("--bag", str(tmp_path / "missing"), "--topic", "/cam", *MODEL_FLAGS).stderr


def test_without_rosbags_the_bag_options_say_what_to_install(monkeypatch):
    from edge_ocr_ros.errors import ConfigError
    from edge_ocr_ros.tools import bags

    for name in ("rosbags", "rosbags.highlevel", "rosbags.rosbag2", "rosbags.typesys"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'edge_ocr_ros\[bags\]'"):
        bags.bag_frames(Path("drive"), "/cam/image")
