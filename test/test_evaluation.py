"""Scoring against hand-computed cases (ICDAR 2015 conventions as documented in evaluation.py)."""

import numpy as np
import pytest

from edge_ocr_ros.recognition.lexicon import edit_distance
from edge_ocr_ros.tools.evaluation import Counts, iou_matrix, normalize_text, partial_scenes, score_scene, word_scores


def box(x, y, w, h):
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)


def test_perfect_prediction_scores_one():
    gts = [box(0, 0, 10, 10), box(20, 0, 10, 10)]
    s = score_scene(gts, ["Open", "24h"], gts, ["OPEN", "24H"])
    assert s.detection.prf() == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert s.end_to_end.prf() == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_partial_case_by_hand():
    gts = [box(0, 0, 10, 10), box(20, 0, 10, 10), box(40, 0, 10, 10)]
    preds = [box(0, 0, 10, 10),  # exact, right text
             box(25, 0, 10, 10),  # IoU 50/150 < 0.5: no match
             box(40, 0, 10, 8),  # IoU 0.8, wrong text
             box(100, 100, 5, 5)]  # nothing there
    s = score_scene(preds, ["a", "b", "x", "d"], gts, ["a", "b", "c"])
    assert (s.detection.matched, s.detection.predictions, s.detection.ground_truth) == (2, 4, 3)
    assert s.detection.prf() == {"precision": 0.5, "recall": 0.6667, "f1": 0.5714}
    assert (s.end_to_end.matched, s.end_to_end.predictions) == (1, 4)
    assert s.end_to_end.prf() == {"precision": 0.25, "recall": 0.3333, "f1": 0.2857}


def test_dont_care_regions_are_ignored():
    gts = [box(0, 0, 10, 10), box(50, 0, 20, 20)]
    preds = [box(0, 0, 10, 10), box(52, 2, 10, 10)]  # the second lies inside the don't-care region
    s = score_scene(preds, ["a", "zz"], gts, ["a", None])
    assert (s.detection.matched, s.detection.predictions, s.detection.ground_truth) == (1, 1, 1)


def test_partial_annotation_excuses_unmatched_predictions():
    gts = [box(0, 0, 10, 10)]
    preds = [box(0, 0, 10, 10), box(30, 30, 10, 10)]
    full = score_scene(preds, ["a", "b"], gts, ["a"])
    partial = score_scene(preds, ["a", "b"], gts, ["a"], partial=True)
    assert full.detection.predictions == 2 and partial.detection.predictions == 1
    assert partial.detection.prf()["precision"] == 1.0


def test_one_to_one_matching():
    gts = [box(0, 0, 10, 10)]
    preds = [box(0, 0, 10, 10), box(0, 0, 10, 9)]
    s = score_scene(preds, ["a", "a"], gts, ["a"])
    assert (s.detection.matched, s.detection.predictions) == (1, 2)


def test_iou_of_rotated_quads():
    a = box(0, 0, 10, 10)
    assert iou_matrix([a], [a + np.array([5, 0], np.float32)])[0, 0] == pytest.approx(1 / 3)


def test_text_comparison_and_edit_distance():
    assert normalize_text("Caf\u00e9-24!") == "caf\u00e924"
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    scores = word_scores([("HELLO", "hello"), ("wor1d", "world"), ("", "ab"), ("B-204", "B-204")])
    assert scores["accuracy"] == pytest.approx(2 / 4, abs=1e-4)
    assert scores["accuracy_cased"] == pytest.approx(1 / 4, abs=1e-4)  # HELLO is not hello with case
    assert scores["ned"] == pytest.approx((0 + 1 / 5 + 1 + 0) / 4, abs=1e-4)


def test_counts_accumulate():
    c = Counts()
    c.add(Counts(1, 2, 4))
    c.add(Counts(1, 2, 0))
    assert c.prf() == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert Counts().prf() == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_partial_annotation_listing(tmp_path):
    (tmp_path / "partial_annotation.txt").write_text("svt_1.jpg\n\nsvt_2\n")
    assert partial_scenes(tmp_path) == {"svt_1.jpg", "svt_1", "svt_2"}
    assert partial_scenes(tmp_path / "missing") == set()
