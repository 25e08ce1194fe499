"""The real ocr_node on a real ROS 2 graph (rclpy + FastDDS), talking to real publishers and subscribers.

Most tests run the fixture models (fast, known answers) on camera-sized images; the params-file and
burst tests run the bundled default models.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
import rclpy
import rclpy.logging
import yaml
from diagnostic_msgs.msg import DiagnosticArray
from edge_ocr_ros.msg import TextDetectionArray
from helpers import FIXTURES, KNOWN_BOX, KNOWN_TEXT, REPO, fixture_config, known_image, png_bomb
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rcl_interfaces.srv import SetParameters
from rclpy.executors import MultiThreadedExecutor, SingleThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from std_msgs.msg import Header
from visualization_msgs.msg import Marker, MarkerArray

from edge_ocr_ros.ros.messages import to_image_message
from edge_ocr_ros.ros.node import OcrNode, cpu_name
from edge_ocr_ros.ros.ros_logging import warn

FIXTURE_PARAMS = {k: v for k, v in fixture_config().as_dict().items() if k.startswith(("detector.", "recognizer."))
                  or k == "edgetpu"}


@pytest.fixture(scope="module", autouse=True)
def ros():
    rclpy.init()
    yield
    rclpy.shutdown()


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def latest_diagnostics(received: list[DiagnosticArray]) -> dict[str, str]:
    """The values, level and message of the next diagnostics message to arrive in ``received``."""
    received.clear()
    assert wait_for(lambda: len(received) > 0, 5.0)
    status = received[-1].status[0]
    return {**{kv.key: kv.value for kv in status.values}, "level": int.from_bytes(status.level, "little")
            if isinstance(status.level, bytes) else int(status.level), "message": status.message,
            "hardware_id": status.hardware_id}


def call_service(node, srv_type, name: str, request, discovery_s: float = 5.0):
    """Call a service from ``node`` (spun elsewhere) and wait for the answer. FastDDS on Jazzy can lose a request
    sent right after ``wait_for_service`` sees the server (its request reader not yet matched to the client):
    a request not answered in 5 s is sent again, and the first answer counts (every call here is idempotent or
    asserted on the first answer)."""
    client = node.create_client(srv_type, name)
    assert client.wait_for_service(discovery_s), f"service {name} missing"
    futures = []
    for _ in range(3):
        futures.append(client.call_async(request))
        if wait_for(lambda: any(f.done() for f in futures), 5.0):
            return next(f for f in futures if f.done()).result()
    raise AssertionError(f"service {name} never answered (3 requests)")


def image_msg(bgr: np.ndarray, stamp: int = 7, frame: str = "camera_optical", encoding: str = "bgr8",
              pad: int = 0) -> Image:
    h, w = bgr.shape[:2]
    if encoding == "bgr8":
        rows = bgr.reshape(h, -1)
    elif encoding == "rgb8":
        rows = bgr[..., ::-1].reshape(h, -1)
    elif encoding in ("bgra8", "rgba8"):
        code = cv2.COLOR_BGR2BGRA if encoding == "bgra8" else cv2.COLOR_BGR2RGBA
        rows = cv2.cvtColor(bgr, code).reshape(h, -1)
    elif encoding == "mono8":
        rows = bgr[..., 0]
    elif encoding == "mono16":
        rows = (bgr[..., 0].astype("<u2") * 16).view(np.uint8).reshape(h, -1)  # 12-bit sensor values
    elif encoding in ("yuv422", "yuv422_yuy2"):  # grey image: U = V = 128
        y = bgr[..., 0]
        chroma = np.full_like(y, 128)
        pairs = np.stack([chroma, y], axis=-1) if encoding == "yuv422" else np.stack([y, chroma], axis=-1)
        rows = pairs.reshape(h, -1)
    else:
        rows = bgr.reshape(h, -1)
    rows = rows.reshape(h, -1)
    rows = np.concatenate([rows, np.zeros((h, pad), np.uint8)], axis=1) if pad else rows
    header = Header(frame_id=frame)
    header.stamp.sec, header.stamp.nanosec = stamp, 123
    return to_image_message(rows, header, encoding, width=w)


def camera_image(width: int = 640, height: int = 480) -> tuple[np.ndarray, np.ndarray]:
    """The known image scaled to a real camera size, and where the known box lands in it."""
    img = cv2.resize(known_image(), (width, height), interpolation=cv2.INTER_NEAREST)
    return img, KNOWN_BOX * [width / 64, height / 64]


class Graph:
    """An ocr_node and a tester node in one namespace, spun by a background executor."""

    def __init__(self, ns: str, params: dict | None = None, autostart: bool = True) -> None:
        overrides = [Parameter(k, value=v) for k, v in {**FIXTURE_PARAMS, **(params or {})}.items()]
        self.ocr = OcrNode(namespace=ns, parameter_overrides=overrides)
        self.tester = rclpy.create_node("tester", namespace=ns)
        self.results: list[TextDetectionArray] = []
        self.diagnostics: list[DiagnosticArray] = []
        self.tester.create_subscription(TextDetectionArray, "text_detections", self.results.append, 50)
        self.tester.create_subscription(DiagnosticArray, "/diagnostics", self._on_diag, 50)
        # one thread, and transitions run in it (lifecycle()): as under `ros2 run`, where they arrive as
        # service callbacks. Destroying entities from another thread while the executor gathers them races
        # in Jazzy's rclpy (ros2/rclpy#1284: the executor thread dies with InvalidHandle).
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.ocr)
        self.executor.add_node(self.tester)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()
        if autostart:
            self.lifecycle("configure", "activate")

    def lifecycle(self, *transitions: str) -> None:
        """Trigger the ocr_node's transitions in the executor's thread, one after the other."""
        for name in transitions:
            task = self.executor.create_task(getattr(self.ocr, f"trigger_{name}"))
            assert wait_for(task.done, 30.0), f"{name} did not finish"
            task.result()

    def _on_diag(self, msg: DiagnosticArray) -> None:
        if msg.status and msg.status[0].name.startswith(self.ocr.get_fully_qualified_name() + ":"):
            self.diagnostics.append(msg)

    def publisher(self, msg_type=Image, topic: str = "image", reliability=ReliabilityPolicy.RELIABLE):
        pub = self.tester.create_publisher(msg_type, topic, QoSProfile(depth=1, reliability=reliability))
        assert wait_for(lambda: pub.get_subscription_count() > 0), f"ocr_node never subscribed to {topic}"
        return pub

    def assert_answers(self, stamp: int) -> None:
        """Publish one camera frame stamped ``stamp`` and wait for its results."""
        img, _ = camera_image()
        self.publisher().publish(image_msg(img, stamp=stamp))
        assert wait_for(lambda: any(r.header.stamp.sec == stamp for r in self.results))

    def latest_diagnostics(self) -> dict[str, str]:
        return latest_diagnostics(self.diagnostics)

    def call(self, srv_type, name: str, request):
        return call_service(self.tester, srv_type, name, request)

    def close(self) -> None:
        self.executor.shutdown()
        self.ocr._stop_threads()
        self.ocr.destroy_node()
        self.tester.destroy_node()


@pytest.fixture
def graph(request):
    made: list[Graph] = []

    def make(params=None, autostart=True):
        g = Graph(f"/t_{request.node.name.split('[')[0][5:]}_{len(made)}", params, autostart)
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()


@pytest.mark.parametrize("size", [(640, 480), (1280, 720)])
def test_words_come_back_with_the_input_header(graph, size):
    g = graph()
    pub = g.publisher()
    img, box = camera_image(*size)
    pub.publish(image_msg(img, stamp=42, frame="cam_left"))
    assert wait_for(lambda: g.results)
    out = g.results[0]
    assert (out.header.stamp.sec, out.header.stamp.nanosec, out.header.frame_id) == (42, 123, "cam_left")
    assert (out.image_width, out.image_height) == size
    assert [d.text for d in out.detections] == [KNOWN_TEXT]
    det = out.detections[0]
    np.testing.assert_allclose([[p.x, p.y] for p in det.polygon], box, atol=size[0] / 64)
    assert det.roi.width > 0 and 0 < det.text_confidence <= 1 and 0 < det.detection_confidence <= 1


def test_a_sign_moving_across_the_frames_keeps_one_track_and_comes_with_its_line(graph):
    g = graph({"tracking.min_frames": 2})
    pub = g.publisher()
    img, _ = camera_image()
    for i in range(4):
        pub.publish(image_msg(np.roll(img, 30 * i, axis=1), stamp=i + 1))  # the sign moves right, 30 px a frame
        assert wait_for(lambda n=i + 1: len(g.results) == n)
    first, *tracked = g.results
    assert first.detections == [] and first.lines == []  # min_frames 2: not confirmed yet
    assert len({m.detections[0].track_id for m in tracked}) == 1 and tracked[0].detections[0].track_id > 0
    assert [m.detections[0].frames_seen for m in tracked] == [2, 3, 4]
    assert all(m.detections[0].text == m.detections[0].frame_text == KNOWN_TEXT for m in tracked)
    line = tracked[-1].lines[0]
    assert (line.text, list(line.word_indices), line.block) == (KNOWN_TEXT, [0], 0)
    assert [(p.x, p.y) for p in line.polygon] == [(p.x, p.y) for p in tracked[-1].detections[0].polygon]


def test_a_sign_on_a_plane_two_metres_away_is_placed_there_in_3d(graph):
    g = graph({"depth.enabled": True})
    markers: list[MarkerArray] = []
    g.tester.create_subscription(MarkerArray, "text_detections/markers", markers.append, 10)
    info_pub = g.publisher(CameraInfo, "camera_info")
    depth_pub = g.publisher(Image, "depth")
    colour_pub = g.publisher()
    img, box = camera_image()
    header = Header(frame_id="camera_color_optical_frame")
    header.stamp.sec, header.stamp.nanosec = 5, 0
    info_pub.publish(CameraInfo(header=header, width=640, height=480, k=[500.0, 0.0, 320.0, 0.0, 500.0, 240.0, 0.0, 0.0, 1.0]))
    plane = np.full((240, 320), 2000, np.uint16)  # 16UC1 millimetres, at half the colour resolution
    plane[::7, ::5] = 0  # holes, as a real sensor has
    depth_pub.publish(to_image_message(plane.view(np.uint8).reshape(240, -1), header, "16UC1", width=320))
    time.sleep(0.3)  # the depth arrives first here; a frame whose depth comes later is paired after OCR anyway
    header.stamp.nanosec = 10_000_000  # the colour frame, 10 ms after the depth (within depth.slop_ms)
    colour_pub.publish(to_image_message(img, header))
    assert wait_for(lambda: g.results)
    det = g.results[-1].detections[0]
    assert det.has_position and det.position.z == pytest.approx(2.0, abs=0.05)
    u, v = np.asarray(box).mean(axis=0)
    assert (det.position.x, det.position.y) == pytest.approx(((u - 320) * 2.0 / 500, (v - 240) * 2.0 / 500), abs=0.05)
    assert wait_for(lambda: markers)
    delete_all, text = markers[-1].markers
    assert delete_all.action == Marker.DELETEALL and text.text == det.text and text.header.frame_id == header.frame_id
    # a frame with no depth within the slop still goes out, without a position
    header.stamp.sec = 9
    colour_pub.publish(to_image_message(img, header))
    assert wait_for(lambda: g.results[-1].header.stamp.sec == 9)
    assert [d.has_position for d in g.results[-1].detections] == [False]


def test_positions_without_a_transform_to_target_frame_are_left_out_and_counted(graph):
    """target_frame names a frame no transform leads to: the words go out without positions (never at a
    made-up place), position_frame_id says the frame asked for, diagnostics count them with the reason."""
    g = graph({"depth.enabled": True, "target_frame": "nowhere", "transform_timeout": 0.05})
    info_pub = g.publisher(CameraInfo, "camera_info")
    depth_pub = g.publisher(Image, "depth")
    colour_pub = g.publisher()
    img, _ = camera_image()
    header = Header(frame_id="camera_color_optical_frame")
    header.stamp.sec = 5
    info_pub.publish(CameraInfo(header=header, width=640, height=480, k=[500.0, 0.0, 320.0, 0.0, 500.0, 240.0, 0.0, 0.0, 1.0]))
    depth_pub.publish(to_image_message(np.full((480, 640), 2000, np.uint16).view(np.uint8).reshape(480, -1), header,
                                       "16UC1", width=640))
    time.sleep(0.3)
    colour_pub.publish(to_image_message(img, header))
    assert wait_for(lambda: g.results)
    assert g.results[-1].position_frame_id == "nowhere"
    assert [(d.has_position, d.position.z) for d in g.results[-1].detections] == [(False, 0.0)]
    d = g.latest_diagnostics()
    assert "no transform to target_frame" in d["positions_missing_reasons"] and d["positions_located_total"] == "0"


def test_without_depth_words_have_no_position(graph):
    g = graph()
    g.assert_answers(stamp=4)
    assert [(d.has_position, d.position.z) for d in g.results[-1].detections] == [(False, 0.0)]
    assert g.results[-1].position_frame_id == g.results[-1].header.frame_id


def test_empty_results_are_published_too(graph):
    g = graph()
    g.publisher().publish(image_msg(np.full((480, 640, 3), 100, np.uint8), stamp=3))
    assert wait_for(lambda: g.results)
    assert g.results[0].detections == [] and g.results[0].header.stamp.sec == 3


@pytest.mark.parametrize("encoding", ["bgr8", "rgb8", "bgra8", "rgba8", "mono8", "mono16", "yuv422", "yuv422_yuy2"])
def test_every_encoding_with_row_padding(graph, encoding):
    g = graph()
    pub = g.publisher()
    img, box = camera_image()
    pub.publish(image_msg(img, encoding=encoding, pad=32))
    assert wait_for(lambda: g.results)
    assert [d.text for d in g.results[0].detections] == [KNOWN_TEXT], encoding
    np.testing.assert_allclose([[p.x, p.y] for p in g.results[0].detections[0].polygon], box, atol=10)


def test_compressed_input(graph):
    g = graph({"input_transport": "compressed"})
    pub = g.publisher(CompressedImage, "image/compressed")
    img, _ = camera_image()
    msg = CompressedImage(format="png")
    msg.header.stamp.sec = 9
    msg.data = cv2.imencode(".png", img)[1].tobytes()
    pub.publish(msg)
    assert wait_for(lambda: g.results)
    assert g.results[0].header.stamp.sec == 9 and [d.text for d in g.results[0].detections] == [KNOWN_TEXT]


def test_best_effort_publisher_is_matched(graph):
    g = graph()
    pub = g.tester.create_publisher(Image, "image", QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT))
    # auto: the node resubscribes best-effort once it sees the publisher (checked with diagnostics, 1 Hz)
    assert wait_for(lambda: g.ocr._subscribed_reliability == ReliabilityPolicy.BEST_EFFORT, 5.0)
    img = cv2.resize(known_image(), (320, 240), interpolation=cv2.INTER_NEAREST)  # < 0.5 MB: arrives best-effort
    assert wait_for(lambda: pub.get_subscription_count() > 0)
    for _ in range(20):
        pub.publish(image_msg(img))
        if wait_for(lambda: g.results, 0.5):
            break
    assert g.results and [d.text for d in g.results[0].detections] == [KNOWN_TEXT]


def test_annotated_image_is_published_to_subscribers(graph):
    g = graph()
    annotated: list[Image] = []
    g.tester.create_subscription(Image, "text_detections/image", annotated.append, 5)
    assert wait_for(lambda: g.ocr._pub_image.get_subscription_count() > 0)
    img, _ = camera_image()
    g.publisher().publish(image_msg(img, stamp=11))
    assert wait_for(lambda: annotated)
    out = annotated[0]
    assert (out.width, out.height, out.encoding, out.header.stamp.sec) == (640, 480, "bgr8", 11)
    drawn = np.frombuffer(bytes(out.data), np.uint8).reshape(480, 640, 3)
    assert not np.array_equal(drawn, img)  # polygon and label were drawn


def test_annotated_image_as_jpeg_only_while_someone_subscribes(graph):
    """text_detections/image/compressed (image_transport's name) carries the annotated frame as JPEG; nothing
    is drawn or encoded for the raw topic nobody watches, and without subscribers nothing at all."""
    g = graph({"annotated_jpeg_quality": 60})
    img, _ = camera_image()
    g.publisher().publish(image_msg(img, stamp=30))
    assert wait_for(lambda: any(r.header.stamp.sec == 30 for r in g.results))
    assert g.ocr.annotations.take(timeout=0.2) is None  # no subscriber: not even queued for drawing
    jpegs: list[CompressedImage] = []
    g.tester.create_subscription(CompressedImage, "text_detections/image/compressed", jpegs.append, 5)
    assert wait_for(lambda: g.ocr._pub_jpeg.get_subscription_count() > 0)
    g.publisher().publish(image_msg(img, stamp=31))
    assert wait_for(lambda: jpegs)
    out = jpegs[0]
    assert out.format == "bgr8; jpeg compressed bgr8" and out.header.stamp.sec == 31
    decoded = cv2.imdecode(np.frombuffer(bytes(out.data), np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == img.shape and len(out.data) < img.nbytes / 5
    assert g.ocr._pub_image.get_subscription_count() == 0


def test_bad_inputs_leave_the_node_serving_and_are_counted(graph):
    g = graph()
    pub = g.publisher()
    img, _ = camera_image()
    bayer = image_msg(img)
    bayer.encoding = "bayer_rggb8"
    short = image_msg(img)
    short.data = bytes(short.data)[:1000]
    empty = Image(encoding="bgr8")
    for bad in (bayer, short, empty):
        pub.publish(bad)
        time.sleep(0.2)
    pub.publish(image_msg(img, stamp=99))
    assert wait_for(lambda: any(r.header.stamp.sec == 99 for r in g.results))
    assert g.ocr.stats.total_errors["bad_input"] == 3
    diag = g.latest_diagnostics()
    assert diag["bad_inputs_total"] == "3" and diag["processing_errors_total"] == "0"
    assert "encoding" in g.ocr.stats.last_error or "bytes" in g.ocr.stats.last_error or "empty" in g.ocr.stats.last_error


def test_diagnostics_report_rates_latency_and_models(graph):
    g = graph()
    pub = g.publisher()
    img, _ = camera_image()
    for _ in range(10):
        msg = image_msg(img, stamp=0)
        now = time.time()
        msg.header.stamp.sec, msg.header.stamp.nanosec = int(now), int((now % 1) * 1e9)
        pub.publish(msg)
        time.sleep(0.05)
    assert wait_for(lambda: len(g.results) >= 5)
    time.sleep(0.2)
    diag = g.latest_diagnostics()
    for key in ("input_fps", "output_fps", "dropped_frames", "latency_p50_ms", "latency_p95_ms", "accelerator",
                "detector_model", "recognizer_model", "bad_inputs"):
        assert key in diag
    assert diag["accelerator"] == "detector: cpu, recognizer: cpu"
    assert diag["detector_model"].endswith("east_known_box.tflite")


def test_int8_precision_runs_the_int8_models_from_a_string_array_parameter(graph):
    """precision: int8 on the CPU with detector.int8_models (a string array); tiling changes at runtime."""
    g = graph({"precision": "int8", "detector.int8_models": [str(FIXTURES / "east_known_box_int8.tflite")],
               "recognizer.int8_model": str(FIXTURES / "crnn_stripes_int8.tflite")})
    pub = g.publisher()
    img, box = camera_image(128, 128)
    pub.publish(image_msg(img, stamp=3))
    assert wait_for(lambda: g.results)
    assert [d.text for d in g.results[0].detections] == [KNOWN_TEXT]
    np.testing.assert_allclose([[p.x, p.y] for p in g.results[0].detections[0].polygon], box, atol=2)
    diag = g.latest_diagnostics()
    assert diag["precision"] == "int8" and diag["detector_model"].endswith("east_known_box_int8.tflite")
    request = SetParameters.Request(parameters=[Parameter("detector.tiles", value="2x2").to_parameter_msg()])
    assert g.call(SetParameters, g.ocr.get_fully_qualified_name() + "/set_parameters", request).results[0].successful
    bad = SetParameters.Request(parameters=[Parameter("detector.tiles", value="9x0").to_parameter_msg()])
    assert "COLSxROWS" in g.call(SetParameters, g.ocr.get_fully_qualified_name() + "/set_parameters", bad).results[0].reason
    pub.publish(image_msg(img, stamp=4))
    assert wait_for(lambda: any(r.header.stamp.sec == 4 for r in g.results))
    assert g.ocr.pipeline.detector.plan.tiled


def test_runtime_parameter_changes(graph):
    g = graph()
    name = g.ocr.get_fully_qualified_name() + "/set_parameters"

    def set_param(key, value):
        req = SetParameters.Request(parameters=[Parameter(key, value=value).to_parameter_msg()])
        return g.call(SetParameters, name, req).results[0]

    assert set_param("detector.score_threshold", 0.95).successful
    rejected = set_param("detector.score_threshold", 1.5)
    assert not rejected.successful and "1.5" in rejected.reason and ("out of range" in rejected.reason or "between" in rejected.reason)
    assert not set_param("detector.width", 128).successful  # read-only: needs a model reload
    assert not set_param("recognizer.beam_width", 0).successful
    assert not set_param("recognizer.lexicon_margin", -1.0).successful
    assert not set_param("recognizer.lexicon", "other.txt").successful  # read-only: loaded at configure
    assert set_param("recognizer.lexicon_margin", 2.5).successful
    # valid changes take effect on the next frame, all of them: nothing is confident enough now
    assert set_param("recognizer.min_text_confidence", 0.99).successful
    assert set_param("detector.padding", 0.05).successful
    pub = g.publisher()
    img, _ = camera_image()
    pub.publish(image_msg(img, stamp=5))
    assert wait_for(lambda: g.results)
    assert g.results[-1].detections == []
    assert set_param("recognizer.min_text_confidence", 0.0).successful
    pub.publish(image_msg(img, stamp=6))
    assert wait_for(lambda: any(r.header.stamp.sec == 6 for r in g.results))
    assert [d.text for d in g.results[-1].detections] == [KNOWN_TEXT]
    assert g.ocr.pipeline.config["detector.padding"] == 0.05 and g.ocr.pipeline.config["detector.score_threshold"] == 0.95
    assert g.ocr.pipeline.config["recognizer.lexicon_margin"] == 2.5


def test_lifecycle_transitions(graph):
    g = graph({"autostart": False}, autostart=False)
    node = g.ocr.get_fully_qualified_name()

    def state() -> str:
        return g.call(GetState, f"{node}/get_state", GetState.Request()).current_state.label

    def change(transition: int) -> bool:
        return g.call(ChangeState, f"{node}/change_state", ChangeState.Request(transition=Transition(id=transition))).success

    assert state() == "unconfigured" and g.ocr.pipeline is None
    assert change(Transition.TRANSITION_CONFIGURE) and state() == "inactive" and g.ocr.pipeline is not None
    assert change(Transition.TRANSITION_ACTIVATE) and state() == "active"
    pub = g.publisher()
    img, _ = camera_image()
    pub.publish(image_msg(img, stamp=1))
    assert wait_for(lambda: g.results)
    assert change(Transition.TRANSITION_DEACTIVATE) and state() == "inactive"
    g.results.clear()
    pub.publish(image_msg(img, stamp=2))
    assert not wait_for(lambda: g.results, 1.0)  # inactive: not subscribed, nothing published
    assert change(Transition.TRANSITION_CLEANUP) and state() == "unconfigured" and g.ocr.pipeline is None


def test_configure_rejects_an_invalid_node_parameter(graph):
    g = graph({"input_transport": "carrier_pigeon"}, autostart=False)
    g.lifecycle("configure")
    assert g.ocr.pipeline is None and "input_transport must be one of raw, compressed" in g.ocr.config_error


def test_configure_fails_cleanly_on_a_missing_model(graph, tmp_path):
    g = graph({"detector.model": str(tmp_path / "missing.tflite")}, autostart=False)
    g.lifecycle("configure")
    assert g.ocr.pipeline is None and "does not exist" in g.ocr.config_error
    diag = g.latest_diagnostics()
    assert diag["level"] == 2 and "does not exist" in diag["message"]


def test_a_burst_does_not_queue(graph):
    """100 frames at once: the node drops stale ones, answers the newest, and latency stays bounded."""
    g = graph({k: v for k, v in fixture_config().as_dict().items() if k == "edgetpu"} | {
        "detector.model": "east_fp16.tflite", "recognizer.model": "crnn_fp16.tflite", "recognizer.charset": "charset.txt",
        "detector.width": 960, "detector.height": 544})  # the bundled models: tens of ms per frame
    pub = g.publisher()
    img, _ = camera_image(1280, 720)
    msgs = [image_msg(img, stamp=1000 + i) for i in range(100)]
    t0 = time.monotonic()
    for m in msgs:
        pub.publish(m)
    sent = time.monotonic()
    assert wait_for(lambda: any(r.header.stamp.sec == 1099 for r in g.results), 20.0), "the newest frame was not answered"
    answered = time.monotonic()
    time.sleep(0.5)
    stamps = [r.header.stamp.sec for r in g.results]
    # stale frames were dropped, by the depth-1 subscription or by the node's slot (counted), never queued
    assert len(stamps) < 100 and stamps == sorted(stamps)
    assert g.ocr.stats.total_dropped + len(stamps) <= 100
    per_frame = (answered - t0) / max(len(stamps), 1)
    assert answered - sent < 5 * per_frame + 2.0  # no backlog: the last answer follows the last frame closely
    assert g.latest_diagnostics()["dropped_frames_total"] == str(g.ocr.stats.total_dropped)


class NodeProcess:
    """One of the package's nodes (ocr_node by default) as users start it, in its own process, with a tester
    node spinning beside it."""

    def __init__(self, name: str, ros_args: list[str], env: dict[str, str] | None = None,
                 executable: str = "ocr_node") -> None:
        cmd = [sys.executable, str(REPO / "scripts" / executable), "--ros-args", *ros_args]
        self.proc = subprocess.Popen(cmd, env=env or dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.node = rclpy.create_node(name)
        self.executor = MultiThreadedExecutor()
        self.executor.add_node(self.node)
        threading.Thread(target=self.executor.spin, daemon=True).start()
        self.output = ""

    def publish_until_answered(self, pub, msg, answered: Callable[[], bool], tries: int = 30) -> bool:
        """The publisher may see the subscription before the node's side has matched it, and a loaded machine
        delays both: publish again each second until an answer comes."""
        assert wait_for(lambda: pub.get_subscription_count() > 0, 30.0), "the node did not subscribe"
        for _ in range(tries):
            pub.publish(msg)
            if wait_for(answered, 1.0):
                return True
        return False

    def peak_rss_kb(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.output, _ = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.output, _ = self.proc.communicate()
        self.executor.shutdown()
        self.node.destroy_node()
        return self.output


def test_params_file_and_remapping_in_a_separate_process():
    """ocr_node as users start it: its own process, the params file, a remapped image topic."""
    run = NodeProcess("pf_tester", ["--params-file", str(REPO / "config" / "edge_ocr.yaml"), "-r", "__ns:=/pf",
                                    "-r", "image:=/pf/camera/image_raw", "-p", "detector.width:=480",
                                    "-p", "detector.height:=352"])
    results: list[TextDetectionArray] = []
    run.node.create_subscription(TextDetectionArray, "/pf/text_detections", results.append, 10)
    pub = run.node.create_publisher(Image, "/pf/camera/image_raw", 1)
    try:
        sign = cv2.imread(str(sorted((REPO / "samples" / "signs").glob("*.jpg"))[0]))
        assert run.publish_until_answered(pub, image_msg(sign, stamp=77, frame="robot_cam"), lambda: results)
        assert results[0].header.stamp.sec == 77 and results[0].header.frame_id == "robot_cam"
        assert results[0].image_width == sign.shape[1]
    finally:
        out = run.stop()
    assert "up to 480x352" in out  # the -p override on top of the params file
    assert "subscribed to /pf/camera/image_raw" in out


def test_a_png_bomb_is_refused_by_the_node_in_its_own_process():
    """The issue's 107 kB 1-bit PNG declaring 30000 x 30000 (5.3 GB when decoded) as a CompressedImage: the
    node, started as users start it and without the limit in its environment, refuses it by its header,
    counts it, stays far below a gigabyte and answers the next frame."""
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_IO_MAX_IMAGE_PIXELS"}
    run = NodeProcess("bomb_tester", ["--params-file", str(REPO / "config" / "edge_ocr.yaml"), "-r", "__ns:=/bomb",
                                      "-p", "input_transport:=compressed"], env=env)
    results: list[TextDetectionArray] = []
    diagnostics: list[DiagnosticArray] = []
    run.node.create_subscription(TextDetectionArray, "/bomb/text_detections", results.append, 10)
    run.node.create_subscription(DiagnosticArray, "/diagnostics", diagnostics.append, 10)
    pub = run.node.create_publisher(CompressedImage, "/bomb/image/compressed", 10)
    try:
        bomb = CompressedImage(format="png", data=png_bomb(30000, 30000, 1))
        assert len(bomb.data) < 200_000
        sign = CompressedImage(format="png", data=cv2.imencode(".png", camera_image()[0])[1].tobytes())
        sign.header.stamp.sec = 5
        assert run.publish_until_answered(pub, sign, lambda: results)  # the node is up and reading

        def bad_inputs() -> int:
            values = [kv.value for d in diagnostics for s in d.status for kv in s.values if kv.key == "bad_inputs_total"]
            return int(values[-1]) if values else 0
        pub.publish(bomb)  # alone: a frame right behind it would replace it in the node's drop-oldest slot
        assert wait_for(lambda: bad_inputs() >= 1, 10.0)
        sign.header.stamp.sec = 6
        assert run.publish_until_answered(pub, sign, lambda: any(r.header.stamp.sec == 6 for r in results))
        assert run.peak_rss_kb() < 1_000_000
    finally:
        out = run.stop()
    assert "100 MP" in out and "Traceback" not in out


def test_warnings_use_the_loggers_own_method_with_a_fallback_for_older_rclpy():
    """rclpy from Jazzy on has logger.warning (and deprecates warn); an older logger has only warn."""
    calls = []

    class HumbleLogger:  # only the older method
        def warn(self, message, **kwargs):
            calls.append(("warn", message, kwargs))

    warn(HumbleLogger(), "old", throttle_duration_sec=5.0)
    logger = rclpy.logging.get_logger("edge_ocr_test")
    assert hasattr(logger, "warning")  # this run's rclpy (Kilted, or Jazzy in make test-jazzy) has it
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        warn(logger, "new")  # no DeprecationWarning from the deprecated warn()
    assert calls == [("warn", "old", {"throttle_duration_sec": 5.0})]


def test_parameter_changes_are_never_lost_while_the_worker_applies_earlier_ones(graph):
    """A change set while the worker holds an earlier one (taken, not yet applied) keeps both."""
    g = graph()
    node = g.ocr
    assert node._on_set_parameters([Parameter("detector.padding", value=0.3)]).successful
    taken = node._take_pending_config()  # the worker has taken it and not applied it yet
    assert node._on_set_parameters([Parameter("detector.score_threshold", value=0.8)]).successful
    node.pipeline.update(taken)
    node.pipeline.update(node._take_pending_config())
    assert (node.pipeline.config["detector.padding"], node.pipeline.config["detector.score_threshold"]) == (0.3, 0.8)


def test_lifecycle_cycles_keep_entities_and_threads_constant_and_results_flow_at_once(graph):
    g = graph({"autostart": False}, autostart=False)
    node = g.ocr
    entities = []
    for _ in range(100):
        g.lifecycle("configure", "activate", "deactivate", "cleanup")
        entities.append(len(node._managed_entities))
    assert len(set(entities)) == 1, entities
    workers = [t for t in threading.enumerate() if t.name == "ocr_worker" and t.is_alive()]
    assert workers == []
    g.lifecycle("configure", "activate")
    assert len([t for t in threading.enumerate() if t.name == "ocr_worker" and t.is_alive()]) == 1
    g.assert_answers(stamp=11)  # the first frame after activation is answered: publishers were enabled first


def test_a_worker_that_stops_is_reported_and_restarted(graph):
    g = graph()
    node = g.ocr
    node._running.clear()  # the worker and annotator leave their loops, as if they had died
    node.frames.close()
    assert wait_for(lambda: not any(t.is_alive() for t in node._threads))
    node._running.set()
    node.frames.reopen()
    messages = [g.latest_diagnostics() for _ in range(2)]  # the first may predate the check
    assert any(d["level"] == 2 and "restarted" in d["message"] for d in messages), messages
    assert all(t.is_alive() for t in node._threads)
    g.assert_answers(stamp=12)


def test_shutdown_from_active_stops_reading_and_says_so(graph):
    g = graph()
    node = g.ocr
    g.lifecycle("shutdown")
    assert node._subscription is None and node.pipeline is None
    diag = g.latest_diagnostics()
    assert diag["level"] == 2 and "shut down" in diag["message"]


def test_integers_for_decimals_and_on_off_booleans_for_edgetpu_are_accepted_at_start(graph):
    """-p detector.padding:=0, mean: [123, 116, 103], diagnostic_updater.period: 1 and a YAML `edgetpu: off`
    (a boolean to YAML and to launch_ros) configure the node; no rclpy type exception."""
    g = graph({"detector.padding": 0, "detector.mean": [123, 116, 103], "diagnostic_updater.period": 1, "edgetpu": False})
    assert g.ocr.pipeline is not None
    assert g.ocr.pipeline.config["detector.padding"] == 0.0 and g.ocr.pipeline.config["edgetpu"] == "off"
    assert g.ocr.pipeline.config["detector.mean"] == [123.0, 116.0, 103.0]
    request = SetParameters.Request(parameters=[Parameter("detector.padding", value=1).to_parameter_msg()])
    result = g.call(SetParameters, g.ocr.get_fully_qualified_name() + "/set_parameters", request).results[0]
    assert result.successful, result.reason  # an integer at runtime too (rclpy said "expected '3' got '2'")


@pytest.mark.parametrize("name, value, message", [
    ("detector.score_threshold", -0.5, "detector.score_threshold must be between 0 and 1, not -0.5"),
    ("detector.score_threshold", float("nan"), "detector.score_threshold must be a float"),
    ("num_threads", 0, "num_threads must be between 1 and 64, not 0"),
    ("detector.tiles", "3by3", "detector.tiles must be auto, off or COLSxROWS"),
    ("edgetpu", True, "edgetpu is 'on' but the Edge TPU model"),
    ("diagnostic_updater.period", -1.0, "diagnostic_updater.period must be between 0 and 3600"),
    ("diagnostics.min_rate_hz", -5, "diagnostics.min_rate_hz must be a number of at least 0"),
    ("autostart", "yes", "autostart must be true or false"),
])
def test_a_bad_start_up_value_leaves_the_node_up_unconfigured_and_saying_why(graph, name, value, message):
    g = graph({name: value}, autostart=False)
    g.lifecycle("configure")  # what autostart does first; it fails, so activation is not attempted
    assert g.ocr.pipeline is None
    diag = g.latest_diagnostics()
    assert diag["level"] == 2 and message in diag["message"], diag["message"]
    g.lifecycle("configure")  # still refused, still serving diagnostics: fix the value, then configure
    assert g.ocr.pipeline is None


def test_latency_is_measured_from_reception_and_the_stamp_delay_apart(graph):
    """A bag replayed with hour-old stamps: latency stays the node's own (milliseconds), the stamp delay
    says an hour (it used to be reported as the latency, and the node stayed OK)."""
    g = graph()
    pub = g.publisher()
    img, _ = camera_image()
    old = time.time() - 3600
    for i in range(5):
        msg = image_msg(img)
        msg.header.stamp.sec, msg.header.stamp.nanosec = int(old) + i, 0
        pub.publish(msg)
        time.sleep(0.05)
    assert wait_for(lambda: len(g.results) >= 3)
    time.sleep(0.2)
    diag = g.latest_diagnostics()
    assert float(diag["latency_p50_ms"]) < 1000 and 3_500_000 < float(diag["stamp_delay_p50_ms"]) < 3_700_000


def test_models_change_by_reconfiguring_and_are_refused_while_configured(graph):
    """Model settings are read at configure: refused (with the way to do it) while configured, accepted
    while unconfigured, used by the next configure."""
    g = graph()
    node = g.ocr
    name = node.get_fully_qualified_name() + "/set_parameters"

    def set_param(key, value):
        return g.call(SetParameters, name, SetParameters.Request(parameters=[Parameter(key, value=value).to_parameter_msg()])).results[0]

    refused = set_param("precision", "int8")
    assert not refused.successful and "clean up the node, set it, then configure" in refused.reason
    g.lifecycle("deactivate", "cleanup")
    assert set_param("precision", "int8").successful
    assert set_param("detector.int8_models", [str(FIXTURES / "east_known_box_int8.tflite")]).successful
    assert set_param("recognizer.int8_model", str(FIXTURES / "crnn_stripes_int8.tflite")).successful
    assert not set_param("precision", "int4").successful  # still validated
    g.lifecycle("configure", "activate")
    assert node.pipeline.config["precision"] == "int8" and not node.pipeline.detector.dynamic_size
    g.assert_answers(stamp=21)
    assert [d.text for d in g.results[-1].detections] == [KNOWN_TEXT]


def test_an_unknown_parameter_is_named_with_the_closest_valid_one():
    node = OcrNode(namespace="/t_unknown", parameter_overrides=[Parameter("detector.score_treshold", value=0.5)])
    try:
        assert node.unknown_parameters == [
            "unknown parameter 'detector.score_treshold' is ignored; did you mean 'detector.score_threshold'?"]
    finally:
        node.destroy_node()


def test_deliberately_unconfigured_and_inactive_are_ok_with_a_message(graph):
    g = graph({"autostart": False}, autostart=False)
    diag = g.latest_diagnostics()
    assert diag["level"] == 0 and "waiting for configure" in diag["message"]
    g.lifecycle("configure")
    diag = g.latest_diagnostics()
    assert diag["level"] == 0 and "waiting for activate" in diag["message"]
    assert diag["hardware_id"] == cpu_name() and diag["hardware_id"] not in ("", "cpu")  # the CPU's model


def test_frames_lost_before_the_callback_are_counted_where_rclpy_gives_sequence_numbers(graph):
    """Kilted's rclpy passes publication sequence numbers to the callback: every frame the node never
    saw is counted (none here: reliable, slow); Jazzy's does not, and diagnostics say so."""
    from edge_ocr_ros.ros.node import MESSAGE_INFO_CALLBACKS

    g = graph()
    for stamp in (31, 32, 33):
        g.assert_answers(stamp=stamp)
    diag = g.latest_diagnostics()
    assert diag["frames_received_total"] == "3"
    if MESSAGE_INFO_CALLBACKS:
        assert diag["lost_in_transport_total"] == "0"
    else:
        assert diag["lost_in_transport"] == "not counted by this rclpy"


def test_expected_rate_and_stamp_delay_warn_when_set(graph):
    """diagnostic_updater-style expectations: an output rate below diagnostics.min_rate_hz, or image stamps
    older than diagnostics.max_stamp_delay_ms, turn diagnostics to WARN (both off by default)."""
    def warning_after_a_frame(g, stamp: int, words: str) -> dict:
        for _ in range(5):  # a diagnostics period without a frame says "no images" instead: try the next one
            g.assert_answers(stamp=stamp)
            diag = g.latest_diagnostics()
            if words in diag["message"]:
                return diag
        return diag

    rate = warning_after_a_frame(graph({"diagnostics.min_rate_hz": 1000.0}), int(time.time()), "below the expected")
    assert rate["level"] == 1 and "below the expected 1000 Hz" in rate["message"], rate["message"]
    old = warning_after_a_frame(graph({"diagnostics.max_stamp_delay_ms": 1000.0}), int(time.time()) - 3600, "ms old")
    assert old["level"] == 1 and "ms old" in old["message"], old["message"]


def test_qos_overrides_from_the_params_file_apply(graph):
    """ROS's qos_overrides.<topic>.<publisher|subscription>.<policy> parameters reach the node's entities;
    the input's reliability stays qos_reliability's."""
    ns = "/t_qos_overrides_from_the_params_file_apply_0"  # the graph fixture names namespaces after the test
    g = graph({f"qos_overrides.{ns}/text_detections.publisher.depth": 5,
               f"qos_overrides.{ns}/image.subscription.depth": 3})
    assert g.ocr.get_namespace() == ns
    assert g.ocr._pub_detections.qos_profile.depth == 5 and g.ocr._subscription.qos_profile.depth == 3
    assert g.ocr.unknown_parameters == []
    g.assert_answers(stamp=41)


@pytest.mark.parametrize("written, configured", [("on", False), ("off", True), ("true", False), ("false", True),
                                                  ("auto", True)])
def test_edgetpu_as_launch_and_params_files_deliver_it(graph, written, configured):
    """launch_ros passes argument values through yaml.safe_load, and params files are YAML: on/off/true/false
    arrive as booleans. They mean on and off; without a TPU, on fails configure with one sentence."""
    g = graph({"edgetpu": yaml.safe_load(written)}, autostart=False)
    g.lifecycle("configure")
    assert (g.ocr.pipeline is not None) == configured
    if not configured:
        assert "edgetpu is 'on'" in g.ocr.config_error and "\n" not in g.ocr.config_error



def test_reactivation_during_a_slow_frame_never_runs_two_frames_at_once(graph):
    """A frame that outlasts deactivate's wait (5 s) keeps its worker busy; after activate the new worker
    waits for it: one frame in the pipeline at a time, and the node answers afterwards. The slow frame
    belongs to the ended activation: it is discarded and counted, never tracked into the new activation's
    fresh tracker nor published with its old stamp."""
    g = graph()
    node = g.ocr
    run, inside, most = node.pipeline.run, [], []
    slow = threading.Event()
    slow.set()

    def observed_run(image):
        inside.append(1)
        most.append(len(inside))
        try:
            if slow.is_set():
                slow.clear()
                time.sleep(6.0)
            return run(image)
        finally:
            inside.pop()

    node.pipeline.run = observed_run
    img, _ = camera_image()
    g.publisher().publish(image_msg(img, stamp=51))
    assert wait_for(lambda: most, 5.0)  # the slow frame is running
    g.lifecycle("deactivate")  # gives up waiting after 5 s; the old worker is still inside its frame
    g.lifecycle("activate")
    assert wait_for(lambda: node.stats.total_stale == 1, 5.0)
    g.assert_answers(stamp=52)
    assert 51 not in [r.header.stamp.sec for r in g.results]
    answer = next(r for r in g.results if r.header.stamp.sec == 52)
    assert [d.frames_seen for d in answer.detections] == [1]  # the stale frame never reached the fresh tracker
    assert g.latest_diagnostics()["stale_frames_discarded_total"] == "1"
    assert max(most) == 1
    assert len([t for t in threading.enumerate() if t.name == "ocr_worker" and t.is_alive()]) == 1


def node_state(g: Graph) -> str:
    return g.call(GetState, f"{g.ocr.get_fully_qualified_name()}/get_state", GetState.Request()).current_state.label


def test_a_configure_that_raises_leaves_nothing_behind(graph):
    """A bad qos_overrides value makes rclpy raise while the second publisher is created: configure fails
    as a whole (no pipeline, no publisher left), the reason is logged and in diagnostics, and the node is
    unconfigured, as it reports."""
    ns = "/t_a_configure_that_raises_leaves_nothing_behind_0"
    g = graph({f"qos_overrides.{ns}/text_detections/image.publisher.reliability": "sometimes"}, autostart=False)
    g.lifecycle("configure")
    assert node_state(g) == "unconfigured"
    assert g.ocr.pipeline is None and g.ocr._pub_detections is None
    assert g.tester.count_publishers(f"{ns}/text_detections") == 0
    assert "configure failed" in g.ocr.config_error and "sometimes" in g.ocr.config_error
    diag = g.latest_diagnostics()
    assert diag["level"] == 2 and "configure failed" in diag["message"]


def test_an_activate_that_raises_stops_what_it_started(graph):
    """A bad subscription override makes rclpy raise at activate: the workers stop, nothing is subscribed,
    the publishers are disabled again, the node stays inactive and says why; cleanup then works."""
    ns = "/t_an_activate_that_raises_stops_what_it_started_0"
    g = graph({f"qos_overrides.{ns}/image.subscription.history": "everything"}, autostart=False)
    g.lifecycle("configure", "activate")
    assert node_state(g) == "inactive"
    assert g.ocr._subscription is None and g.ocr._threads == []
    assert not [t for t in threading.enumerate() if t.name in ("ocr_worker", "ocr_annotator") and t.is_alive()
                and t in g.ocr._threads]
    assert "activate failed" in g.ocr.config_error
    assert g.latest_diagnostics()["level"] == 2
    assert g.tester.count_subscribers(f"{ns}/image") == 0
    g.lifecycle("cleanup")
    assert node_state(g) == "unconfigured" and g.ocr.pipeline is None


def test_loading_a_dump_of_the_node_is_accepted_while_configured(graph):
    """`ros2 param load` of a `ros2 param dump` sets every parameter again, configure-time ones included:
    values equal to the node's own are accepted; a different value is still refused with the advice."""
    g = graph()
    name = g.ocr.get_fully_qualified_name() + "/set_parameters"
    dump = [Parameter(n, value=g.ocr.get_parameter(n).value) for n in ("detector.width", "detector.int8_models",
                                                                      "recognizer.lexicon", "input_transport",
                                                                      "detector.score_threshold")]
    results = g.call(SetParameters, name, SetParameters.Request(parameters=[p.to_parameter_msg() for p in dump])).results
    assert all(r.successful for r in results), [r.reason for r in results]
    changed = SetParameters.Request(parameters=[Parameter("detector.width", value=g.ocr.get_parameter("detector.width").value
                                                          + 32).to_parameter_msg()])
    refused = g.call(SetParameters, name, changed).results[0]
    assert not refused.successful and "read when the node is configured" in refused.reason
    g.assert_answers(stamp=8)


def test_the_site_vocabulary_changes_at_run_time_between_frames(graph):
    """recognizer.site_words (room names) is a runtime parameter: accepted while active, applied by the
    worker before its next frame, and the node keeps answering."""
    g = graph()
    name = g.ocr.get_fully_qualified_name() + "/set_parameters"
    request = SetParameters.Request(parameters=[Parameter("recognizer.site_words", value="abba, baab").to_parameter_msg()])
    assert g.call(SetParameters, name, request).results[0].successful
    g.assert_answers(stamp=21)
    lexicon = g.ocr.pipeline.recognizer.lexicon
    assert lexicon.knows("ABBA") and lexicon.knows("baab")
    request = SetParameters.Request(parameters=[Parameter("recognizer.site_words", value="").to_parameter_msg()])
    assert g.call(SetParameters, name, request).results[0].successful
    g.assert_answers(stamp=22)
    assert g.ocr.pipeline.recognizer.lexicon is g.ocr.pipeline.recognizer.base_lexicon


CAMERA_K = [500.0, 0.0, 320.0, 0.0, 500.0, 240.0, 0.0, 0.0, 1.0]


def depth_plane(header: Header, metres: float = 2.0) -> Image:
    """A 640 x 480 32FC1 depth image of a plane ``metres`` away."""
    plane = np.full((480, 640), metres, np.float32)
    return to_image_message(plane.view(np.uint8), header, "32FC1", width=640)


def stamped(sec: int, frame: str = "camera_color_optical_frame") -> Header:
    header = Header(frame_id=frame)
    header.stamp.sec = sec
    return header


def latched_camera_info(g: Graph, **fields):
    """A camera_info publisher that latches (transient local), as many drivers' are, and its one message."""
    qos = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    pub = g.tester.create_publisher(CameraInfo, "camera_info", qos)
    pub.publish(CameraInfo(header=stamped(1), width=640, height=480, k=CAMERA_K, **fields))
    return pub


def test_a_latched_camera_info_is_received_and_depth_after_its_frame_still_places_every_word(graph):
    """Two defects: a transient-local camera_info sent once before the node subscribed was never received
    (the subscription was volatile); and a depth image published with its colour frame but arriving after
    it (large messages are fragmented) was looked up after OCR and missed: 26-28 % of words had no
    position. Now every frame with depth in time is placed, and nothing is missing uncounted."""
    g = graph({"depth.enabled": True}, autostart=False)
    info_pub = latched_camera_info(g)  # sent before the node exists on the graph
    g.lifecycle("configure", "activate")
    assert wait_for(lambda: g.ocr.depth.camera_info is not None, 5.0), "the latched camera_info never arrived"
    colour_pub, depth_pub = g.publisher(), g.publisher(Image, "depth")
    img, _ = camera_image()
    for sec in range(10, 16):
        colour_pub.publish(to_image_message(img, stamped(sec)))
        time.sleep(0.05)
        depth_pub.publish(depth_plane(stamped(sec)))
        assert wait_for(lambda s=sec: any(r.header.stamp.sec == s for r in g.results), 10.0)
    answers = [r for r in g.results if r.header.stamp.sec >= 10]
    assert [d.has_position for r in answers for d in r.detections] == [True] * 6
    assert all(d.position.z == pytest.approx(2.0, abs=0.01) for r in answers for d in r.detections)
    diag = g.latest_diagnostics()
    assert diag["positions_missing_total"] == "0" and diag["positions_located_total"] == "6"
    del info_pub


def test_a_slow_frame_keeps_the_depth_taken_with_it(graph):
    """On a slow CPU (a Pi 4) many depth images arrive while one frame is read: the one taken with it
    is kept from its reception on, not looked for afterwards among the last few."""
    g = graph({"depth.enabled": True})
    info_pub = latched_camera_info(g)
    assert wait_for(lambda: g.ocr.depth.camera_info is not None, 5.0)
    colour_pub, depth_pub = g.publisher(), g.publisher(Image, "depth")
    run = g.ocr.pipeline.run

    def slow_run(image):
        time.sleep(0.8)
        return run(image)

    g.ocr.pipeline.run = slow_run
    img, _ = camera_image()
    depth_pub.publish(depth_plane(stamped(20)))
    time.sleep(0.1)
    colour_pub.publish(to_image_message(img, stamped(20)))
    for i in range(1, 25):  # 30 Hz of depth while the frame is read, none within the slop of it
        time.sleep(0.02)
        header = stamped(20)
        header.stamp.nanosec = i * 33_333_333 + 40_000_000
        depth_pub.publish(depth_plane(header, metres=5.0))
    assert wait_for(lambda: any(r.header.stamp.sec == 20 for r in g.results), 10.0)
    (answer,) = [r for r in g.results if r.header.stamp.sec == 20]
    assert [(d.has_position, round(d.position.z, 2)) for d in answer.detections] == [(True, 2.0)]
    del info_pub


def test_positions_missing_are_counted_with_why(graph):
    """No depth in time, and a camera_info of another resolution: the words go out without position, and
    diagnostics count each with its reason."""
    g = graph({"depth.enabled": True, "depth.wait_ms": 50.0})
    info_pub = latched_camera_info(g)
    assert wait_for(lambda: g.ocr.depth.camera_info is not None, 5.0)
    img, _ = camera_image()
    g.publisher().publish(to_image_message(img, stamped(30)))
    assert wait_for(lambda: any(r.header.stamp.sec == 30 for r in g.results), 10.0)
    info_pub.publish(CameraInfo(header=stamped(31), width=1280, height=960, k=CAMERA_K))
    assert wait_for(lambda: g.ocr.depth.camera_info.width == 1280, 5.0)
    g.publisher(Image, "depth").publish(depth_plane(stamped(32)))
    time.sleep(0.2)
    g.publisher().publish(to_image_message(img, stamped(32)))
    assert wait_for(lambda: any(r.header.stamp.sec == 32 for r in g.results), 10.0)
    assert not any(d.has_position for r in g.results for d in r.detections)
    diag = g.latest_diagnostics()
    assert diag["positions_missing_total"] == "2"
    assert "no depth image" in diag["positions_missing_reasons"] and "another image size" in diag["positions_missing_reasons"]
    assert "camera_info describes 1280 x 960" in g.ocr.stats.last_error


def test_intrinsics_are_forgotten_when_the_camera_is_gone(graph):
    g = graph({"depth.enabled": True})
    info_pub = latched_camera_info(g)
    assert wait_for(lambda: g.ocr.depth.camera_info is not None, 5.0)
    g.tester.destroy_publisher(info_pub)
    assert wait_for(lambda: g.ocr.depth.camera_info is None, 5.0)  # checked with diagnostics, every second


def test_vision_msgs_carry_the_track_id_and_the_position():
    """Written against vision_msgs (Humble and later); vision_msgs is not on PyPI, so this runs on a robot."""
    pytest.importorskip("vision_msgs", reason="vision_msgs is not on PyPI; runs where apt's ROS 2 has it")
    from edge_ocr_ros.results import OcrResult, Word
    from edge_ocr_ros.ros.messages import to_vision_message

    quad = np.array([[10, 10], [50, 10], [50, 30], [10, 30]], np.float32)
    word = Word("EXIT", 0.99, 0.9, quad, (10, 10, 40, 20), track_id=7, position=(0.5, -0.1, 2.0))
    msg = to_vision_message(OcrResult(words=[word], width=64, height=48), stamped(3))
    (det,) = msg.detections
    assert det.id == "7" and det.results[0].hypothesis.class_id == "EXIT"
    assert (det.results[0].pose.pose.position.x, det.results[0].pose.pose.position.z) == (0.5, 2.0)
    assert to_vision_message(OcrResult(words=[word], width=64, height=48), stamped(3),
                             with_poses=False).detections[0].results[0].pose.pose.position.z == 0.0


def test_vision_msgs_3d_carry_the_track_id_the_text_the_position_and_the_words_size():
    """Written against vision_msgs (Humble and later); runs on a robot. Words without a position are left out."""
    pytest.importorskip("vision_msgs", reason="vision_msgs is not on PyPI; runs where apt's ROS 2 has it")
    from edge_ocr_ros.results import OcrResult, Word
    from edge_ocr_ros.ros.messages import to_vision3d_message

    quad = np.array([[10, 10], [50, 10], [50, 30], [10, 30]], np.float32)
    located = Word("EXIT", 0.99, 0.9, quad, (10, 10, 40, 20), track_id=7, position=(4.0, 1.5, 1.4), extent=(0.4, 0.15))
    unlocated = Word("PUSH", 0.99, 0.9, quad, (10, 10, 40, 20), track_id=8)
    header = stamped(3)
    header.frame_id = "map"
    msg = to_vision3d_message(OcrResult(words=[located, unlocated], width=64, height=48), header)
    (det,) = msg.detections
    assert msg.header.frame_id == "map" and det.id == "7" and det.results[0].hypothesis.class_id == "EXIT"
    assert (det.bbox.center.position.x, det.bbox.center.position.z) == (4.0, 1.4)
    assert (det.bbox.size.x, det.bbox.size.y) == pytest.approx((0.4, 0.15))


def test_cleanup_does_not_wait_for_a_frame_left_running(graph):
    """Cleanup used to take the pipeline lock and so block the executor (transitions, parameters,
    diagnostics) until a frame still running from the ended activation finished."""
    g = graph()
    node = g.ocr
    run, started = node.pipeline.run, threading.Event()

    def slow_run(image):
        started.set()
        time.sleep(9.0)
        return run(image)

    node.pipeline.run = slow_run
    img, _ = camera_image()
    g.publisher().publish(image_msg(img, stamp=61))
    assert started.wait(5.0)
    g.lifecycle("deactivate")  # gives up waiting for the worker after 5 s; about 4 s of the frame remain
    t0 = time.monotonic()
    g.lifecycle("cleanup")
    assert time.monotonic() - t0 < 2.0 and node.pipeline is None
    assert wait_for(lambda: node.stats.total_stale == 1, 10.0)  # the frame ended later, discarded
    assert 61 not in [r.header.stamp.sec for r in g.results]
