"""EAST decoding and suppression against a brute-force loop and hand-computed cases."""

import math

import cv2
import numpy as np
import pytest

from edge_ocr_ros.detection.nms import locality_merge, rotated_nms
from edge_ocr_ros.detection.rbox import decode_rbox
from edge_ocr_ros.geometry import order_quad, polygon_iou, rotated_box


def loop_decode(score, geo, angle, thr):
    """The seed's approach (as in OpenCV's EAST sample): a Python loop over the score map."""
    boxes, scores = [], []
    for y in range(score.shape[0]):
        for x in range(score.shape[1]):
            if score[y, x] <= thr:
                continue
            a = angle[y, x]
            cos, sin = math.cos(a), math.sin(a)
            t, r, b, left = geo[y, x]
            h, w = t + b, r + left
            offset = (x * 4.0 + cos * r + sin * b, y * 4.0 - sin * r + cos * b)
            p1 = (-sin * h + offset[0], -cos * h + offset[1])
            p3 = (-cos * w + offset[0], sin * w + offset[1])
            centre = (0.5 * (p1[0] + p3[0]), 0.5 * (p1[1] + p3[1]))
            boxes.append(order_quad(cv2.boxPoints((centre, (w, h), -a * 180.0 / math.pi))))
            scores.append(score[y, x])
    return np.array(boxes, np.float32).reshape(-1, 4, 2), np.array(scores, np.float32)


def test_vectorised_decode_equals_loop():
    rng = np.random.default_rng(3)
    score = rng.random((24, 32)).astype(np.float32)
    geo = rng.uniform(1, 40, size=(24, 32, 4)).astype(np.float32)
    angle = rng.uniform(-math.pi / 4 + 0.01, math.pi / 4 - 0.01, size=(24, 32)).astype(np.float32)
    quads, scores, cells = decode_rbox(score, geo, angle, 0.6)
    ref_quads, ref_scores = loop_decode(score, geo, angle, 0.6)
    assert len(quads) == len(ref_quads) == int((score > 0.6).sum())
    np.testing.assert_allclose(scores, ref_scores)
    np.testing.assert_allclose(quads, ref_quads, atol=1e-3)
    np.testing.assert_array_equal(score.ravel()[cells], scores)


def test_axis_aligned_box_by_hand():
    score = np.zeros((4, 4), np.float32)
    score[2, 3] = 0.9
    geo = np.zeros((4, 4, 4), np.float32)
    geo[2, 3] = (2, 5, 3, 7)  # top, right, bottom, left
    quads, scores, _ = decode_rbox(score, geo, np.zeros((4, 4), np.float32), 0.5)
    # cell (row 2, col 3) is pixel (12, 8)
    np.testing.assert_allclose(quads[0], [[5, 6], [17, 6], [17, 11], [5, 11]])
    assert scores.tolist() == pytest.approx([0.9])


def square(cx, cy, side, angle_deg=0.0):
    return order_quad(cv2.boxPoints(((cx, cy), (side, side), angle_deg)))


def test_polygon_iou_hand_computed():
    assert polygon_iou(square(0, 0, 10), square(5, 0, 10)) == pytest.approx(50 / 150)
    # a square and itself rotated 45 degrees overlap in a regular octagon: IoU = 1 / sqrt(2)
    assert polygon_iou(square(0, 0, 2), square(0, 0, 2, 45)) == pytest.approx(1 / math.sqrt(2), rel=1e-4)
    assert polygon_iou(square(0, 0, 2), square(10, 0, 2)) == 0.0


def test_rotated_nms_keeps_the_best_of_overlapping_boxes():
    quads = np.stack([square(0, 0, 10), square(5, 0, 10), square(40, 0, 10), square(1, 0, 10)])
    ranking = np.array([0.5, 0.9, 0.8, 0.7])
    # IoU(1, 0) = 1/3, IoU(1, 3) = 40/160, IoU(0, 3) = 90/110
    assert sorted(rotated_nms(quads, ranking, 0.2).tolist()) == [1, 2]
    assert sorted(rotated_nms(quads, ranking, 0.5).tolist()) == [1, 2, 3]


