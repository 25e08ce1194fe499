"""Word ends from the score map: extended out to the text pixels, never in, never across a word gap."""

import numpy as np

from edge_ocr_ros.detection.score_extent import SHRINK, extend_to_score_extent


def box(x0, x1, y0=100.0, y1=120.0):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def run(x0, x1, y=110.0, step=4.0):
    xs = np.arange(x0, x1 + 0.1, step, dtype=np.float32)
    return np.stack([xs, np.full_like(xs, y)], axis=1)


def test_a_box_short_of_its_text_pixels_reaches_them_plus_the_inset():
    pixels = run(40, 200)  # the text region: 40..200; the geometry only found 100..206
    out = extend_to_score_extent(box(100, 206)[None], np.array([1]), pixels, np.ones(len(pixels), np.int64))
    np.testing.assert_allclose(out[0, :, 0], [40 - SHRINK * 20, 206, 206, 40 - SHRINK * 20], atol=1e-4)
    np.testing.assert_allclose(out[0, :, 1], [100, 100, 120, 120])


def test_boxes_never_shrink_and_other_components_do_not_count():
    pixels = run(110, 150)
    quads = box(100, 160)[None]
    np.testing.assert_array_equal(extend_to_score_extent(quads, np.array([1]), pixels, np.ones(len(pixels), np.int64)), quads)
    far = run(0, 150)
    np.testing.assert_array_equal(extend_to_score_extent(quads, np.array([1]), far, np.full(len(far), 2)), quads)


def test_a_gap_between_words_stops_the_extension():
    pixels = np.concatenate([run(20, 60), run(100, 150)])  # two words of one component, 40 px apart
    out = extend_to_score_extent(box(100, 160)[None], np.array([1]), pixels, np.ones(len(pixels), np.int64))
    np.testing.assert_array_equal(out, box(100, 160)[None])


def test_pixels_inside_another_box_are_not_taken():
    pixels = run(20, 150)  # one component across two detected words
    quads = np.stack([box(16, 70), box(90, 160)])
    out = extend_to_score_extent(quads, np.array([1, 1]), pixels, np.ones(len(pixels), np.int64))
    # the pixels between them may stretch either box a little, but neither swallows the other
    assert out[1, 0, 0] >= 72 - SHRINK * 20 and out[0, 1, 0] <= 88 + SHRINK * 20
    assert out[0, 0, 0] == 16 and out[1, 1, 0] == 160
