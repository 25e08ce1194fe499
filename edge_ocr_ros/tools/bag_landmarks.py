"""The text map of a recorded drive, offline: ``edge-ocr --bag BAG --topic IMAGE --landmarks OUT.db``.

Builds the same landmarks as text_map_node (landmarks/fusion.py, stored by landmarks/store.py) from what the
bag holds beside the images: ``/tf`` and ``/tf_static`` (read first, whole, into a TransformBuffer), the
registered depth image (paired with each frame by stamp, in bags.bag_frames) and ``camera_info``. The depth
and camera_info topics are found by type next to the image topic unless given. Every word without a
position and every frame without a transform is counted, and the counts are logged at the end.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError, InputImageError
from ..image_codec import depth_to_metres
from ..landmarks.fusion import FusionSettings, LandmarkMap, line_sightings
from ..landmarks.store import LandmarkStore
from ..positions import CameraModel, word_positions
from ..results import OcrResult
from ..transform_buffer import TransformBuffer, TransformLookupError
from .bags import BagFrame, rosbags_package

__all__ = ["BagMapper", "DriveContext", "find_topics", "read_context"]

LOG = logging.getLogger("edge_ocr_ros")
INFO_TYPE, IMAGE_TYPE = "sensor_msgs/msg/CameraInfo", "sensor_msgs/msg/Image"
TF_TYPE = "tf2_msgs/msg/TFMessage"


def _namespace(topic: str) -> str:
    return topic.rstrip("/").rsplit("/", 1)[0]


def _closest(topics: list[str], image_topic: str) -> str:
    """The topic sharing the longest namespace with the image topic (/camera/depth/... for /camera/color/...)."""
    def shared(topic: str) -> int:
        a, b = topic.strip("/").split("/"), image_topic.strip("/").split("/")
        return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return max(sorted(topics), key=shared)


def find_topics(connections, image_topic: str, depth_topic: str = "", info_topic: str = "") -> tuple[str, str]:
    """The depth and camera_info topics to use: given, or found by type (an Image topic named *depth*; a
    CameraInfo topic), the one nearest the image topic. ConfigError, listing the candidates, when none is."""
    images = [c.topic for c in connections if c.msgtype == IMAGE_TYPE and c.topic != image_topic]
    infos = [c.topic for c in connections if c.msgtype == INFO_TYPE]
    if depth_topic and depth_topic not in images:
        raise ConfigError(f"the bag has no sensor_msgs/Image topic {depth_topic!r} for depth; its Image topics: "
                          f"{', '.join(sorted(images)) or 'none'}")
    if info_topic and info_topic not in infos:
        raise ConfigError(f"the bag has no sensor_msgs/CameraInfo topic {info_topic!r}; its CameraInfo topics: "
                          f"{', '.join(sorted(infos)) or 'none'}")
    if not depth_topic:
        depths = [t for t in images if "depth" in t.lower()]
        if not depths:
            raise ConfigError(f"--landmarks needs a depth image registered to {image_topic}; no Image topic named "
                              f"*depth* in the bag (Image topics: {', '.join(sorted(images)) or 'none'}): give --depth-topic")
        depth_topic = _closest(depths, image_topic)
    if not info_topic:
        preferred = [t for t in infos if _namespace(t) == _namespace(image_topic)]
        if not (preferred or infos):
            raise ConfigError("--landmarks needs the colour camera's camera_info; the bag has no CameraInfo topic")
        info_topic = preferred[0] if preferred else _closest(infos, image_topic)
    return depth_topic, info_topic


@dataclass
class DriveContext:
    """What a recorded drive holds besides its images: transforms, and the camera_info of each stamp."""

    depth_topic: str
    info_topic: str
    transforms: TransformBuffer
    infos: list[tuple[int, object]] = field(default_factory=list)  # (stamp ns, CameraInfo) in time order

    def camera_info(self, stamp_ns: int):
        """The newest camera_info at or before ``stamp_ns`` (else the first one)."""
        before = [info for stamp, info in self.infos if stamp <= stamp_ns]
        return before[-1] if before else (self.infos[0][1] if self.infos else None)


def read_context(path: Path, image_topic: str, depth_topic: str = "", info_topic: str = "") -> DriveContext:
    """One pass over a bag's transforms and camera_info (small messages)."""
    rosbags = rosbags_package()
    reader = rosbags.highlevel.AnyReader([path])
    reader.open()
    try:
        depth_topic, info_topic = find_topics(reader.connections, image_topic, depth_topic, info_topic)
        tf = [c for c in reader.connections if c.topic in ("/tf", "/tf_static") and c.msgtype == TF_TYPE]
        if not tf:
            raise ConfigError(f"--landmarks needs the robot's transforms; --bag {path} has no /tf or /tf_static")
        info = [c for c in reader.connections if c.topic == info_topic]
        transforms = TransformBuffer(cache_s=None)
        context = DriveContext(depth_topic, info_topic, transforms)
        for connection, _, raw in reader.messages(connections=tf + info):
            msg = reader.deserialize(raw, connection.msgtype)
            if connection.msgtype == INFO_TYPE:
                stamp = int(msg.header.stamp.sec) * 1_000_000_000 + int(msg.header.stamp.nanosec)
                if not context.infos or not _same_calibration(context.infos[-1][1], msg):
                    context.infos.append((stamp, msg))
                continue
            for t in msg.transforms:
                p, q = t.transform.translation, t.transform.rotation
                transforms.set_transform(t.header.frame_id, t.child_frame_id,
                                         t.header.stamp.sec + t.header.stamp.nanosec * 1e-9, (p.x, p.y, p.z),
                                         (q.x, q.y, q.z, q.w), static=connection.topic == "/tf_static")
    finally:
        reader.close()
    return context