def test_rotated_nms_equals_brute_force():
    rng = np.random.default_rng(5)
    quads = np.stack([square(*rng.uniform(0, 100, 2), rng.uniform(5, 30), rng.uniform(-40, 40)) for _ in range(60)])
    ranking = rng.random(60)
    kept = []
    for i in np.argsort(-ranking):
        if all(polygon_iou(quads[i], quads[k]) <= 0.3 for k in kept):
            kept.append(int(i))
    assert rotated_nms(quads, ranking, 0.3).tolist() == kept


def test_locality_merge_averages_by_score():
    a = square(10, 10, 8)
    quads = np.stack([a, a + 1.0, square(60, 10, 8)])
    scores = np.array([0.9, 0.3, 0.8], np.float32)
    merged, mean, support, component = locality_merge(quads, scores, np.array([1, 1, 2]))
    order = np.argsort(merged[:, 0, 0])
    np.testing.assert_allclose(merged[order[0]], (0.9 * a + 0.3 * (a + 1)) / 1.2, atol=1e-4)
    np.testing.assert_allclose(mean[order], [0.6, 0.8], atol=1e-6)
    np.testing.assert_allclose(support[order], [1.2, 0.8], atol=1e-6)
    assert component[order].tolist() == [1, 2]


def test_a_word_quad_becomes_a_rotated_box_for_vision_msgs():
    """A 40 x 10 word turned by 30 degrees (clockwise on screen, y down) around (100, 50)."""
    quad = order_quad(cv2.boxPoints(((100.0, 50.0), (40.0, 10.0), 30.0)))
    cx, cy, width, height, theta = rotated_box(quad)
    np.testing.assert_allclose([cx, cy, width, height], [100, 50, 40, 10], atol=1e-3)
    assert math.isclose(theta, math.radians(30), abs_tol=1e-4)
    flat = np.array([[10, 20], [50, 20], [50, 30], [10, 30]], np.float32)
    assert rotated_box(flat) == (30.0, 25.0, 40.0, 10.0, 0.0)


def _spec(channels: int, dtype=np.uint8, scale: float = 0.0, zero_point: int = 0):
    from edge_ocr_ros.runtime.tensor_io import TensorSpec

    return TensorSpec(channels, f"out{channels}", (1, 8, 8, channels), np.dtype(dtype), scale, zero_point)


@pytest.mark.parametrize("dtype, scale, zero_point, logits", [
    (np.float32, 0.0, 0, False),  # float distances in pixels
    (np.uint8, 1.25, 0, False),  # a sigmoid * 512 output: its range starts at zero
    (np.uint8, 0.03, 240, True),  # reaches below zero: logits
    (np.int8, 1.25, -128, False),
    (np.int8, 0.03, 112, True),
])
def test_a_distance_output_reaching_below_zero_holds_logits(dtype, scale, zero_point, logits):
    from edge_ocr_ros.detection.east import EastOutputs

    outputs = EastOutputs.find([_spec(4, dtype, scale, zero_point), _spec(1), _spec(2)])
    assert outputs.distances.shape[-1] == 4 and outputs.distance_logits is logits


@pytest.mark.parametrize("dtype, zero_point", [(np.uint8, 240), (np.int8, 112)])
def test_the_distance_table_is_the_sigmoid_of_the_dequantized_logit(dtype, zero_point):
    from edge_ocr_ros.detection.east import distance_table
    from edge_ocr_ros.detection.rbox import DISTANCE_SCALE

    spec = _spec(4, dtype, 0.03, zero_point)
    info = np.iinfo(dtype)
    stored = np.arange(info.min, info.max + 1).astype(dtype).reshape(16, 16)
    expected = DISTANCE_SCALE / (1.0 + np.exp(-(stored.astype(np.float64) - zero_point) * 0.03))
    np.testing.assert_allclose(distance_table(spec)[stored], expected, rtol=1e-5)
