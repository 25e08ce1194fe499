"""text_map_node: the words a robot has read, remembered as landmarks in a fixed frame it can ask about.

It subscribes to ocr_node's ``text_detections`` (relative: remap it; ``detection_topics`` lists several, one
map for several cameras), moves each positioned text line into
``fixed_frame`` with tf2 at the image's stamp, and fuses the sightings into one landmark per sign
(edge_ocr_ros/landmarks/fusion.py). It answers ``~/find_text`` (FindText.srv), empties the map on ``~/clear``
(std_srvs/Trigger), publishes the confirmed landmarks on ``~/landmarks`` and rviz markers on ``~/markers``
(both transient local: a late subscriber gets the map at once) when the map changed, at most every
``publish_period`` seconds, and keeps them in ``map_file`` (SQLite) across restarts. Words without a
position, failed transform lookups and failed writes are counted on /diagnostics, never dropped silently.

A plain node rather than a lifecycle one: it loads no model, starts in milliseconds and holds nothing a
lifecycle manager would need to sequence. ``fixed_frame`` and ``map_file`` name what the node reads and
writes, so they are fixed at start; the fusion thresholds can be changed at runtime.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter

import numpy as np
import rclpy
from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from geometry_msgs.msg import Point
from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from std_srvs.srv import Trigger
from visualization_msgs.msg import Marker, MarkerArray

from ..errors import ConfigError, EdgeOcrError
from ..landmarks.fusion import FusionSettings, Landmark, LandmarkMap, line_sightings
from ..landmarks.parameters import PARAMETERS, RANGES, validate
from ..landmarks.store import LandmarkStore
from ..msg import TextDetectionArray, TextLandmark, TextLandmarkArray
from ..srv import FindText
from .diagnostics_message import publish_status
from .ros_logging import warn
from .transforms import TransformLookup, TransformUnavailableError

__all__ = ["LATCHED", "TextMapNode", "main", "to_landmark_message"]

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)


def _time(seconds: float) -> Time:
    sec = int(np.floor(seconds))
    return Time(sec=sec, nanosec=min(round((seconds - sec) * 1e9), 999_999_999))


def to_landmark_message(landmark: Landmark, frame_id: str) -> TextLandmark:
    """A landmark as TextLandmark: its pose in ``frame_id``, stamped with when it was last seen."""
    out = TextLandmark(id=landmark.id, text=landmark.text, confidence=float(landmark.confidence),
                       position_spread=float(landmark.spread), sightings=landmark.sightings,
                       first_seen=_time(landmark.first_seen), last_seen=_time(landmark.last_seen))
    out.pose.header.frame_id = frame_id
    out.pose.header.stamp = out.last_seen
    out.pose.pose.position = Point(**dict(zip("xyz", map(float, landmark.mean), strict=True)))
    out.pose.pose.orientation.w = 1.0
    return out


class TextMapNode(Node):
    """Sightings in, landmarks out: the map, its store and the services."""

    def __init__(self, node_name: str = "text_map_node", **kwargs) -> None:
        super().__init__(node_name, **kwargs)
        for name, (default, text, fixed) in PARAMETERS.items():
            if name in RANGES:
                text += f" ({RANGES[name][0]:g} .. {RANGES[name][1]:g})"
            self.declare_parameter(name, default, ParameterDescriptor(description=text, read_only=fixed,
                                                                      dynamic_typing=True))
        values = {name: validate(name, self.get_parameter(name).value) for name in PARAMETERS}  # ConfigError: no start
        self.fixed_frame: str = values["fixed_frame"]
        self.store = LandmarkStore(values["map_file"], self.fixed_frame) if values["map_file"] else None
        self.map = LandmarkMap(self._settings(values), self.store.load() if self.store else ())
        self.counts: Counter = Counter()
        self._window: Counter = Counter()
        self.last_error = ""
        self._update_ms: list[float] = []
        self._dirty = True  # publish the loaded map once
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.transforms = TransformLookup(self)
        self._pub_landmarks = self.create_publisher(TextLandmarkArray, "~/landmarks", LATCHED)
        self._pub_markers = self.create_publisher(MarkerArray, "~/markers", LATCHED)
        self._diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        for topic in values["detection_topics"]:
            self.create_subscription(TextDetectionArray, topic, self._on_detections, 100)  # a burst waits
        self.create_service(FindText, "~/find_text", self._find_text)
        self.create_service(Trigger, "~/clear", self._clear)
        self.create_timer(values["publish_period"], self._publish)
        self.create_timer(1.0, self._diagnostics)
        self.get_logger().info(f"text map in frame '{self.fixed_frame}': {len(self.map)} landmark(s) loaded"
                               + (f" from {self.store.path}" if self.store else " (memory only: map_file is empty)")
                               + f"; transforms from {self.transforms.source}")

    @staticmethod
    def _settings(values: dict[str, object]) -> FusionSettings:
        return FusionSettings(values["merge_distance"], values["min_similarity"], values["min_sightings"])

    def _on_set_parameters(self, params: list[Parameter]) -> SetParametersResult:
        values = {name: self.get_parameter(name).value for name in PARAMETERS}
        for p in params:
            if p.name not in PARAMETERS:
                continue
            try:
                values[p.name] = validate(p.name, p.value)
            except ConfigError as exc:
                return SetParametersResult(successful=False, reason=str(exc))
        self.map.settings = self._settings(values)
        return SetParametersResult(successful=True)

    # ---- sightings in ------------------------------------------------------------------------
    def _on_detections(self, msg: TextDetectionArray) -> None:
        start = time.perf_counter()
        self._count("detection_messages")
        lines = [(line.text, line.confidence, [self._position(msg.detections[i]) for i in line.word_indices
                                               if i < len(msg.detections)]) for line in msg.lines]
        if not lines:  # a publisher that sends no lines: each word is its own line
            lines = [(d.text, d.text_confidence, [self._position(d)]) for d in msg.detections]
        missing = sum(not d.has_position for d in msg.detections)
        if missing:
            self._count("words_without_position", missing)
        if not any(p is not None for _, _, positions in lines for p in positions):
            return
        try:
            to_fixed = self.transforms.matrix(self.fixed_frame, msg.position_frame_id or msg.header.frame_id,
                                              msg.header.stamp, self.get_parameter("transform_timeout").value)
        except TransformUnavailableError as exc:
            self._fail("transform_failures", f"no transform for a frame's words: {exc}")
            return
        stamp = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9
        for sighting in line_sightings(lines, stamp, to_fixed):
            self.map.add(sighting)
            self._count("sightings")
        changed = self.map.changed()
        if changed:
            self._dirty = True
            if self.store is not None:
                try:
                    self.store.write(changed)
                except sqlite3.Error as exc:
                    self._fail("store_errors", f"map_file {self.store.path} not written: {exc}")
        self._update_ms.append((time.perf_counter() - start) * 1e3)

    @staticmethod
    def _position(detection) -> tuple[float, float, float] | None:
        p = detection.position
        return (p.x, p.y, p.z) if detection.has_position else None

    def _count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n
        self._window[key] += n

    def _fail(self, key: str, message: str) -> None:
        self._count(key)
        if message != self.last_error:
            warn(self.get_logger(), message)
        self.last_error = message

    # ---- landmarks out -----------------------------------------------------------------------
    def _publish(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        confirmed = self.map.confirmed()
        out = TextLandmarkArray(landmarks=[to_landmark_message(lm, self.fixed_frame) for lm in confirmed])
        out.header.frame_id = self.fixed_frame
        out.header.stamp = self.get_clock().now().to_msg()
        self._pub_landmarks.publish(out)
        self._pub_markers.publish(self._markers(confirmed, out.header))

    def _markers(self, landmarks: list[Landmark], header) -> MarkerArray:
        """A text facing the viewer above a small sphere at each landmark; the first marker clears the last set."""
        height = self.get_parameter("marker_height").value
        out = MarkerArray(markers=[Marker(header=header, ns="text_landmarks", action=Marker.DELETEALL)])
        for lm in landmarks:
            for kind, ns in ((Marker.TEXT_VIEW_FACING, "text_landmarks"), (Marker.SPHERE, "text_landmarks/position")):
                marker = Marker(header=header, ns=ns, id=lm.id, type=kind, action=Marker.ADD)
                marker.pose.position = Point(x=float(lm.mean[0]), y=float(lm.mean[1]),
                                             z=float(lm.mean[2]) + (height if kind == Marker.TEXT_VIEW_FACING else 0.0))
                marker.pose.orientation.w = 1.0
                if kind == Marker.TEXT_VIEW_FACING:
                    marker.text, marker.scale.z = lm.text, height
                    marker.color.r, marker.color.g, marker.color.b, marker.color.a = 1.0, 1.0, 1.0, 1.0
                else:
                    size = max(2.0 * lm.spread, height / 3)
                    marker.scale.x = marker.scale.y = marker.scale.z = size
                    marker.color.r, marker.color.g, marker.color.b, marker.color.a = 1.0, 0.6, 0.0, 0.8
                out.markers.append(marker)
        return out

    def _find_text(self, request: FindText.Request, response: FindText.Response) -> FindText.Response:
        found = self.map.find(request.query, request.exact, request.max_count)
        response.landmarks = [to_landmark_message(lm, self.fixed_frame) for lm, _ in found]
        response.scores = [float(score) for _, score in found]
        return response

    def _clear(self, _request: Trigger.Request, response: Trigger.Response) -> Trigger.Response:
        count = self.map.clear()
        try:
            if self.store is not None:
                self.store.clear()
        except sqlite3.Error as exc:
            self._fail("store_errors", f"map_file {self.store.path} not cleared: {exc}")
            response.success, response.message = False, self.last_error
            return response
        self._dirty = True
        self._publish()
        response.success, response.message = True, f"cleared {count} landmark(s)"
        return response

    def _diagnostics(self) -> None:
        window, self._window = self._window, Counter()
        update_ms, self._update_ms = self._update_ms, []
        status = DiagnosticStatus(name=f"{self.get_fully_qualified_name()}: text map", hardware_id="")
        values = {"fixed_frame": self.fixed_frame, "map_file": str(self.store.path) if self.store else "",
                  "landmarks": str(len(self.map)), "confirmed_landmarks": str(len(self.map.confirmed())),
                  **{f"{key}_total": str(self.counts[key]) for key in ("detection_messages", "sightings",
                                                                       "words_without_position",
                                                                       "transform_failures", "store_errors")},
                  "update_ms_p50": f"{np.median(update_ms):.2f}" if update_ms else "", "last_error": self.last_error}
        if window["store_errors"]:
            status.level, status.message = DiagnosticStatus.ERROR, f"{window['store_errors']} failed write(s) of map_file"
        elif window["transform_failures"]:
            status.level, status.message = DiagnosticStatus.WARN, (f"{window['transform_failures']} frame(s) without a "
                                                                   f"transform to {self.fixed_frame}")
        else:
            status.level, status.message = DiagnosticStatus.OK, "running"
        publish_status(self, self._diag_pub, status, values)

    def destroy_node(self) -> None:
        self.transforms.close()
        if self.store is not None:
            self.store.close()
        super().destroy_node()


def main(args: list[str] | None = None) -> int:
    """The ``text_map_node`` executable: spin until shutdown; 1 when a parameter or the map file is unusable."""
    rclpy.init(args=args)
    try:
        node = TextMapNode()
    except EdgeOcrError as exc:
        rclpy.logging.get_logger("text_map_node").fatal(str(exc))
        rclpy.shutdown()
        return 1
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0
