"""Joining the coarse detection pass's words to the full pass's: geometry only, no model."""

import numpy as np

from edge_ocr_ros.detection.coarse_pass import join_coarse_words
from edge_ocr_ros.results import Detections


def box(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def detections(*boxes_and_scores) -> Detections:
    quads = np.stack([b for b, _ in boxes_and_scores]) if boxes_and_scores else np.zeros((0, 4, 2), np.float32)
    return Detections(quads, np.array([s for _, s in boxes_and_scores], np.float32))


def texts(result: Detections, named: dict[str, np.ndarray]) -> list[str]:
    return [next(k for k, v in named.items() if np.array_equal(v, q)) for q in result.quads]


def test_a_large_word_replaces_the_pieces_the_full_pass_broke_it_into():
    named = {"small": box(0, 0, 40, 10), "piece_a": box(100, 100, 180, 220), "piece_b": box(260, 110, 330, 200),
             "word": box(90, 95, 400, 230)}
    first = detections((named["small"], 0.95), (named["piece_a"], 0.8), (named["piece_b"], 0.85))
    coarse = detections((named["word"], 0.97))
    assert texts(join_coarse_words(first, coarse, 0.2, 100), named) == ["word", "small"]


def test_a_word_both_passes_found_is_kept_once_with_the_better_score():
    named = {"full": box(100, 100, 300, 160), "coarse": box(98, 99, 302, 162)}
    first, coarse = detections((named["full"], 0.99)), detections((named["coarse"], 0.9))
    assert texts(join_coarse_words(first, coarse, 0.2, 100), named) == ["full"]
    first, coarse = detections((named["full"], 0.9)), detections((named["coarse"], 0.99))
    assert texts(join_coarse_words(first, coarse, 0.2, 100), named) == ["coarse"]


def test_a_coarse_box_merging_two_words_leaves_each_letter_read_once():
    """At half resolution "LEVEL 2" can come back as one box: if it wins, the "2" box inside it goes."""
    named = {"LEVEL": box(190, 220, 430, 305), "2": box(424, 215, 472, 275), "LEVEL 2": box(178, 218, 470, 305)}
    first = detections((named["LEVEL"], 0.991), (named["2"], 0.969))
    coarse = detections((named["LEVEL 2"], 0.992))
    assert texts(join_coarse_words(first, coarse, 0.2, 100), named) == ["LEVEL 2"]


def test_the_joined_words_are_capped_best_first():
    first = detections(*[(box(100 * i, 0, 100 * i + 50, 20), 0.5 + 0.01 * i) for i in range(5)])
    coarse = detections((box(0, 500, 300, 600), 0.99))
    joined = join_coarse_words(first, coarse, 0.2, 3)
    np.testing.assert_allclose(joined.scores, [0.99, 0.54, 0.53])
    assert join_coarse_words(detections(), detections(), 0.2, 3).quads.shape == (0, 4, 2)
