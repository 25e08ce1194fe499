"""Static-size detectors: model choice by aspect ratio, letterboxing, tiling, and the merge across tiles
(geometry alone, then end to end on the int8 fixture EAST, whose input is a static 64 x 64)."""

import itertools

import numpy as np
import pytest
from helpers import KNOWN_BOX, KNOWN_TEXT, fixture_config

from edge_ocr_ros.detection.views import closest_aspect, plan_views, tiles_needed, touches_inner_edge
from edge_ocr_ros.pipeline import OcrPipeline


@pytest.mark.parametrize("frame, expected", [((1280, 720), 0), ((1920, 1080), 0), ((640, 480), 1), ((800, 600), 1),
                                             ((480, 640), 1), ((2000, 500), 0)])
def test_the_model_closest_in_aspect_ratio_is_chosen(frame, expected):
    assert closest_aspect([(960, 544), (640, 480)], *frame) == expected


def test_letterbox_keeps_the_aspect_ratio_and_never_upscales():
    wide = plan_views((1280, 720), (640, 480), (960, 544), "off", 0.25)
    assert wide.scale == 0.5 and wide.working == (640, 360) and wide.origins == ((0, 0),)
    small = plan_views((320, 240), (640, 480), (960, 544), "auto", 0.25)
    assert small.scale == 1.0 and small.working == (320, 240) and not small.tiled


def test_auto_tiles_cover_the_working_resolution_only_when_the_model_is_smaller():
    same = plan_views((1280, 720), (960, 544), (960, 544), "auto", 0.25)
    assert not same.tiled and same.working == (960, 540)
    eight = plan_views((1280, 720), (320, 320), (960, 544), "auto", 0.25)
    assert eight.working == (960, 540) and len(eight.origins) == 8  # 4 columns x 2 rows
    xs, ys = sorted({x for x, _ in eight.origins}), sorted({y for _, y in eight.origins})
    assert xs == [0, 213, 427, 640] and ys == [0, 220]
    assert all(b - a <= 320 * 0.75 for a, b in itertools.pairwise(xs))  # neighbours share at least the overlap


def test_the_default_working_size_tiles_as_docs_edgetpu_says():
    """docs/edgetpu.md: at up to 1280 x 736 a 16:9 frame is one pass of the 1280x736 model, a 1280 x 960
    frame 2 x 2 tiles of the 640x480 one at 981 x 736, and the 320x320 fallback 15 tiles (5 x 3)."""
    assert not plan_views((1280, 720), (1280, 736), (1280, 736), "auto", 0.25).tiled
    four = plan_views((1280, 960), (640, 480), (1280, 736), "auto", 0.25)
    assert four.working == (981, 736) and len(four.origins) == 4
    assert len(plan_views((1280, 720), (320, 320), (1280, 736), "auto", 0.25).origins) == 15


def test_an_explicit_grid_scales_the_frame_so_that_the_grid_covers_it():
    plan = plan_views((1280, 720), (640, 480), (960, 544), "2x2", 0.25)
    assert plan.scale == pytest.approx(min(640 * 1.75 / 1280, 480 * 1.75 / 720))
    assert len(plan.origins) == 4 and plan.origins[-1] == (plan.working[0] - 640, plan.working[1] - 480)


def test_tile_counts():
    assert [tiles_needed(n, 320, 0.25) for n in (100, 320, 321, 560, 561, 960)] == [1, 1, 2, 2, 3, 4]


def test_only_boxes_near_an_edge_shared_with_another_tile_are_flagged():
    plan = plan_views((96, 64), (64, 64), (96, 64), "2x1", 0.5)
    assert plan.origins == ((0, 0), (32, 0))
    quads = np.array([[[2, 10], [20, 10], [20, 20], [2, 20]],  # at the frame's own left edge
                      [[40, 10], [62, 10], [62, 20], [40, 20]]], np.float32)  # at the inner right edge
    assert touches_inner_edge(quads, plan, (0, 0), 8).tolist() == [False, True]
    assert touches_inner_edge(quads, plan, (32, 0), 8).tolist() == [True, False]  # now the left edge is inner


def int8_pipeline(**extra) -> OcrPipeline:
    return OcrPipeline.from_config(fixture_config("east_known_box_int8.tflite", "crnn_stripes_int8.tflite", **extra))


def block_image(width: int, height: int, x: int, y: int, size: int = 4) -> np.ndarray:
    image = np.full((height, width, 3), 100, np.uint8)
    image[y : y + size, x : x + size] = 255
    return image


def test_a_wide_frame_is_letterboxed_not_stretched():
    """128 x 64 into the static 64 x 64 input: scale 0.5 on both axes, the lower half mean-coloured."""
    pipeline = int8_pipeline(**{"detector.tiles": "off"})
    words = pipeline.run(block_image(128, 64, 56, 40, size=8)).words
    assert [w.text for w in words] == [KNOWN_TEXT]
    np.testing.assert_allclose(words[0].points, KNOWN_BOX * 2, atol=1.0)
    det = pipeline.detector
    assert det.plan.working == (64, 32)
    pad = det.model.buffer[40, 10]  # below the picture: the mean colour, BGR
    np.testing.assert_array_equal(pad, np.rint(np.array([103.939, 116.779, 123.68])).astype(np.uint8))


def test_a_small_frame_is_not_upscaled():
    words = int8_pipeline(**{"detector.tiles": "off"}).run(block_image(48, 40, 28, 20)).words
    np.testing.assert_allclose(words[0].points, KNOWN_BOX, atol=0.5)


def test_a_word_across_a_tile_border_is_read_once_from_the_tile_that_holds_it_whole():
    """96 x 64 in two 64 x 64 tiles at x = 0 and 32. The word's box (x 48-72) crosses the first tile's
    right edge and lies whole in the second: one word, in source pixels."""
    pipeline = int8_pipeline(**{"detector.tiles": "2x1", "detector.tile_overlap": 0.5})
    words = pipeline.run(block_image(96, 64, 60, 20)).words
    assert pipeline.detector.plan.origins == ((0, 0), (32, 0))
    assert [w.text for w in words] == [KNOWN_TEXT]
    np.testing.assert_allclose(words[0].points, KNOWN_BOX + np.array([32, 0]), atol=0.5)


def test_words_in_different_tiles_are_all_found_at_their_source_positions():
    image = block_image(96, 64, 8, 20)
    image[44:48, 84:88] = 255  # a second word near the bottom right corner
    words = int8_pipeline(**{"detector.tiles": "2x1", "detector.tile_overlap": 0.5}).run(image).words
    centres = sorted(tuple(np.round(w.points.mean(axis=0))) for w in words)
    assert len(words) == 2 and centres[0][0] < 20 and centres[1][0] > 80


def test_width_and_height_on_a_static_model_without_tiles_are_reported(caplog):
    caplog.set_level("WARNING")
    int8_pipeline(**{"detector.tiles": "off", "detector.width": 320, "detector.height": 320})
    assert "do not apply to the static-size model" in caplog.text
