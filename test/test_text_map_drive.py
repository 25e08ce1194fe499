"""A simulated drive on a live ROS 2 graph: ocr_node with the shipped models reads ray-cast frames of a
corridor (colour, registered depth, camera_info) while the robot's transforms go out on /tf and /tf_static;
text_map_node turns the words into landmarks in the map. The truth is known (edge_ocr_ros/tools/drive_sim.py).

tf2_ros is not on PyPI: here both nodes take their transforms from the same /tf messages through
edge_ocr_ros/ros/transforms.py's fallback (tf2_msgs is a stand-in built by make build, test/stand_ins/); on a
robot, tf2_ros's Buffer answers the same lookups.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy")
pytest.importorskip("edge_ocr_ros.srv", reason="the package's interfaces are not built (make build)")
tf2_msgs = pytest.importorskip("tf2_msgs.msg", reason="tf2_msgs (its stand-in: make build) is needed to publish /tf")
pytest.importorskip("pytransform3d")

from edge_ocr_ros.msg import TextDetectionArray  # noqa: E402
from edge_ocr_ros.srv import FindText  # noqa: E402
from geometry_msgs.msg import TransformStamped  # noqa: E402
from rclpy.executors import MultiThreadedExecutor  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from test_node_graph import call_service, wait_for  # noqa: E402

from edge_ocr_ros.landmarks.text_match import similarity  # noqa: E402
from edge_ocr_ros.ros.messages import to_image_message  # noqa: E402
from edge_ocr_ros.ros.node import OcrNode  # noqa: E402
from edge_ocr_ros.ros.text_map_node import TextMapNode  # noqa: E402
from edge_ocr_ros.tools.drive_sim import DriveFrame, Transform, corridor_signs, render_drive  # noqa: E402

RELIABLE = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
LATCHED = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
SIGNS = corridor_signs()


@pytest.fixture(scope="module", autouse=True)
def ros():
    rclpy.init()
    yield
    rclpy.shutdown()


@pytest.fixture(scope="module")
def frames() -> list[DriveFrame]:
    return list(render_drive(SIGNS, speed=1.0, rate_hz=2.5))


def stamped(t: Transform, stamp: float) -> TransformStamped:
    out = TransformStamped(child_frame_id=t.child)
    out.header.frame_id = t.parent
    out.header.stamp.sec, out.header.stamp.nanosec = int(stamp), round((stamp % 1) * 1e9)
    p, q = out.transform.translation, out.transform.rotation
    p.x, p.y, p.z = t.translation
    q.x, q.y, q.z, q.w = t.rotation
    return out


class Drive:
    """ocr_node (shipped models, depth on) and text_map_node in one namespace, fed a drive by a tester."""

    def __init__(self, ns: str, target_frame: str = "") -> None:
        params = {"depth.enabled": True, "target_frame": target_frame, "transform_timeout": 1.0}  # else defaults
        self.ocr = OcrNode(namespace=ns, parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
        self.map = TextMapNode(namespace=ns, parameter_overrides=[Parameter("min_sightings", value=2),
                                                                  Parameter("transform_timeout", value=1.0)])
        self.tester = rclpy.create_node("drive_tester", namespace=ns)
        self.results: list[TextDetectionArray] = []
        self.tester.create_subscription(TextDetectionArray, "text_detections", self.results.append, 100)
        self.tf = self.tester.create_publisher(tf2_msgs.TFMessage, "/tf", QoSProfile(depth=100))
        self.tf_static = self.tester.create_publisher(tf2_msgs.TFMessage, "/tf_static", LATCHED)
        self.image = self.tester.create_publisher(Image, "image", RELIABLE)
        self.depth = self.tester.create_publisher(Image, "depth", RELIABLE)
        self.info = self.tester.create_publisher(CameraInfo, "camera_info", LATCHED)
        self.executor = MultiThreadedExecutor(num_threads=3)
        for node in (self.ocr, self.map, self.tester):
            self.executor.add_node(node)
        threading.Thread(target=self.executor.spin, daemon=True).start()
        task = self.executor.create_task(self.ocr.trigger_configure)
        assert wait_for(task.done, 60.0)
        task = self.executor.create_task(self.ocr.trigger_activate)
        assert wait_for(task.done, 30.0)
        assert wait_for(lambda: self.image.get_subscription_count() > 0 and self.depth.get_subscription_count() > 0)

    def run(self, frames: list[DriveFrame]) -> None:
        """Each frame's transforms, depth and camera_info, then the image; wait for its words before the next
        (a live camera would drop frames the node cannot keep up with; here every frame counts)."""
        self.tf_static.publish(tf2_msgs.TFMessage(transforms=[stamped(t, frames[0].stamp) for t in frames[0].static]))
        for frame in frames:
            header = Header(frame_id="camera_optical")
            header.stamp.sec, header.stamp.nanosec = int(frame.stamp), round((frame.stamp % 1) * 1e9)
            self.tf.publish(tf2_msgs.TFMessage(transforms=[stamped(t, frame.stamp) for t in frame.transforms]))
            k = frame.k
            self.info.publish(CameraInfo(header=header, width=640, height=480, distortion_model="plumb_bob",
                                         d=[0.0] * 5, k=k.ravel().tolist(), r=np.eye(3).ravel().tolist(),
                                         p=np.c_[k, np.zeros(3)].ravel().tolist()))
            self.depth.publish(to_image_message(frame.depth.view(np.uint8).reshape(480, -1), header, "32FC1", width=640))
            self.image.publish(to_image_message(frame.bgr, header))
            assert wait_for(lambda h=header: any(r.header.stamp == h.stamp for r in self.results), 30.0)
        sent = len(frames)
        assert wait_for(lambda: self.map.counts["detection_messages"] >= sent, 30.0)

    def find(self, query: str) -> FindText.Response:
        return call_service(self.tester, FindText, "text_map_node/find_text", FindText.Request(query=query))

    def close(self) -> None:
        self.executor.shutdown()
        self.ocr._stop_threads()
        for node in (self.ocr, self.map, self.tester):
            node.destroy_node()


def distance(landmark, sign) -> float:
    p = landmark.pose.pose.position
    return float(np.linalg.norm(np.array([p.x, p.y, p.z]) - sign.centre))


@pytest.mark.parametrize("target_frame", ["", "map"])
def test_a_drive_past_the_corridor_puts_each_sign_in_the_map(frames, target_frame):
    """Positions in the camera's optical frame moved by text_map_node, or already in the map (ocr_node's
    target_frame): either way one landmark per sign within 0.15 m of where it hangs; the two EXIT signs
    11 m apart stay two; "room 204" finds the room whatever the frames read."""
    drive = Drive(f"/drive_{target_frame or 'optical'}", target_frame)
    try:
        drive.run(frames)
        positioned = [r for r in drive.results if any(d.has_position for d in r.detections)]
        assert positioned, "no word came with a position"
        assert {r.position_frame_id for r in positioned} == {target_frame or "camera_optical"}
        missing = drive.ocr.depth.missing_summary()
        assert missing[0] == 0, missing  # every word with depth in view has a position, none lost to tf
        if target_frame:  # positions already in the map lie on the wall (map y = 1.5)
            ys = [d.position.y for r in positioned for d in r.detections if d.has_position]
            assert np.allclose(ys, 1.5, atol=0.05), ys

        room = drive.find("room 204")  # the shipped recognizer reads some frames ROOM284, ROOH204, ROOM2
        assert room.landmarks and similarity(room.landmarks[0].text, "ROOM 204") >= 0.8, room.landmarks[0].text
        assert distance(room.landmarks[0], SIGNS[1]) < 0.15
        assert room.landmarks[0].pose.header.frame_id == "map"
        exits = drive.find("exit").landmarks
        assert len(exits) == 2 and sorted(round(lm.pose.pose.position.x) for lm in exits) == [2, 13]
        assert all(min(distance(lm, s) for s in (SIGNS[0], SIGNS[3])) < 0.15 for lm in exits)
        kitchen = drive.find("kitchen").landmarks
        assert kitchen and distance(kitchen[0], SIGNS[2]) < 0.15
        confirmed = drive.map.map.confirmed()
        assert len(confirmed) == len(SIGNS), [lm.text for lm in confirmed]  # one per sign, no misreading of its own
        assert drive.map.counts["transform_failures"] == 0
    finally:
        drive.close()
