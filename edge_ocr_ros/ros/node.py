"""ocr_node: a ROS 2 lifecycle node around OcrPipeline.

configure loads the models, activate subscribes; ``autostart: true`` does both at start. A worker thread
always processes the newest frame (older ones are dropped and counted), and the annotated image is
drawn and published by a second thread, only while someone subscribes, so OCR never waits on it.
Topics are relative (remap them): image or image/compressed in; text_detections,
text_detections/image and text_detections/vision out; /diagnostics every diagnostic_updater.period.
"""

from __future__ import annotations

import array
import difflib
import threading
import time
from typing import Any

import numpy as np
import rclpy
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import QoSPolicyKind, QoSProfile, ReliabilityPolicy
from rclpy.qos_overriding_options import QoSOverridingOptions
from rclpy.subscription import Subscription
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header
from visualization_msgs.msg import MarkerArray

from ..config import NODE_PARAMETERS, SCHEMA, ConfigError, OcrConfig, validate_value
from ..errors import EdgeOcrError, InputImageError
from ..image_codec import compressed_to_bgr, raw_to_bgr
from ..msg import TextDetectionArray
from ..pipeline import OcrPipeline
from ..results import OcrResult
from ..runtime.cpu import cpu_name
from ..tools.draw import draw_words
from ..tracking import TrackingSettings, WordTracker
from .depth_input import DepthInput
from .diagnostics_message import publish_status
from .latest_slot import LatestSlot
from .messages import (
    Detection2DArray,
    Detection3DArray,
    to_image_message,
    to_jpeg_message,
    to_markers,
    to_message,
    to_vision3d_message,
    to_vision_message,
)
from .node_stats import NodeStats
from .ros_logging import warn
from .transforms import TransformLookup, TransformUnavailableError

__all__ = [
    "FASTDDS_HINT",
    "FIXED_AT_START",
    "MESSAGE_INFO_CALLBACKS",
    "RELIABILITY",
    "SUBSCRIPTION_OVERRIDES",
    "OcrNode",
    "cpu_name",
    "main",
]

# rclpy from Kilted on passes message info (publication sequence numbers) to two-argument callbacks; with
# older rclpy (Jazzy 7.1.6) frames lost before the callback are not counted by the node
MESSAGE_INFO_CALLBACKS = hasattr(Subscription, "CallbackType")
FIXED_AT_START = ("autostart", "diagnostic_updater.period")
# the input's qos_overrides may set depth, history and durability; its reliability is qos_reliability's
# (auto follows the camera, which a fixed override declared at the first subscription would undo)
SUBSCRIPTION_OVERRIDES = QoSOverridingOptions(
    policy_kinds=(QoSPolicyKind.DEPTH, QoSPolicyKind.HISTORY, QoSPolicyKind.DURABILITY))  # used when the node starts, not at configure
RELIABILITY = {"best_effort": ReliabilityPolicy.BEST_EFFORT, "reliable": ReliabilityPolicy.RELIABLE}
FASTDDS_HINT = ("best-effort images larger than about 0.5 MB are lost by FastDDS's default transports; "
                "use a reliable publisher or FASTDDS_BUILTIN_TRANSPORTS=LARGE_DATA on both ends")


def _descriptor(name: str, read_only: bool) -> ParameterDescriptor:
    """Dynamically typed, with the allowed values in the text rather than as rclpy ranges: every value, from
    a params file, ``-p``, a launch argument or ``ros2 param set``, goes through the one validation of
    ``config.validate_value`` (integers accepted for decimals, ``on``/``off`` read as booleans by YAML
    accepted for ``edgetpu``), so that a bad value gets one line naming it, never an rclpy exception."""
    if name in NODE_PARAMETERS:
        _, text, choices = NODE_PARAMETERS[name]
        spec_min = spec_max = None
    else:
        spec = SCHEMA[name]
        text, choices, spec_min, spec_max = spec.description, spec.choices, spec.minimum, spec.maximum
    if choices:
        text += f" ({' | '.join(choices)})"
    elif spec_min is not None:
        text += f" ({spec_min:g} .. {spec_max:g})"
    return ParameterDescriptor(description=text, read_only=read_only, dynamic_typing=True)