def _same_calibration(a, b) -> bool:
    return (a.width, a.height, list(a.k), list(a.d), list(a.p)) == (b.width, b.height, list(b.k), list(b.d), list(b.p))


class BagMapper:
    """Frames' results with their depth into the landmarks of ``fixed_frame``, written to ``out`` as they come."""

    def __init__(self, out: Path, fixed_frame: str, context: DriveContext, settings: FusionSettings | None = None,
                 rectified: bool = False) -> None:
        self.store = LandmarkStore(out, fixed_frame)
        self.map = LandmarkMap(settings or FusionSettings(), self.store.load())
        self.fixed_frame, self.context, self.rectified = fixed_frame, context, rectified
        self.counts: Counter = Counter()

    def add(self, frame: BagFrame, result: OcrResult) -> None:
        """Locate the frame's words, move its lines into the fixed frame, fuse them."""
        if not result.words:
            return
        stamp = frame.header.stamp.sec + frame.header.stamp.nanosec * 1e-9
        positions = self._positions(frame, result)
        self.counts["words"] += len(result.words)
        self.counts["words_without_position"] += sum(p is None for p in positions)
        lines = [(line.text, line.confidence, [positions[i] for i in line.word_indices]) for line in result.lines]
        if not any(p is not None for p in positions):
            return
        try:
            to_fixed = self.context.transforms.lookup(self.fixed_frame, frame.header.frame_id, stamp)
        except TransformLookupError as exc:
            self.counts["frames_without_transform"] += 1
            LOG.debug("%s: no transform: %s", frame.name, exc)
            return
        for sighting in line_sightings(lines, stamp, to_fixed):
            self.map.add(sighting)
            self.counts["sightings"] += 1
        self.store.write(self.map.changed())

    def _positions(self, frame: BagFrame, result: OcrResult) -> list[tuple[float, float, float] | None]:
        none = [None] * len(result.words)
        info = self.context.camera_info(int(frame.header.stamp.sec) * 1_000_000_000 + int(frame.header.stamp.nanosec))
        if frame.depth is None or info is None:
            self.counts["frames_without_depth" if frame.depth is None else "frames_without_camera_info"] += 1
            return none
        d = frame.depth
        try:
            camera = CameraModel.from_camera_info(info, self.rectified)
            camera.check_image(result.width, result.height)
            metres = depth_to_metres(d.encoding, d.width, d.height, d.step, d.data, bool(d.is_bigendian))
        except InputImageError as exc:
            self.counts["frames_with_bad_depth"] += 1
            LOG.warning("%s: no positions: %s", frame.name, exc)
            return none
        points, valid = word_positions(np.stack([w.points for w in result.words]), metres, camera,
                                       (result.width, result.height))
        return [tuple(map(float, p)) if ok else None for p, ok in zip(points, valid, strict=True)]

    def close(self) -> str:
        """Close the map file; a one-line summary of what was built and what was missing."""
        self.store.close()
        confirmed = len(self.map.confirmed())
        counted = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(self.counts.items()))
        return f"{confirmed} landmark(s) in '{self.fixed_frame}' ({counted})"
