"""A box that overlaps a stronger box's end on the same line gives that part up."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_ocr_ros.config import OcrConfig
from edge_ocr_ros.detection.shared_ends import trim_shared_ends
from edge_ocr_ros.pipeline import OcrPipeline

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "signs"


def box(x0: float, x1: float, y0: float = 0.0, y1: float = 20.0) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def rotate(quads: np.ndarray, degrees: float) -> np.ndarray:
    a = np.deg2rad(degrees)
    return quads @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]], np.float32)


def test_the_weaker_box_loses_the_start_the_stronger_covers():
    out = trim_shared_ends(np.stack([box(0, 100), box(80, 140)]))
    np.testing.assert_allclose(out[0], box(0, 100))
    np.testing.assert_allclose(out[1], box(100, 140), atol=1e-4)


def test_and_the_end_it_covers():
    out = trim_shared_ends(np.stack([box(100, 200), box(40, 120)]))
    np.testing.assert_allclose(out[1], box(40, 100), atol=1e-4)


def test_tilted_lines_are_trimmed_along_their_direction():
    out = trim_shared_ends(rotate(np.stack([box(0, 100), box(80, 140)]), 12))
    np.testing.assert_allclose(out[1], rotate(box(100, 140)[None], 12)[0], atol=1e-3)


@pytest.mark.parametrize("quads", [
    np.stack([box(0, 100), box(80, 140, 30, 50)]),  # the next line
    np.stack([box(0, 100), box(80, 140, 0, 60)]),  # three times as tall
    np.stack([box(0, 100), box(80, 105)]),  # the rest (5 px) would be under 0.4 x height
    np.stack([box(0, 100), box(20, 60)]),  # inside: NMS's business, not an end
    np.stack([box(0, 100)]),
])
def test_boxes_that_do_not_share_an_end_on_a_line_are_kept(quads):
    np.testing.assert_allclose(trim_shared_ends(quads), quads)


def test_only_boxes_ranked_above_take_a_part():
    out = trim_shared_ends(np.stack([box(80, 140), box(0, 100)]))  # the short one ranked first
    np.testing.assert_allclose(out[0], box(80, 140))
    np.testing.assert_allclose(out[1], box(0, 80), atol=1e-4)


@pytest.mark.parametrize("precision", ["float16", "int8"])
def test_the_sample_sign_reads_each_letter_once(precision):
    """The bundled detector finds the "2" of "LEVEL 2" in a box reaching back over the last "L"."""
    image = cv2.imread(str(SAMPLES / "parking.jpg"))
    one_pass = OcrPipeline.from_config(OcrConfig({"precision": precision, "num_threads": 1, "detector.coarse_scale": 0.0}))
    assert sorted(w.text for w in one_pass.run(image).words) == ["2", "LEVEL", "PARKING"]
    # with the coarse pass (default) a half-resolution "LEVEL 2" box may win (int8's did with the 640 x 480 model
    # as its coarse detector): still each letter once
    result = OcrPipeline.from_config(OcrConfig({"precision": precision, "num_threads": 1})).run(image)
    assert sorted("".join(w.text for w in result.words)) == sorted("LEVEL2PARKING")
