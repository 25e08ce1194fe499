"""text_map_node on a real ROS 2 graph: sightings in, landmarks, markers, find_text and clear out, the map
file across a kill -9, and bad parameters refused with a reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

rclpy = pytest.importorskip("rclpy")
pytest.importorskip("edge_ocr_ros.srv", reason="the package's interfaces are not built (make build)")

from diagnostic_msgs.msg import DiagnosticArray  # noqa: E402
from edge_ocr_ros.msg import TextDetection, TextDetectionArray, TextLandmarkArray, TextLine  # noqa: E402
from edge_ocr_ros.srv import FindText  # noqa: E402
from geometry_msgs.msg import Point  # noqa: E402
from helpers import REPO  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402
from test_node_graph import call_service, latest_diagnostics, wait_for  # noqa: E402
from visualization_msgs.msg import Marker, MarkerArray  # noqa: E402

from edge_ocr_ros.ros.text_map_node import TextMapNode  # noqa: E402

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)


@pytest.fixture(scope="module", autouse=True)
def ros():
    rclpy.init()
    yield
    rclpy.shutdown()


def detections(frame: str, stamp: float, *lines: tuple[str, list[tuple[float, float, float] | None]]) -> TextDetectionArray:
    """A TextDetectionArray of text lines, one word per given position (None: a word without depth)."""
    msg = TextDetectionArray()
    msg.header.frame_id = frame
    msg.header.stamp.sec, msg.header.stamp.nanosec = int(stamp), int((stamp % 1) * 1e9)
    for text, positions in lines:
        words = text.split()
        indices = []
        for i, p in enumerate(positions):
            indices.append(len(msg.detections))
            msg.detections.append(TextDetection(text=words[min(i, len(words) - 1)], text_confidence=0.9,
                                                position=Point(x=p[0], y=p[1], z=p[2]) if p else Point(),
                                                has_position=p is not None))
        msg.lines.append(TextLine(text=text, confidence=0.9, word_indices=indices))
    return msg


class MapGraph:
    """A text_map_node and a tester node in one namespace, spun by a background executor."""

    def __init__(self, ns: str, **params) -> None:
        self.node = TextMapNode(namespace=ns, parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
        self.tester = rclpy.create_node("tester", namespace=ns)
        self.landmarks: list[TextLandmarkArray] = []
        self.markers: list[MarkerArray] = []
        self.diagnostics: list[DiagnosticArray] = []
        self.tester.create_subscription(TextLandmarkArray, "text_map_node/landmarks", self.landmarks.append, LATCHED)
        self.tester.create_subscription(MarkerArray, "text_map_node/markers", self.markers.append, LATCHED)
        self.tester.create_subscription(DiagnosticArray, "/diagnostics", self._on_diag, 50)
        self.pub = self.tester.create_publisher(TextDetectionArray, "text_detections", 50)
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.node)
        self.executor.add_node(self.tester)
        threading.Thread(target=self.executor.spin, daemon=True).start()
        if "detection_topics" not in params:
            assert wait_for(lambda: self.pub.get_subscription_count() > 0)

    def _on_diag(self, msg: DiagnosticArray) -> None:
        if msg.status and msg.status[0].name.startswith(self.node.get_fully_qualified_name() + ":"):
            self.diagnostics.append(msg)

    def send(self, msgs: list[TextDetectionArray]) -> None:
        before = self.node.counts["detection_messages"]
        for m in msgs:
            self.pub.publish(m)
        assert wait_for(lambda: self.node.counts["detection_messages"] >= before + len(msgs))

    def call(self, srv_type, name: str, request):
        return call_service(self.tester, srv_type, name, request)

    def find(self, query: str, exact: bool = False, max_count: int = 0) -> FindText.Response:
        return self.call(FindText, "text_map_node/find_text", FindText.Request(query=query, exact=exact,
                                                                                 max_count=max_count))

    def latest_diagnostics(self) -> dict[str, str]:
        return latest_diagnostics(self.diagnostics)

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
        self.tester.destroy_node()


@pytest.fixture
def map_graph(request):
    made: list[MapGraph] = []

    def make(**params):
        g = MapGraph(f"/m_{request.node.name.split('[')[0][5:]}_{len(made)}", **params)
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()


def drive(frame: str = "map") -> list[TextDetectionArray]:
    """Sightings of a drive past three signs: ROOM 204 (read ROOM 2O4 in some frames, once only "204"),
    and two EXIT signs 10 m apart; a stray "T6" once; a word without depth in every frame."""
    out = []
    for i in range(12):
        room = "ROOM 2O4" if i % 3 == 0 else "ROOM 204"
        jitter = 0.01 * (i % 3 - 1)
        out.append(detections(frame, 100 + 0.1 * i, (room, [(2.0 + jitter, 1.0, 0.5), (2.3 + jitter, 1.0, 0.5)]),
                              ("EXIT", [(0.0, 5.0 + jitter, 2.0)]), ("EXIT", [(10.0, 5.0, 2.0 + jitter)]),
                              ("PUSH", [None])))
    out.append(detections(frame, 101.5, ("204", [(2.3, 1.0, 0.5)]), ("T6", [(7.0, 7.0, 0.0)])))
    return out


def test_a_drive_becomes_one_landmark_per_sign_with_markers_and_answers(map_graph):
    g = map_graph(publish_period=0.05)
    g.send(drive())
    # the map is published at most every publish_period: wait for the one after the last sighting
    assert wait_for(lambda: g.landmarks and sum(lm.sightings for lm in g.landmarks[-1].landmarks) == 13 + 2 * 12)
    published = g.landmarks[-1]
    assert published.header.frame_id == "map"
    texts = sorted(lm.text for lm in published.landmarks)
    assert texts == ["EXIT", "EXIT", "ROOM 204"]  # T6 seen once: not confirmed; 2O4 outvoted
    room = next(lm for lm in published.landmarks if lm.text == "ROOM 204")
    p = room.pose.pose.position
    assert abs(p.x - 2.15) < 0.02 and abs(p.y - 1.0) < 1e-6 and abs(p.z - 0.5) < 1e-6
    assert room.sightings == 13 and room.pose.header.frame_id == "map" and room.position_spread < 0.05
    assert (room.first_seen.sec, room.last_seen.sec, room.last_seen.nanosec) == (100, 101, 500_000_000)

    answer = g.find("room 204")  # read "ROOM 2O4" in a third of the frames, and as "204" once
    assert [lm.text for lm in answer.landmarks][:1] == ["ROOM 204"] and answer.scores[0] == pytest.approx(1.0)
    assert answer.landmarks[0].pose.header.frame_id == "map"
    assert len(g.find("exit").landmarks) == 2 and len(g.find("exit", max_count=1).landmarks) == 1
    assert [lm.text for lm in g.find("204").landmarks] == ["ROOM 204"]
    assert g.find("ROOM 2O4", exact=True).landmarks == [] and g.find("kitchen").landmarks == []

    assert wait_for(lambda: g.markers and sum(m.type == Marker.TEXT_VIEW_FACING for m in g.markers[-1].markers) == 3)
    markers = g.markers[-1].markers
    assert markers[0].action == Marker.DELETEALL
    texts = [m for m in markers if m.type == Marker.TEXT_VIEW_FACING]
    assert sorted(m.text for m in texts) == ["EXIT", "EXIT", "ROOM 204"]
    assert all(m.header.frame_id == "map" for m in markers)

    late = rclpy.create_node("late", namespace=g.node.get_namespace())  # transient local: the map at once
    got: list[TextLandmarkArray] = []
    late.create_subscription(TextLandmarkArray, "text_map_node/landmarks", got.append, LATCHED)
    g.executor.add_node(late)
    assert wait_for(lambda: got and len(got[-1].landmarks) == 3)
    g.executor.remove_node(late)
    late.destroy_node()

    d = g.latest_diagnostics()
    assert d["confirmed_landmarks"] == "3" and d["landmarks"] == "4"
    assert d["words_without_position_total"] == "12" and d["detection_messages_total"] == "13"
    assert d["level"] == 0

    reply = g.call(Trigger, "text_map_node/clear", Trigger.Request())
    assert reply.success and reply.message == "cleared 4 landmark(s)"
    assert wait_for(lambda: g.landmarks[-1].landmarks == [])
    assert g.find("exit").landmarks == []


def test_words_in_another_frame_without_a_transform_are_counted_not_placed(map_graph):
    """tf2_ros is not on PyPI: here the lookup from camera to map fails, with the reason, in diagnostics."""
    g = map_graph(publish_period=0.05, min_sightings=1)
    g.send(drive(frame="camera_optical")[:3])
    d = g.latest_diagnostics()
    assert d["transform_failures_total"] == "3" and d["sightings_total"] == "0" and d["confirmed_landmarks"] == "0"
    assert d["level"] == 1 and "transform to map" in d["message"]
    assert "camera_optical" in d["last_error"] or "tf2_ros is not installed" in d["last_error"]
    g.send(drive(frame="map")[:1])  # still serving
    assert wait_for(lambda: g.landmarks and len(g.landmarks[-1].landmarks) == 3)


def test_one_map_reads_several_cameras(map_graph):
    g = map_graph(publish_period=0.05, min_sightings=2, detection_topics=["front/text_detections", "rear/text_detections"])
    front = g.tester.create_publisher(TextDetectionArray, "front/text_detections", 50)
    rear = g.tester.create_publisher(TextDetectionArray, "rear/text_detections", 50)
    assert wait_for(lambda: front.get_subscription_count() > 0 and rear.get_subscription_count() > 0)
    for i in range(2):
        front.publish(detections("map", 10 + i, ("EXIT", [(0.0, 5.0, 2.0)])))
        rear.publish(detections("map", 10 + i, ("KITCHEN", [(-8.0, 0.0, 1.5)])))
    assert wait_for(lambda: g.landmarks and sorted(lm.text for lm in g.landmarks[-1].landmarks) == ["EXIT", "KITCHEN"])
    assert g.pub.get_subscription_count() == 0  # text_detections itself is no longer read


def test_runtime_parameters_are_checked_and_files_and_frames_are_fixed(map_graph):
    g = map_graph()
    for name, value, reason in (("merge_distance", -1.0, "between 0.05 and 20"), ("min_sightings", 2.5, "an integer"),
                                ("min_similarity", "high", "a number"), ("transform_timeout", 60.0, "between 0 and 5")):
        result = g.node.set_parameters([Parameter(name, value=value)])[0]
        assert not result.successful and reason in result.reason, (name, result.reason)
    for name, value in (("map_file", "/tmp/elsewhere.db"), ("fixed_frame", "odom"),
                        ("detection_topics", ["/other/text_detections"])):
        assert not g.node.set_parameters([Parameter(name, value=value)])[0].successful
    assert g.node.set_parameters([Parameter("min_sightings", value=1)])[0].successful
    g.send(drive()[-1:])  # "204" and "T6" once each: now confirmed
    assert sorted(lm.text for lm, _ in g.node.map.find("t6")) == ["T6"]


class MapProcess:
    """text_map_node as users start it, in its own process."""

    def __init__(self, *ros_args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(REPO / "scripts" / "text_map_node"), "--ros-args", *ros_args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_the_map_file_survives_kill_9_and_is_served_again_after_a_restart(tmp_path):
    path = tmp_path / "signs.db"
    args = ["-r", "__ns:=/mk", "-p", f"map_file:={path}", "-p", "publish_period:=0.05"]
    tester = rclpy.create_node("kill_tester", namespace="/mk")
    got: list[TextLandmarkArray] = []
    tester.create_subscription(TextLandmarkArray, "text_map_node/landmarks", got.append, LATCHED)
    pub = tester.create_publisher(TextDetectionArray, "text_detections", 50)
    executor = SingleThreadedExecutor()
    executor.add_node(tester)
    threading.Thread(target=executor.spin, daemon=True).start()
    try:
        first = MapProcess(*args)
        assert wait_for(lambda: pub.get_subscription_count() > 0, 30.0)
        for m in drive():
            pub.publish(m)
        assert wait_for(lambda: got and len(got[-1].landmarks) == 3, 15.0)
        os.kill(first.proc.pid, signal.SIGKILL)  # mid-stream: the sightings were committed as they came
        first.proc.wait()
        got.clear()
        second = MapProcess(*args)
        assert wait_for(lambda: got and len(got[-1].landmarks) == 3, 30.0), "the restarted node did not serve the map"
        assert sorted(lm.text for lm in got[-1].landmarks) == ["EXIT", "EXIT", "ROOM 204"]
        second.proc.send_signal(signal.SIGINT)
        out, _ = second.proc.communicate(timeout=15)
        assert "3 landmark(s) loaded from" in out  # the confirmed ones (T6, seen once, was never stored)
    finally:
        executor.shutdown()
        tester.destroy_node()


def test_an_unusable_map_file_stops_the_node_with_the_reason(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite" * 200)
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "text_map_node"), "--ros-args", "-p",
                           f"map_file:={junk}"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "cannot be opened as SQLite" in proc.stdout + proc.stderr