class OcrNode(LifecycleNode):
    """The lifecycle node: parameters from the engine's schema, models loaded at configure, the image
    subscription and the worker threads while active.
    """
    def __init__(self, node_name: str = "ocr_node", **kwargs: Any) -> None:
        super().__init__(node_name, **kwargs)
        # Settings read at configure (models, sizes, node options) can be set while the node is unconfigured
        # and are refused, with the way to change them, while it is configured (see _on_set_parameters).
        for name, (default, _, _) in NODE_PARAMETERS.items():
            self.declare_parameter(name, default, _descriptor(name, read_only=name in FIXED_AT_START))
        for name, spec in SCHEMA.items():
            self.declare_parameter(name, spec.default, _descriptor(name, read_only=False))
        self._warn_unknown_overrides()
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.stats = NodeStats()
        self.pipeline: OcrPipeline | None = None
        self.tracker = WordTracker(TrackingSettings.from_config(OcrConfig()))  # replaced at configure
        self.config_error = ""
        self.frames: LatestSlot[tuple[Any, float, Any]] = LatestSlot()  # message, reception time, depth claim
        self.annotations: LatestSlot[tuple[np.ndarray, OcrResult, Any]] = LatestSlot()
        self._pending_config: OcrConfig | None = None  # the next config for the worker to apply
        self._requested_config: OcrConfig | None = None  # every accepted change so far
        self._config_lock = threading.Lock()  # parameter callbacks and the worker both touch _pending_config
        self._pipeline_lock = threading.Lock()  # one frame at a time, whatever thread a (re)activation left
        self._threads: list[threading.Thread] = []
        self._running = threading.Event()  # replaced by a fresh one at each activation
        self._subscription = None
        self._subscribed_reliability: ReliabilityPolicy | None = None
        self._pub_detections = self._pub_image = self._pub_jpeg = self._pub_vision = self._pub_markers = None
        self._pub_vision3d = None
        self.depth: DepthInput | None = None
        self.target_frame = ""  # positions' frame when not the image's (target_frame, with depth)
        self.transforms: TransformLookup | None = None
        self._jpeg_quality = NODE_PARAMETERS["annotated_jpeg_quality"][0]
        self._diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        period = self.get_parameter("diagnostic_updater.period").value
        if not (isinstance(period, (int, float)) and 0 < period < 3600):  # configure reports it; the timer needs a value
            period = NODE_PARAMETERS["diagnostic_updater.period"][0]
        self._diag_timer = self.create_timer(float(period), self._diagnostics)

    # ---- parameters -------------------------------------------------------------------------
    def engine_config(self) -> OcrConfig:
        """The engine settings of the node's current parameters."""
        values = {}
        for name in SCHEMA:
            value = self.get_parameter(name).value
            values[name] = list(value) if isinstance(value, (list, tuple, array.array)) else value
        return OcrConfig(values)

    def _warn_unknown_overrides(self) -> None:
        """A params-file or -p key that no parameter has (a typo) is ignored by rclpy without a word: say so
        (and keep the lines in ``unknown_parameters``)."""
        known = [*SCHEMA, *NODE_PARAMETERS, "use_sim_time"]
        self.unknown_parameters = []
        for key in getattr(self, "_parameter_overrides", {}):
            if key not in known and not key.startswith("qos_overrides."):
                close = difflib.get_close_matches(key, known, n=1)
                self.unknown_parameters.append(f"unknown parameter '{key}' is ignored"
                                               + (f"; did you mean '{close[0]}'?" if close else ""))
                warn(self.get_logger(), self.unknown_parameters[-1])

    def _on_set_parameters(self, params: list[Parameter]) -> SetParametersResult:
        """Validate changes: thresholds take effect on the next frame; settings read at configure only
        while the node is unconfigured."""
        changes = {}
        for p in params:
            at_configure = p.name in NODE_PARAMETERS or (p.name in SCHEMA and SCHEMA[p.name].reload)
            if at_configure and self.pipeline is not None and not self._unchanged(p):
                return SetParametersResult(successful=False, reason=(
                    f"{p.name} is read when the node is configured: deactivate and clean up the node, set it, "
                    "then configure again"))
            if p.name in SCHEMA:
                try:
                    changes[p.name] = validate_value(p.name, p.value)
                except ConfigError as exc:
                    return SetParametersResult(successful=False, reason=str(exc))
        if changes and self.pipeline is not None:
            with self._config_lock:
                try:  # on top of every change requested so far, applied by the worker or not
                    self._requested_config = self._requested_config.replace_items(changes)
                except ConfigError as exc:
                    return SetParametersResult(successful=False, reason=str(exc))
                self._pending_config = self._requested_config
        return SetParametersResult(successful=True)

    def _unchanged(self, param: Parameter) -> bool:
        """The value the node already has (``ros2 param load`` of a ``ros2 param dump`` sets every parameter
        again): accepted while configured, since it changes nothing."""
        current = self.get_parameter(param.name).value
        normal = [list(v) if isinstance(v, (list, tuple, array.array)) else v for v in (current, param.value)]
        return normal[0] == normal[1] and type(normal[0]) is type(normal[1])

    # ---- lifecycle --------------------------------------------------------------------------
    def _check_node_parameters(self) -> None:
        for name, (default, _, choices) in NODE_PARAMETERS.items():
            value = self.get_parameter(name).value
            if choices and value not in choices:
                raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ConfigError(f"{name} must be true or false, not {value!r}")
        period = self.get_parameter("diagnostic_updater.period").value
        if not (isinstance(period, (int, float)) and 0 < period < 3600):
            raise ConfigError(f"diagnostic_updater.period must be between 0 and 3600 seconds (exclusive), not {period!r}")
        quality = self.get_parameter("annotated_jpeg_quality").value
        if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
            raise ConfigError(f"annotated_jpeg_quality must be a whole number from 1 to 100, not {quality!r}")
        for name in ("diagnostics.min_rate_hz", "diagnostics.max_stamp_delay_ms", "depth.slop_ms", "depth.wait_ms"):
            value = self.get_parameter(name).value
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
                raise ConfigError(f"{name} must be a number of at least 0, not {value!r}")
        timeout = self.get_parameter("transform_timeout").value
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= 5:
            raise ConfigError(f"transform_timeout must be between 0 and 5 seconds, not {timeout!r}")
        if not isinstance(self.get_parameter("target_frame").value, str):
            raise ConfigError(f"target_frame must be a frame name, not {self.get_parameter('target_frame').value!r}")

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Build the pipeline (load the models) and the publishers; all or nothing: on any failure (a model,
        a parameter, a bad qos_overrides value) what was built is released, the reason logged and kept for
        diagnostics, and the node stays unconfigured."""
        try:
            self._check_node_parameters()
            self._jpeg_quality = int(self.get_parameter("annotated_jpeg_quality").value)
            self.pipeline = OcrPipeline.from_config(self.engine_config(), logger=_RosLogAdapter(self.get_logger()))
            self.tracker = WordTracker(TrackingSettings.from_config(self.pipeline.config))
            self._requested_config, self._pending_config = self.pipeline.config, None
            self._create_publishers()
        except Exception as exc:  # rclpy would swallow it and leave half a node behind
            return self._failed("configure", exc)
        self.config_error = ""
        return super().on_configure(state)

    def _create_publishers(self) -> None:
        # qos_overrides.<topic>.publisher.{depth,history,reliability} in the params file apply (ROS convention)
        overridable = {"qos_overriding_options": QoSOverridingOptions.with_default_policies()}
        self._pub_detections = self.create_lifecycle_publisher(TextDetectionArray, "text_detections", 10, **overridable)
        self._pub_image = self.create_lifecycle_publisher(Image, "text_detections/image", 1, **overridable)
        # image_transport's name for the same image as JPEG (2.7 MB a raw 1280 x 720 frame is a lot over Wi-Fi)
        self._pub_jpeg = self.create_lifecycle_publisher(CompressedImage, "text_detections/image/compressed", 1,
                                                         **overridable)
        if Detection2DArray is not None and self.get_parameter("publish_vision_msgs").value:
            self._pub_vision = self.create_lifecycle_publisher(Detection2DArray, "text_detections/vision", 10,
                                                               **overridable)
        if self.get_parameter("depth.enabled").value:
            self.depth = DepthInput(self, float(self.get_parameter("depth.slop_ms").value),
                                    float(self.get_parameter("depth.wait_ms").value),
                                    bool(self.get_parameter("depth.rectified").value))
            self._pub_markers = self.create_lifecycle_publisher(MarkerArray, "text_detections/markers", 10, **overridable)
            self.target_frame = self.get_parameter("target_frame").value.strip("/")
            if self.target_frame:
                self.transforms = TransformLookup(self)
                self.get_logger().info(f"positions in '{self.target_frame}', transforms from {self.transforms.source}")
            if Detection3DArray is not None and self.get_parameter("publish_vision_msgs").value:
                self._pub_vision3d = self.create_lifecycle_publisher(Detection3DArray, "text_detections/detections_3d",
                                                                     10, **overridable)

    def _failed(self, transition: str, exc: Exception, release: bool = True) -> TransitionCallbackReturn:
        """A transition that raised: undo it, say why in the log and in diagnostics, report FAILURE."""
        reason = str(exc) if isinstance(exc, EdgeOcrError) else f"{type(exc).__name__}: {exc}"
        self._stop_threads()
        self._unsubscribe()
        if release:
            self._release()
        self.config_error = f"{transition} failed: {reason}"
        self.get_logger().error(self.config_error)
        return TransitionCallbackReturn.FAILURE

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Enable the publishers, then subscribe and start the workers (so no early result is lost); all or
        nothing: on failure the workers stop, the subscriptions go, the publishers are disabled again and
        the node stays inactive (configured)."""
        result = super().on_activate(state)  # enables the lifecycle publishers: no early result is lost
        try:
            self._running = running = threading.Event()
            running.set()
            self.frames.reopen()
            self.annotations.reopen()
            self.tracker.reset()  # a new stream: no track carries over a pause
            self._threads = [threading.Thread(target=self._work, args=(running,), name="ocr_worker", daemon=True),
                             threading.Thread(target=self._annotate, args=(running,), name="ocr_annotator", daemon=True)]
            for t in self._threads:
                t.start()
            self._subscribe()
        except Exception as exc:  # e.g. the input's qos_overrides refused by rclpy
            failed = self._failed("activate", exc, release=False)
            super().on_deactivate(state)
            return failed
        self.config_error = ""
        return result

    def on_error(self, state: LifecycleState) -> TransitionCallbackReturn:
        """An error in a transition (rclpy's ErrorProcessing): release everything and go back to
        unconfigured, so that configure can be tried again."""
        self._stop_threads()
        self._unsubscribe()
        self._release()
        if not self.config_error:
            self.config_error = f"error while in state {state.label}: released, now unconfigured"
        self.get_logger().error(self.config_error)
        return TransitionCallbackReturn.SUCCESS

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Unsubscribe and stop the workers; the models stay loaded."""
        self._stop_threads()
        self._unsubscribe()
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release the pipeline and the publishers."""
        self._release()
        return super().on_cleanup(state)

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        """From any state: stop reading, release everything; diagnostics then say the node is finalized."""
        self._stop_threads()
        self._unsubscribe()
        self._release()
        self.config_error = "shut down (finalized)"
        return super().on_shutdown(state)

    def _destroy_lifecycle_publisher(self, pub) -> None:
        """rclpy from Kilted on has destroy_lifecycle_publisher; older rclpy (Jazzy 7.1.6) does not, and
        its destroy_publisher leaves the publisher in the node's managed entities: drop it there too."""
        if hasattr(self, "destroy_lifecycle_publisher"):
            self.destroy_lifecycle_publisher(pub)
            return
        getattr(self, "_managed_entities", set()).discard(pub)
        self.destroy_publisher(pub)

    def _release(self) -> None:
        """Destroy the lifecycle publishers (so that the node's managed entities do not pile up over
        configure/cleanup cycles) and drop the models. Never waits for a frame still running in a worker of
        an ended activation (that holds its own pipeline reference, and its result is discarded): the
        executor, which runs transitions, parameters and diagnostics, is not blocked by it."""
        for pub in (self._pub_detections, self._pub_image, self._pub_jpeg, self._pub_vision, self._pub_markers,
                    self._pub_vision3d):
            if pub is not None:
                self._destroy_lifecycle_publisher(pub)
        self._pub_detections = self._pub_image = self._pub_jpeg = self._pub_vision = self._pub_markers = None
        self._pub_vision3d = None
        if self.transforms is not None:
            self.transforms.close()
        self.transforms, self.target_frame = None, ""
        self.depth = None
        self.pipeline = None

    def _stop_threads(self) -> None:
        self._running.clear()
        self.frames.close()
        self.annotations.close()
        for t in self._threads:
            t.join(timeout=5.0)
        self._threads = []

    # ---- input ------------------------------------------------------------------------------
    @property
    def input_topic(self) -> str:
        """The image topic the node reads (relative: remap it)."""
        return "image/compressed" if self.get_parameter("input_transport").value == "compressed" else "image"

    def _publisher_reliabilities(self, topic: str) -> set[ReliabilityPolicy]:
        return {info.qos_profile.reliability for info in self.get_publishers_info_by_topic(self.resolve_topic_name(topic))}

    def _wanted_reliability(self, topic: str) -> ReliabilityPolicy:
        """The setting, or for auto the publishers' own reliability (reliable when none is seen yet)."""
        setting = self.get_parameter("qos_reliability").value
        if setting != "auto":
            return RELIABILITY[setting]
        found = self._publisher_reliabilities(topic)
        return ReliabilityPolicy.BEST_EFFORT if ReliabilityPolicy.BEST_EFFORT in found else ReliabilityPolicy.RELIABLE

    def _subscribe(self) -> None:
        if self.depth is not None:
            self.depth.subscribe(self._wanted_reliability("depth"))
        reliability = self._wanted_reliability(self.input_topic)
        if self._subscription is not None:
            self.destroy_subscription(self._subscription)
        msg_type = CompressedImage if self.input_topic.endswith("compressed") else Image
        callback = self._on_image_with_info if MESSAGE_INFO_CALLBACKS else self._on_image
        self._subscription = self.create_subscription(msg_type, self.input_topic, callback,
                                                      QoSProfile(depth=1, reliability=reliability),
                                                      qos_overriding_options=SUBSCRIPTION_OVERRIDES)
        self._subscribed_reliability = reliability
        self.get_logger().info(f"subscribed to {self.resolve_topic_name(self.input_topic)} ({msg_type.__name__}, "
                               f"{reliability.name.lower()}, depth 1)")

    def _unsubscribe(self) -> None:
        if self._subscription is not None:
            self.destroy_subscription(self._subscription)
            self._subscription = None
        if self.depth is not None:
            self.depth.unsubscribe()

    def _check_qos(self) -> None:
        """Follow the publishers' reliability in auto mode; warn about mismatches otherwise."""
        if self._subscription is None:
            return
        setting = self.get_parameter("qos_reliability").value
        found = self._publisher_reliabilities(self.input_topic)
        if self.depth is not None:
            self.depth.check_publishers()
        depth_publishers = self._publisher_reliabilities("depth") if self.depth is not None and setting == "auto" else set()
        if depth_publishers and self._wanted_reliability("depth") != self.depth.reliability:
            self.get_logger().info("depth publisher reliability changed; resubscribing to match it")
            self.depth.subscribe(self._wanted_reliability("depth"))
        if setting == "auto":
            if found and self._wanted_reliability(self.input_topic) != self._subscribed_reliability:
                self.get_logger().info("image publisher reliability changed; resubscribing to match it")
                self._subscribe()
        elif setting == "reliable" and ReliabilityPolicy.BEST_EFFORT in found:
            warn(self.get_logger(), "qos_reliability is reliable but the image publisher is best-effort: no images will "
                                   "arrive; set qos_reliability to auto or best_effort", throttle_duration_sec=10.0)
        elif setting == "best_effort" and ReliabilityPolicy.RELIABLE in found:
            warn(self.get_logger(), f"qos_reliability is best_effort with a reliable publisher: {FASTDDS_HINT}",
                                   throttle_duration_sec=30.0)

    def _on_image_with_info(self, msg, info) -> None:
        """Kilted's rclpy hands over message info: count the frames lost before this callback."""
        gid = info.get("publisher_gid") or {}
        self.stats.sequence(bytes(gid.get("data", b"")) if isinstance(gid, dict) else str(gid),
                            info.get("publication_sequence_number"))
        self._on_image(msg)

    def _on_image(self, msg) -> None:
        """Queue the frame (drop-oldest), with its claim on the depth image taken with it (depth.enabled)."""
        claim = self.depth.claim(msg.header) if self.depth is not None else None
        self.stats.received(self.frames.put((msg, time.monotonic(), claim)))

    # ---- work -------------------------------------------------------------------------------
    def _decode(self, msg) -> np.ndarray:
        if isinstance(msg, CompressedImage):
            return compressed_to_bgr(msg.data)
        return raw_to_bgr(msg.encoding, msg.width, msg.height, msg.step, msg.data, bool(msg.is_bigendian))

    def _work(self, running: threading.Event) -> None:
        while running.is_set():
            item = self.frames.take(timeout=0.5)
            if item is None:
                continue
            with self._pipeline_lock:  # a worker of an earlier activation may still finish a slow frame
                pipeline = self.pipeline  # cleanup may drop the node's reference meanwhile, never this frame's
                if running.is_set() and pipeline is not None:
                    self._process(pipeline, running, *item)

    def _take_pending_config(self) -> OcrConfig | None:
        with self._config_lock:
            config, self._pending_config = self._pending_config, None
        return config

    def _process(self, pipeline: OcrPipeline, running: threading.Event, msg, received: float, claim) -> None:
        """One frame, start to end (``received``: time.monotonic() at reception): nothing raised here may
        end the worker. ``running`` is the activation the frame was taken in: a frame that outlasts it (a
        slow frame across deactivate and activate) is discarded, never tracked or published with an old
        stamp into the next activation."""
        try:
            config = self._take_pending_config()
            if config is not None:
                pipeline.update(config)
                self.tracker.configure(TrackingSettings.from_config(config))
            image = self._decode(msg)
            words = pipeline.run(image)
            if not running.is_set():
                self.stats.stale()
                self.get_logger().info("a frame finished after its activation ended: discarded")
                return
            result = self._locate(self.tracker.update(words), claim, msg.header)
        except InputImageError as exc:
            self.stats.error("bad_input", str(exc))
            self.get_logger().error(f"dropped a bad image: {exc}", throttle_duration_sec=5.0)
            return
        except Exception as exc:  # keep serving: a crash here would silence the node
            self.stats.error("processing", f"{type(exc).__name__}: {exc}")
            self.get_logger().error(f"OCR failed: {type(exc).__name__}: {exc}", throttle_duration_sec=5.0)
            return
        try:
            self._publish(msg.header, result, image, received)
        except Exception as exc:  # a publisher gone in a transition, a message field out of range
            self.stats.error("processing", f"publishing: {type(exc).__name__}: {exc}")
            self.get_logger().error(f"publishing failed: {type(exc).__name__}: {exc}", throttle_duration_sec=5.0)

    def _locate(self, result: OcrResult, claim, header) -> OcrResult:
        """3D positions from the paired depth image (depth.enabled), in target_frame when one is set; a bad
        depth image, or no transform at the image's stamp, is counted and the words go out without positions."""
        if self.depth is None:
            return result
        try:
            result = self.depth.locate(result, claim)
        except InputImageError as exc:
            self.stats.error("bad_input", f"depth: {exc}")
            self.get_logger().error(f"no positions for this frame: {exc}", throttle_duration_sec=5.0)
            return result
        if self.transforms is None or not any(w.position is not None for w in result.words):
            return result
        try:
            to_target = self.transforms.matrix(self.target_frame, header.frame_id, header.stamp,
                                               float(self.get_parameter("transform_timeout").value))
        except TransformUnavailableError as exc:
            self.stats.last_error = f"no transform: {exc}"
            warn(self.get_logger(), f"positions left out of this frame: {exc}", throttle_duration_sec=5.0)
            to_target = None
        return self.depth.to_target(result, to_target)

    def _publish(self, header, result: OcrResult, image: np.ndarray, received: float) -> None:
        positions = Header(stamp=header.stamp, frame_id=self.target_frame or header.frame_id)
        if self._pub_detections is not None:
            self._pub_detections.publish(to_message(result, header, positions.frame_id))
        if self._pub_vision is not None:
            self._pub_vision.publish(to_vision_message(result, header, with_poses=not self.target_frame))
        if self._pub_vision3d is not None:
            self._pub_vision3d.publish(to_vision3d_message(result, positions))
        if self._pub_markers is not None and self._pub_markers.get_subscription_count() > 0:
            self._pub_markers.publish(to_markers(result, positions))
        # latency: reception to publication on a steady clock (a replayed bag's old stamps do not count);
        # stamp delay: the node's clock (sim time with use_sim_time) against the image stamp, reported apart
        latency_ms = (time.monotonic() - received) * 1e3
        stamp_ns = header.stamp.sec * 1_000_000_000 + header.stamp.nanosec
        delay_ms = (self.get_clock().now().nanoseconds - stamp_ns) / 1e6 if stamp_ns > 0 else None
        self.stats.processed(latency_ms, delay_ms)
        if any(pub is not None and pub.get_subscription_count() > 0 for pub in (self._pub_image, self._pub_jpeg)):
            self.annotations.put((image, result, header))

    def _annotate(self, running: threading.Event) -> None:
        while running.is_set():
            item = self.annotations.take(timeout=0.5)
            raw, jpeg = self._pub_image, self._pub_jpeg
            if item is None or raw is None or jpeg is None:
                continue
            image, result, header = item
            try:  # draw in place when the frame buffer is ours to change
                drawn = draw_words(image, result.words, copy=not image.flags.writeable, lines=result.lines)
                if raw.get_subscription_count() > 0:
                    raw.publish(to_image_message(drawn, header))
                if jpeg.get_subscription_count() > 0:
                    jpeg.publish(to_jpeg_message(drawn, header, self._jpeg_quality))
            except Exception as exc:  # keep the thread alive: annotation is best effort
                self.stats.error("processing", f"annotation: {type(exc).__name__}: {exc}")
                self.get_logger().error(f"annotated image failed: {exc}", throttle_duration_sec=5.0)

    def _restart_dead_threads(self) -> bool:
        """While active, a worker that died (it should not: _process catches everything) is restarted, and
        the diagnostics say so: the node never stops answering while reporting OK."""
        dead = [i for i, t in enumerate(self._threads) if not t.is_alive()]
        for i in dead:
            old = self._threads[i]
            self.stats.error("processing", f"thread {old.name} had stopped")
            self.get_logger().error(f"thread {old.name} had stopped; restarting it")
            target = self._work if old.name == "ocr_worker" else self._annotate
            self._threads[i] = threading.Thread(target=target, args=(self._running,), name=old.name, daemon=True)
            self._threads[i].start()
        return bool(dead)

    # ---- diagnostics ------------------------------------------------------------------------
    def _diagnostics(self) -> None:
        self._check_qos()
        w = self.stats.window()
        status = DiagnosticStatus(name=f"{self.get_fully_qualified_name()}: text reading", hardware_id="")
        values = {"input_fps": f"{w.input_fps:.2f}", "output_fps": f"{w.output_fps:.2f}",
                  "dropped_frames": str(w.dropped), "dropped_frames_total": str(self.stats.total_dropped),
                  "frames_received_total": str(self.stats.total_received),
                  "lost_in_transport": str(w.lost) if MESSAGE_INFO_CALLBACKS else "not counted by this rclpy",
                  "lost_in_transport_total": str(self.stats.total_lost) if MESSAGE_INFO_CALLBACKS else "",
                  "frames_processed_total": str(self.stats.total_processed),
                  "stale_frames_discarded_total": str(self.stats.total_stale),
                  "latency_p50_ms": f"{w.latency_p50_ms:.1f}" if w.latency_p50_ms is not None else "",
                  "latency_p95_ms": f"{w.latency_p95_ms:.1f}" if w.latency_p95_ms is not None else "",
                  "stamp_delay_p50_ms": f"{w.stamp_delay_p50_ms:.1f}" if w.stamp_delay_p50_ms is not None else "",
                  "bad_inputs": str(w.errors["bad_input"]), "bad_inputs_total": str(self.stats.total_errors["bad_input"]),
                  "processing_errors": str(w.errors["processing"]),
                  "processing_errors_total": str(self.stats.total_errors["processing"]),
                  "last_error": self.stats.last_error}
        if self.depth is not None:  # every word without a position is counted, with why
            missing, reasons = self.depth.missing_summary()
            values.update(positions_located_total=str(self.depth.located), positions_missing_total=str(missing),
                          positions_missing_reasons=reasons)
        if self.pipeline is not None:
            det, rec = self.pipeline.detector_accelerator, self.pipeline.recognizer_accelerator
            tpu = det.edgetpu or rec.edgetpu
            status.hardware_id = f"Edge TPU {tpu.device or 'default'}" if tpu is not None else cpu_name()
            values.update(accelerator=f"detector: {det.name}, recognizer: {rec.name}",
                          detector_model=", ".join(str(p) for p in det.model_paths),
                          recognizer_model=str(rec.model_paths[0]), precision=self.pipeline.config["precision"])
        if self.config_error and (self.pipeline is None or self._subscription is None):  # a failed transition
            status.level, status.message = DiagnosticStatus.ERROR, self.config_error
        elif self.pipeline is None:  # deliberately, e.g. waiting for a lifecycle manager: not a fault
            status.level, status.message = DiagnosticStatus.OK, "unconfigured: waiting for configure (models not loaded)"
        elif self._subscription is None:
            status.level, status.message = DiagnosticStatus.OK, "inactive: configured, waiting for activate"
        elif self._restart_dead_threads():
            status.level, status.message = DiagnosticStatus.ERROR, "a worker thread had stopped; restarted it"
        elif w.errors["processing"]:
            status.level, status.message = DiagnosticStatus.ERROR, f"{w.errors['processing']} frame(s) failed"
        elif w.errors["bad_input"]:
            status.level, status.message = DiagnosticStatus.WARN, f"{w.errors['bad_input']} bad input image(s)"
        elif w.received == 0:
            status.level, status.message = DiagnosticStatus.WARN, f"no images on {self.resolve_topic_name(self.input_topic)}"
        elif (expected := self.get_parameter("diagnostics.min_rate_hz").value) and w.output_fps < 0.9 * expected:
            status.level, status.message = DiagnosticStatus.WARN, f"output {w.output_fps:.1f} Hz, below the expected {expected:g} Hz"
        elif ((limit := self.get_parameter("diagnostics.max_stamp_delay_ms").value) and w.stamp_delay_p50_ms is not None
              and w.stamp_delay_p50_ms > limit):
            status.level, status.message = DiagnosticStatus.WARN, (f"image stamps {w.stamp_delay_p50_ms:.0f} ms old, more "
                                                                   f"than the accepted {limit:g} ms")
        elif w.dropped > w.received // 2:
            status.level, status.message = DiagnosticStatus.OK, "running; input faster than OCR, newest frames kept"
        else:
            status.level, status.message = DiagnosticStatus.OK, "running"
        publish_status(self, self._diag_pub, status, values)


class _RosLogAdapter:
    """Lets the pipeline's logging calls go to the ROS logger."""

    def __init__(self, logger) -> None:
        self._logger = logger

    def info(self, fmt: str, *args: Any) -> None:
        self._logger.info(fmt % args if args else fmt)

    def warning(self, fmt: str, *args: Any) -> None:
        warn(self._logger, fmt % args if args else fmt)


def main(args: list[str] | None = None) -> int:
    """The ``ocr_node`` executable: spin the node until shutdown; returns the exit status."""
    rclpy.init(args=args)
    node = OcrNode()
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        if node.get_parameter("autostart").value:
            node.trigger_configure()
            if node.pipeline is not None:
                node.trigger_activate()
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node._stop_threads()
        node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0
