"""Crop geometry: quad ordering, aspect-preserving warp and right padding."""

import numpy as np

from edge_ocr_ros.geometry import order_quad, quad_size
from edge_ocr_ros.recognition.crop import quarter_turned, target_width, warp_word, with_margin


def test_order_quad_from_any_order():
    q = np.array([[10, 50], [100, 40], [105, 70], [12, 80]], np.float32)
    for perm in ([2, 0, 3, 1], [3, 2, 1, 0], [1, 3, 0, 2]):
        np.testing.assert_array_equal(order_quad(q[perm]), q)


def test_quad_size_and_target_width():
    q = np.array([[0, 0], [60, 0], [60, 20], [0, 20]], np.float32)
    assert quad_size(q) == (60.0, 20.0)
    assert target_width(q, 32, 128) == 96
    assert target_width(q * [4, 1], 32, 128) == 128  # wider than the model: squeezed


def test_warp_rectifies_an_axis_aligned_region_exactly():
    img = np.zeros((100, 200), np.uint8)
    img[40:56, 20:84] = 255  # a 64 x 16 white bar
    img[40:56, 52:54] = 0  # with a dark gap at its centre
    out = np.zeros((32, 256), np.uint8)
    used = warp_word(img, np.array([[20, 40], [84, 40], [84, 56], [20, 56]], np.float32), out)
    assert used == 128  # 64 x 16 scaled 2x to height 32
    inner = out[1:31]  # the outermost rows blend with the dark surround (bilinear sampling)
    assert inner[:, 10:60].min() == 255 and inner[:, 70:120].min() == 255
    assert out[:, 64:67].max() < 128  # the gap lands at x = 2 * 32
    # the remaining width repeats the last column: no artificial edge
    np.testing.assert_array_equal(out[:, 128:], np.repeat(out[:, 127:128], 128, axis=1))


def test_warp_undoes_a_rotation():
    img = np.zeros((200, 200), np.uint8)
    img[90:110, 60:140] = 255
    import cv2

    m = cv2.getRotationMatrix2D((100, 100), np.degrees(0.5), 1.0)
    rotated = cv2.warpAffine(img, m, (200, 200))
    corners = np.array([[60, 90], [140, 90], [140, 110], [60, 110]], np.float32)
    quad = cv2.transform(corners[None], m)[0]
    out = np.zeros((32, 256), np.uint8)
    used = warp_word(rotated, quad, out)
    assert used == 128
    assert out[4:28, 8:120].mean() > 240


def test_margin_grows_a_box_across_the_text_only():
    box = np.array([[10, 40], [70, 40], [70, 60], [10, 60]], np.float32)  # 60 x 20
    grown = with_margin(box, 0.1)
    np.testing.assert_allclose(grown, [[10, 38], [70, 38], [70, 62], [10, 62]])  # 2 px (0.1 x 20) above and below
    assert with_margin(box, 0.0) is box
    slanted = np.array([[0, 0], [40, 10], [36, 26], [-4, 16]], np.float32)  # rotated: sides point along (-4, 16)
    grown = with_margin(slanted[None], 0.25)[0]
    np.testing.assert_allclose(grown[0], slanted[0] - 0.25 * (slanted[3] - slanted[0]))
    np.testing.assert_allclose(grown[2], slanted[2] + 0.25 * (slanted[2] - slanted[1]))
    np.testing.assert_allclose(grown.mean(axis=0), slanted.mean(axis=0))  # grown about its centre
    assert quad_size(grown)[0] == quad_size(slanted)[0]  # same length along the text


def test_a_quarter_turned_quad_reads_a_turned_word_upright():
    """np.rot90 by -1 turns a word clockwise (letter tops to the right): the clockwise-turned quad of the
    whole image warps it back to the original, and the other direction's quad to it upside down."""
    word = np.random.default_rng(1).integers(0, 256, size=(32, 96), dtype=np.uint8)
    for k, clockwise in ((-1, True), (1, False)):
        turned = np.ascontiguousarray(np.rot90(word, k))  # 96 x 32
        h, w = turned.shape
        full = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        upright, upside_down = np.zeros((32, 96), np.uint8), np.zeros((32, 96), np.uint8)
        assert warp_word(turned, quarter_turned(full, clockwise), upright) == 96
        warp_word(turned, quarter_turned(full, not clockwise), upside_down)
        np.testing.assert_array_equal(upright, word)
        np.testing.assert_array_equal(upside_down, word[::-1, ::-1])
    np.testing.assert_array_equal(quarter_turned(quarter_turned(full[None], True), False), full[None])
