"""Messages in and out of the node: results to TextDetectionArray and vision_msgs, images to sensor_msgs/Image.

Also used by the demo, the benchmarks and the tests that publish camera frames, so every image message
is built one way.
"""

from __future__ import annotations

import cv2
import numpy as np
from geometry_msgs.msg import Point, Point32
from sensor_msgs.msg import CompressedImage, Image, RegionOfInterest
from std_msgs.msg import Header
from visualization_msgs.msg import Marker, MarkerArray

from ..geometry import rotated_box
from ..msg import TextDetection, TextDetectionArray, TextLine
from ..results import OcrResult, Word

try:  # optional: not on PyPI, present on robots with apt ROS
    from vision_msgs.msg import Detection2D, Detection2DArray, Detection3D, Detection3DArray, ObjectHypothesisWithPose
except ImportError:  # pragma: no cover - depends on the installation
    Detection2DArray = Detection3DArray = None

__all__ = ["Detection2DArray", "Detection3DArray", "to_image_message", "to_markers", "to_message", "to_vision3d_message",
           "to_vision_message"]


def to_message(result: OcrResult, header: Header, position_frame: str = "") -> TextDetectionArray:
    """The TextDetectionArray of a frame's result: its words (polygons and ROIs in image pixels, positions in
    ``position_frame``, the image's frame when empty) and lines."""
    out = TextDetectionArray(header=header, image_width=result.width, image_height=result.height,
                             position_frame_id=position_frame or header.frame_id)
    for word in result.words:
        x, y, w, h = word.box
        out.detections.append(TextDetection(
            text=word.text, text_confidence=float(word.confidence), detection_confidence=float(word.det_confidence),
            polygon=_polygon(word.points), roi=RegionOfInterest(x_offset=x, y_offset=y, width=w, height=h, do_rectify=False),
            frame_text=word.frame_text or word.text, track_id=word.track_id, frames_seen=word.frames_seen,
            position=Point(**dict(zip("xyz", word.position, strict=True))) if word.position else Point(),
            has_position=word.position is not None))
    out.lines = [TextLine(text=line.text, confidence=float(line.confidence), polygon=_polygon(line.points),
                          word_indices=line.word_indices, block=line.block) for line in result.lines]
    return out


def to_markers(result: OcrResult, header: Header) -> MarkerArray:
    """rviz text markers at the words' 3D positions (words without one are left out). The first marker
    deletes the previous frame's; tracked words keep their track id as marker id. The letters are 5 % of
    the word's distance high, so they stay legible from the camera's viewpoint."""
    out = MarkerArray(markers=[Marker(header=header, ns="edge_ocr", action=Marker.DELETEALL)])
    for i, word in enumerate(result.words):
        if word.position is None:
            continue
        marker = Marker(header=header, ns="edge_ocr", id=word.track_id or i + 1, type=Marker.TEXT_VIEW_FACING,
                        action=Marker.ADD, text=word.text)
        marker.pose.position = Point(**dict(zip("xyz", word.position, strict=True)))
        marker.pose.orientation.w = 1.0
        marker.scale.z = max(0.05 * word.position[2], 0.02)
        marker.color.r, marker.color.g, marker.color.b, marker.color.a = 0.2, 1.0, 0.2, 1.0
        out.markers.append(marker)
    return out


def _polygon(points: np.ndarray) -> list[Point32]:
    return [Point32(x=float(px), y=float(py), z=0.0) for px, py in points]


def _hypothesis(word: Word) -> ObjectHypothesisWithPose:
    """The word's text as the class id with its confidence (Humble+ layout, or Foxy's)."""
    hyp = ObjectHypothesisWithPose()
    if hasattr(hyp, "hypothesis"):
        hyp.hypothesis.class_id, hyp.hypothesis.score = word.text, float(word.confidence)
    else:  # pragma: no cover - Foxy
        hyp.id, hyp.score = word.text, float(word.confidence)
    return hyp


def to_vision_message(result: OcrResult, header: Header, with_poses: bool = True):
    """vision_msgs/Detection2DArray of a result: each word's rotated box, its text as the class id, its track
    id as the detection id (vision_msgs: detections of one object share it), and its 3D position (depth) as
    the hypothesis pose when ``with_poses`` (positions in the image's frame; with a target_frame they go in
    the Detection3DArray, whose header names that frame)."""
    out = Detection2DArray(header=header)
    for word in result.words:
        det = Detection2D(header=header)
        if hasattr(det, "id") and word.track_id:
            det.id = str(word.track_id)
        cx, cy, width, height, theta = rotated_box(word.points)  # the word's own rotated box
        center = det.bbox.center
        target = center.position if hasattr(center, "position") else center  # Humble+ vs Foxy layout
        target.x, target.y = cx, cy
        center.theta = theta
        det.bbox.size_x, det.bbox.size_y = width, height
        hyp = _hypothesis(word)
        if word.position is not None and with_poses:
            point = hyp.pose.pose.position
            point.x, point.y, point.z = (float(v) for v in word.position)
        det.results.append(hyp)
        out.detections.append(det)
    return out


def to_vision3d_message(result: OcrResult, header: Header):
    """vision_msgs/Detection3DArray of the words with a position (``header``: the positions' frame): the
    track id as the id, the text as the class id, the position as the box centre and the hypothesis pose,
    and the box as wide and high as the word (from its polygon and depth), 1 cm deep (a flat sign)."""
    out = Detection3DArray(header=header)
    for word in result.words:
        if word.position is None:
            continue
        det = Detection3D(header=header)
        if word.track_id:
            det.id = str(word.track_id)
        hyp = _hypothesis(word)
        point = hyp.pose.pose.position
        point.x, point.y, point.z = (float(v) for v in word.position)
        hyp.pose.pose.orientation.w = 1.0
        det.results.append(hyp)
        det.bbox.center.position = point
        det.bbox.center.orientation.w = 1.0
        width, height = word.extent or (0.0, 0.0)
        det.bbox.size.x, det.bbox.size.y, det.bbox.size.z = float(width), float(height), 0.01
        out.detections.append(det)
    return out


def to_jpeg_message(pixels: np.ndarray, header: Header | None, quality: int) -> CompressedImage:
    """A sensor_msgs/CompressedImage of BGR ``pixels`` as JPEG, with the format string image_transport's
    compressed plugin writes and rviz reads ("bgr8; jpeg compressed bgr8")."""
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"JPEG encoding of a {pixels.shape} image failed")
    return CompressedImage(header=header or Header(), format="bgr8; jpeg compressed bgr8", data=data.tobytes())


def to_image_message(pixels: np.ndarray, header: Header | None = None, encoding: str = "bgr8",
                     width: int | None = None) -> Image:
    """A sensor_msgs/Image of ``pixels`` (H x W x C, or H x row bytes), one row of the array per image row.

    Args:
        pixels: the image in ``encoding``'s byte layout (BGR for bgr8).
        header: stamp and frame (an empty header if None).
        encoding: sensor_msgs encoding name.
        width: the image width when the rows hold more than the pixels (``step`` padding).
    """
    rows = np.ascontiguousarray(pixels)
    msg = Image(header=header or Header(), height=rows.shape[0], width=width or rows.shape[1], encoding=encoding,
                is_bigendian=0, step=rows[0].nbytes if len(rows) else 0)
    # in place into the message's own array, in one copy: assigning bytes makes older generated code check
    # every byte (~73 ms for 640 x 480 on Humble-era code, against ~1 ms for frombytes, as cv_bridge does)
    msg.data.frombytes(rows.data)
    return msg
