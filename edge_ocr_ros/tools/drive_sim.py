"""A simulated drive past signs on a corridor wall, the truth known: colour, registered depth, camera_info
and the robot's transforms, frame by frame.

What the text map is tested and measured on (test/test_text_map_drive.py, scripts/text_map_bench.py): a
robot drives along a corridor (map x) with a camera looking at the left wall, which holds sign plates at
known places. Each frame is ray-cast (the wall, the floor and the ceiling are planes), so the colour image
and its depth agree exactly, and the chain map -> odom -> base_link -> camera_link -> camera_optical is
what tf would carry. The letters are OpenCV's Hershey vector font, so nothing needs installing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..geometry import pose_matrix

__all__ = ["CAMERA_IN_BASE", "DriveFrame", "Sign", "Transform", "corridor_signs", "render_drive", "write_drive_bag"]

WIDTH, HEIGHT, FOCAL = 640, 480, 460.0
WALL_Y, CEILING_Z = 1.5, 2.6  # the left wall's plane (map y) and the ceiling's height, metres
PIXELS_PER_METRE = 1000  # sign plates' texture resolution
OPTICAL_IN_CAMERA = (-0.5, 0.5, -0.5, 0.5)  # REP 103: optical z forward, x right, y down (quaternion x y z w)


@dataclass(frozen=True)
class Sign:
    """A plate on the left wall: its text, the map x of its centre, its centre height, its size in metres."""

    text: str
    x: float
    z: float = 1.4
    width: float = 0.6
    height: float = 0.2

    @property
    def centre(self) -> np.ndarray:
        """Where the sign is in the map (on the wall's surface)."""
        return np.array([self.x, WALL_Y, self.z])


@dataclass(frozen=True)
class Transform:
    """One tf edge: the child's pose in the parent (translation, quaternion x y z w)."""

    parent: str
    child: str
    translation: tuple[float, float, float]
    rotation: tuple[float, float, float, float]

    def matrix(self) -> np.ndarray:
        return pose_matrix(self.translation, self.rotation)


def _yaw(deg: float) -> tuple[float, float, float, float]:
    return 0.0, 0.0, math.sin(math.radians(deg) / 2), math.cos(math.radians(deg) / 2)


# the camera on the robot: 1.2 m up, looking left and a little ahead (60 degrees from the direction of travel)
CAMERA_IN_BASE = Transform("base_link", "camera_link", (0.15, 0.0, 1.2), _yaw(60.0))
STATIC = [CAMERA_IN_BASE, Transform("camera_link", "camera_optical", (0.0, 0.0, 0.0), OPTICAL_IN_CAMERA)]


@dataclass
class DriveFrame:
    """One frame of the drive."""

    stamp: float  # seconds
    bgr: np.ndarray  # HEIGHT x WIDTH x 3 uint8
    depth: np.ndarray  # HEIGHT x WIDTH float32 metres, registered to ``bgr``
    transforms: list[Transform]  # map -> odom and odom -> base_link at ``stamp``
    static: list[Transform] = field(default_factory=lambda: list(STATIC))
    k: np.ndarray = field(default_factory=lambda: np.array([[FOCAL, 0, WIDTH / 2], [0, FOCAL, HEIGHT / 2], [0, 0, 1]]))

    def map_from_optical(self) -> np.ndarray:
        """The 4 x 4 transform of camera_optical points into the map (the truth the tests compare to)."""
        out = np.eye(4)
        for t in [*self.transforms, *self.static]:
            out = out @ t.matrix()
        return out


def corridor_signs() -> list[Sign]:
    """The default corridor: two rooms, a kitchen, and two EXIT signs 11 m apart."""
    return [Sign("EXIT", 2.0), Sign("ROOM 204", 5.0), Sign("KITCHEN", 8.0, width=0.7), Sign("EXIT", 13.0)]


def _plate(sign: Sign) -> np.ndarray:
    """The plate's texture: dark letters filling a white plate with a thin border."""
    w, h = int(sign.width * PIXELS_PER_METRE), int(sign.height * PIXELS_PER_METRE)
    plate = np.full((h, w, 3), 245, np.uint8)
    cv2.rectangle(plate, (4, 4), (w - 5, h - 5), (40, 40, 40), 3)
    font, thickness = cv2.FONT_HERSHEY_DUPLEX, max(h // 18, 2)
    (tw, th), _ = cv2.getTextSize(sign.text, font, 1.0, thickness)
    scale = min(0.85 * w / tw, 0.6 * h / th)
    (tw, th), _ = cv2.getTextSize(sign.text, font, scale, thickness)
    cv2.putText(plate, sign.text, ((w - tw) // 2, (h + th) // 2), font, scale, (30, 30, 30), thickness, cv2.LINE_AA)
    return plate


def render_drive(signs: list[Sign], speed: float = 1.0, rate_hz: float = 5.0, start_x: float = -1.0,
                 end_x: float | None = None, odom_drift: float = 0.0) -> Iterator[DriveFrame]:
    """The frames of a drive along map x at ``speed`` m/s, sampled at ``rate_hz``, with a gentle weave of
    the heading (+-3 degrees). ``odom_drift`` moves odom in the map by that many metres per second along y
    (map -> odom changes as a localiser's correction would)."""
    end_x = max(s.x for s in signs) + 2.0 if end_x is None else end_x
    plates = [(_plate(s), s) for s in signs]
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    rays = np.stack([(u - WIDTH / 2) / FOCAL, (v - HEIGHT / 2) / FOCAL, np.ones_like(u)], axis=-1)  # optical, z = 1
    rng = np.random.default_rng(7)
    steps = int((end_x - start_x) / speed * rate_hz) + 1
    for i in range(steps):
        t = i / rate_hz
        heading = 3.0 * math.sin(2 * math.pi * t / 4.0)
        odom = Transform("map", "odom", (0.0, odom_drift * t, 0.0), (0.0, 0.0, 0.0, 1.0))
        base = Transform("odom", "base_link", (start_x + speed * t, -odom_drift * t, 0.0), _yaw(heading))
        frame = DriveFrame(100.0 + t, np.empty(0), np.empty(0), [odom, base])
        m = frame.map_from_optical()
        origin, directions = m[:3, 3], rays @ m[:3, :3].T  # per pixel, in the map; depth = distance along z
        with np.errstate(divide="ignore", invalid="ignore"):
            hits = np.stack([(WALL_Y - origin[1]) / directions[..., 1], (0.0 - origin[2]) / directions[..., 2],
                             (CEILING_Z - origin[2]) / directions[..., 2]])
        hits[~np.isfinite(hits) | (hits <= 0)] = np.inf
        surface, depth = hits.argmin(axis=0), hits.min(axis=0)
        points = origin + directions * depth[..., None]
        shade = np.select([surface == 0, surface == 1], [150.0, 95.0], 200.0)
        shade = shade + 6.0 * np.sin(points[..., 0] * 7.0) * (surface == 0)  # a faint texture on the wall
        bgr = np.repeat(shade[..., None], 3, axis=2).astype(np.float32)
        for texture, sign in plates:
            th, tw = texture.shape[:2]
            map_x = ((points[..., 0] - sign.x) / sign.width + 0.5) * tw  # the wall as seen facing it: x to the right
            map_y = ((sign.z - points[..., 2]) / sign.height + 0.5) * th
            inside = (surface == 0) & (map_x >= 0) & (map_x < tw - 1) & (map_y >= 0) & (map_y < th - 1)
            if inside.any():
                sampled = cv2.remap(texture, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_LINEAR)
                bgr[inside] = sampled[inside]
        bgr += rng.normal(0, 2.0, bgr.shape)
        frame.bgr = np.clip(bgr, 0, 255).astype(np.uint8)
        frame.depth = np.where(np.isfinite(depth), depth, 0).astype(np.float32)
        yield frame


def write_drive_bag(path, frames: list[DriveFrame], camera: str = "/camera", mcap: bool = True) -> None:
    """The drive as a robot would record it: ``CAMERA/color/image_raw`` (bgr8), ``CAMERA/depth/image_raw``
    (32FC1, registered), ``CAMERA/color/camera_info``, ``/tf`` and ``/tf_static`` (rosbags: no ROS needed)."""
    from .bags import rosbags_package

    rosbags = rosbags_package()
    store = rosbags.typesys.get_typestore(rosbags.typesys.Stores.ROS2_KILTED)
    t = store.types
    plugin = rosbags.rosbag2.StoragePlugin
    writer = rosbags.rosbag2.Writer(path, version=9, storage_plugin=plugin.MCAP if mcap else plugin.SQLITE3)
    writer.open()
    topics = {f"{camera}/color/image_raw": "sensor_msgs/msg/Image", f"{camera}/depth/image_raw": "sensor_msgs/msg/Image",
              f"{camera}/color/camera_info": "sensor_msgs/msg/CameraInfo", "/tf": "tf2_msgs/msg/TFMessage",
              "/tf_static": "tf2_msgs/msg/TFMessage"}
    connections = {topic: writer.add_connection(topic, kind, typestore=store) for topic, kind in topics.items()}

    def time(seconds: float):
        return t["builtin_interfaces/msg/Time"](sec=int(seconds), nanosec=round((seconds % 1) * 1e9))

    def header(seconds: float, frame_id: str):
        return t["std_msgs/msg/Header"](stamp=time(seconds), frame_id=frame_id)

    def tf_message(transforms: list[Transform], seconds: float):
        return t["tf2_msgs/msg/TFMessage"](transforms=[t["geometry_msgs/msg/TransformStamped"](
            header=header(seconds, tr.parent), child_frame_id=tr.child,
            transform=t["geometry_msgs/msg/Transform"](translation=t["geometry_msgs/msg/Vector3"](*tr.translation),
                                                       rotation=t["geometry_msgs/msg/Quaternion"](*tr.rotation)))
            for tr in transforms])

    def image(pixels: np.ndarray, encoding: str, seconds: float):
        rows = np.ascontiguousarray(pixels).view(np.uint8).reshape(pixels.shape[0], -1)
        return t["sensor_msgs/msg/Image"](header=header(seconds, "camera_optical"), height=pixels.shape[0],
                                          width=pixels.shape[1], encoding=encoding, is_bigendian=0,
                                          step=rows.shape[1], data=rows.ravel())

    def write(topic: str, msg, seconds: float) -> None:
        writer.write(connections[topic], int(seconds * 1e9), store.serialize_cdr(msg, topics[topic]))

    try:
        write("/tf_static", tf_message(frames[0].static, frames[0].stamp), frames[0].stamp)
        for frame in frames:
            k = frame.k
            info = t["sensor_msgs/msg/CameraInfo"](
                header=header(frame.stamp, "camera_optical"), height=HEIGHT, width=WIDTH, distortion_model="plumb_bob",
                d=np.zeros(5), k=k.ravel(), r=np.eye(3).ravel(), p=np.c_[k, np.zeros(3)].ravel(), binning_x=0,
                binning_y=0, roi=t["sensor_msgs/msg/RegionOfInterest"](x_offset=0, y_offset=0, height=0, width=0,
                                                                       do_rectify=False))
            write("/tf", tf_message(frame.transforms, frame.stamp), frame.stamp)
            write(f"{camera}/color/camera_info", info, frame.stamp)
            write(f"{camera}/color/image_raw", image(frame.bgr, "bgr8", frame.stamp), frame.stamp)
            write(f"{camera}/depth/image_raw", image(frame.depth, "32FC1", frame.stamp), frame.stamp + 0.004)
    finally:
        writer.close()
