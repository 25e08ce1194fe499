"""Recorded drives, offline: camera frames out of rosbag2 (sqlite3, mcap) and ROS 1 bags, and the results
into a new rosbag2, with the ``rosbags`` package (pure Python: no ROS installation needed).

The results are ``edge_ocr_ros/msg/TextDetectionArray`` messages stamped as the images they were read in
(header and bag time), so a drive recorded on the robot can be processed on a laptop and replayed beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import bundled_share_dir
from ..errors import ConfigError, InputImageError
from ..image_codec import compressed_to_bgr, raw_to_bgr
from ..results import OcrResult

__all__ = ["IMAGE_TYPES", "BagFrame", "BagResultWriter", "bag_frames", "rosbags_package"]

IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")
OUR_TYPES = ("TextDetection", "TextLine", "TextDetectionArray")


def rosbags_package():
    """The rosbags package, or a ConfigError saying how to install it."""
    try:
        import rosbags.highlevel
        import rosbags.rosbag2
        import rosbags.typesys
    except ImportError:
        raise ConfigError("--bag needs the rosbags package: pip install 'edge_ocr_ros[bags]' (or rosbags)") from None
    return rosbags


@dataclass
class BagFrame:
    """One camera message of a bag, decoded."""

    name: str  # BAG#index
    bag_time_ns: int  # when it was recorded
    header: object  # its std_msgs/Header (rosbags' dataclass)
    image: np.ndarray | None  # BGR, or None when it could not be decoded
    error: str = ""
    depth: object | None = None  # the registered depth image (sensor_msgs/Image) paired with it, when asked for


DEPTH_SLOP_NS = 30_000_000  # as the node's depth.slop_ms
PENDING_FRAMES = 30  # frames held back at most while their depth image may still come


class _DepthPairing:
    """Pairs each colour frame of a bag with the depth image whose stamp is closest (within DEPTH_SLOP_NS),
    in one pass in recording order: a frame is let go once the depth stream has passed its stamp (or too many
    frames wait), so a depth image recorded just after its frame still finds it."""

    def __init__(self) -> None:
        self.recent: list[tuple[int, object]] = []  # (stamp ns, depth message), the last second or so
        self.pending: list[BagFrame] = []

    @staticmethod
    def _stamp(header) -> int:
        return int(header.stamp.sec) * 1_000_000_000 + int(header.stamp.nanosec)

    def _pair(self, frame: BagFrame) -> BagFrame:
        stamp = self._stamp(frame.header)
        best = min(self.recent, key=lambda item: abs(item[0] - stamp), default=None)
        if best is not None and abs(best[0] - stamp) <= DEPTH_SLOP_NS:
            frame.depth = best[1]
        return frame

    def depth(self, msg) -> list[BagFrame]:
        stamp = self._stamp(msg.header)
        self.recent = [item for item in self.recent if item[0] > stamp - 1_000_000_000] + [(stamp, msg)]
        ready = [f for f in self.pending if self._stamp(f.header) + DEPTH_SLOP_NS < stamp]
        self.pending = [f for f in self.pending if f not in ready]
        return [self._pair(f) for f in ready]

    def frame(self, frame: BagFrame) -> list[BagFrame]:
        self.pending.append(frame)
        return [self._pair(self.pending.pop(0))] if len(self.pending) > PENDING_FRAMES else []

    def flush(self) -> list[BagFrame]:
        out, self.pending = [self._pair(f) for f in self.pending], []
        return out


def bag_frames(path: Path, topic: str, depth_topic: str = "") -> tuple[Iterator[BagFrame], int]:
    """The frames of ``topic`` (sensor_msgs Image or CompressedImage) in a bag, and how many there are; with
    ``depth_topic``, each with its depth image (``BagFrame.depth``).

    Raises:
        ConfigError: the bag cannot be opened, or has no such image topic (the error lists the image topics).
    """
    rosbags = rosbags_package()
    try:
        reader = rosbags.highlevel.AnyReader([path])
        reader.open()
    except Exception as exc:  # rosbags raises its own error types for missing or malformed bags
        raise ConfigError(f"--bag {path} cannot be read: {exc}") from exc
    connections = [c for c in reader.connections if c.topic == topic]
    if not connections or any(c.msgtype not in IMAGE_TYPES for c in connections):
        images = sorted({c.topic for c in reader.connections if c.msgtype in IMAGE_TYPES})
        reader.close()
        raise ConfigError(f"--bag {path} has no image topic {topic!r}; its image topics: {', '.join(images) or 'none'}")
    count = sum(c.msgcount for c in connections)
    depth_connections = [c for c in reader.connections if c.topic == depth_topic] if depth_topic else []
    if depth_topic and (not depth_connections or any(c.msgtype != IMAGE_TYPES[0] for c in depth_connections)):
        images = sorted({c.topic for c in reader.connections if c.msgtype == IMAGE_TYPES[0]})
        reader.close()
        raise ConfigError(f"--bag {path} has no sensor_msgs/Image topic {depth_topic!r} for depth; its Image topics: "
                          f"{', '.join(images) or 'none'}")

    def decoded(index: int, connection, bag_time: int, msg) -> BagFrame:
        name = f"{path.name}#{index}"
        try:
            if connection.msgtype.endswith("CompressedImage"):
                image = compressed_to_bgr(msg.data)
            else:
                image = raw_to_bgr(msg.encoding, msg.width, msg.height, msg.step, msg.data, bool(msg.is_bigendian))
        except InputImageError as exc:
            return BagFrame(name, bag_time, msg.header, None, str(exc))
        return BagFrame(name, bag_time, msg.header, image)

    def frames() -> Iterator[BagFrame]:
        pairing, index = _DepthPairing(), 0
        try:
            for connection, bag_time, raw in reader.messages(connections=connections + depth_connections):
                msg = reader.deserialize(raw, connection.msgtype)
                if connection in depth_connections:
                    yield from pairing.depth(msg)
                    continue
                frame = decoded(index, connection, bag_time, msg)
                index += 1
                if depth_connections:
                    yield from pairing.frame(frame)
                else:
                    yield frame
            yield from pairing.flush()
        finally:
            reader.close()

    return frames(), count


class BagResultWriter:
    """Writes TextDetectionArray messages into a new rosbag2 (``.mcap`` in the name: mcap storage, else sqlite3).

    A rosbag2 is a folder (metadata.yaml beside the storage file, named after the folder): ``OUT.mcap`` makes
    the folder ``OUT/`` holding ``OUT.mcap``, not ``OUT.mcap/OUT.mcap.mcap``; ``self.path`` is the folder."""

    def __init__(self, path: Path, topic: str) -> None:
        rosbags = rosbags_package()
        mcap = path.suffix == ".mcap" or path.name.endswith("_mcap")
        path = path.with_suffix("") if path.suffix == ".mcap" else path
        if path.exists():
            raise ConfigError(f"--bag-out {path} exists; give a new path")
        self.path = path
        typesys = rosbags.typesys
        self.typestore = typesys.get_typestore(typesys.Stores.ROS2_KILTED)
        msg_dir = bundled_share_dir("msg", "TextDetectionArray.msg")
        for name in OUR_TYPES:
            text = (msg_dir / f"{name}.msg").read_text(encoding="utf-8")
            self.typestore.register(typesys.get_types_from_msg(text, f"edge_ocr_ros/msg/{name}"))
        self.types = self.typestore.types
        plugin = rosbags.rosbag2.StoragePlugin
        storage = plugin.MCAP if mcap else plugin.SQLITE3
        self.writer = rosbags.rosbag2.Writer(path, version=9, storage_plugin=storage)
        self.writer.open()
        self.msgtype = "edge_ocr_ros/msg/TextDetectionArray"
        self.connection = self.writer.add_connection(topic, self.msgtype, typestore=self.typestore)

    def write(self, frame: BagFrame, result: OcrResult) -> None:
        """The result of ``frame``, with its header, at its bag time."""
        t = self.types
        header = t["std_msgs/msg/Header"](stamp=t["builtin_interfaces/msg/Time"](sec=frame.header.stamp.sec,
                                                                                  nanosec=frame.header.stamp.nanosec),
                                          frame_id=frame.header.frame_id)

        def polygon(points: np.ndarray) -> list:
            return [t["geometry_msgs/msg/Point32"](x=float(x), y=float(y), z=0.0) for x, y in points]

        detections = []
        for w in result.words:
            x, y, width, height = w.box
            position = w.position or (0.0, 0.0, 0.0)
            detections.append(t["edge_ocr_ros/msg/TextDetection"](
                text=w.text, text_confidence=float(w.confidence), detection_confidence=float(w.det_confidence),
                polygon=polygon(w.points), roi=t["sensor_msgs/msg/RegionOfInterest"](
                    x_offset=x, y_offset=y, height=height, width=width, do_rectify=False),
                frame_text=w.frame_text or w.text, track_id=w.track_id, frames_seen=w.frames_seen,
                position=t["geometry_msgs/msg/Point"](x=position[0], y=position[1], z=position[2]),
                has_position=w.position is not None))
        lines = [t["edge_ocr_ros/msg/TextLine"](text=line.text, confidence=float(line.confidence),
                                                polygon=polygon(line.points),
                                                word_indices=np.array(line.word_indices, np.uint32), block=line.block)
                 for line in result.lines]
        msg = t[self.msgtype](header=header, image_width=result.width, image_height=result.height,
                              detections=detections, lines=lines, position_frame_id=frame.header.frame_id)
        self.writer.write(self.connection, frame.bag_time_ns, self.typestore.serialize_cdr(msg, self.msgtype))

    def close(self) -> None:
        self.writer.close()
