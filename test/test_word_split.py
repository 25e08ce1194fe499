"""Cutting one box's reading into words: the best-path geometry, the lexicon's backing, and the
bundled models on a box over the "LEVEL 2" of a sample sign."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_ocr_ros.config import MIN_TEXT_CONFIDENCE, OcrConfig
from edge_ocr_ros.pipeline import OcrPipeline
from edge_ocr_ros.recognition.word_split import SplitRule, character_runs, cut_steps, lexicon_confirms, sub_quad

BLANK = 0
RULE = SplitRule(min_gap=1.2, min_ratio=1.8)
STEP = 0.125  # box heights per time step: a 32-pixel-high crop, 4 pixels per step, not squeezed
SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "signs"


def path(*runs: tuple[int, int]) -> np.ndarray:
    """A best path: (class, length) runs."""
    return np.concatenate([np.full(n, c) for c, n in runs])


class Words:
    def __init__(self, *words: str) -> None:
        self.words = {w.lower() for w in words}

    def knows(self, text: str) -> bool:
        return text.lower() in self.words


def test_character_runs_collapse_repeats_and_skip_blanks():
    starts, ends = character_runs(path((0, 2), (5, 2), (0, 1), (5, 1), (7, 3), (0, 2)), BLANK)
    assert starts.tolist() == [2, 5, 6] and ends.tolist() == [4, 6, 9]
    assert len(character_runs(np.zeros(0, int), BLANK)[0]) == 0


def test_a_long_blank_run_is_cut_in_its_middle():
    # five characters 4 steps apart, then one 12 steps after the last: a space
    best = path((0, 1), (1, 1), (0, 3), (2, 1), (0, 3), (3, 1), (0, 3), (2, 1), (0, 3), (1, 1), (0, 11), (4, 1), (0, 2))
    assert cut_steps(best, BLANK, STEP, RULE) == [(18 + 29) // 2]  # last "1" ends at 18, the "4" starts at 29


def test_even_spacing_and_short_words_are_not_cut():
    even = path(*[(c, 1) if i % 2 == 0 else (0, 5) for i, c in enumerate([1, 0, 2, 0, 3, 0, 4])])
    assert cut_steps(even, BLANK, STEP, RULE) == []
    assert cut_steps(path((1, 1), (0, 20), (2, 1)), BLANK, STEP, RULE) == []  # two characters: no median to compare


def test_both_thresholds_must_hold():
    best = path((1, 1), (0, 1), (2, 1), (0, 1), (3, 1), (0, 6), (4, 1))  # distances 2, 2, 7 steps
    assert cut_steps(best, BLANK, STEP, RULE) == []  # 7 steps = 0.875 heights < 1.2
    assert cut_steps(best, BLANK, 0.25, RULE) == [8]  # the same path squeezed twice as much: 1.75 heights
    assert cut_steps(best, BLANK, 0.25, SplitRule(0.0, 1.8)) == []  # min_gap 0: off


def test_lexicon_backs_a_cut_only_into_known_words_or_numbers():
    words = Words("level", "town", "all", "watches")
    assert lexicon_confirms(words, "LEVEL2", ["LEVEL", "2"])
    assert lexicon_confirms(words, "ALLWATCHES", ["ALL", "WATCHES"])
    assert not lexicon_confirms(words, "Town", ["Tow", "n"])  # the whole is a word
    assert not lexicon_confirms(words, "Tovn", ["To", "vn"])  # fragments
    assert not lexicon_confirms(None, "LEVEL2", ["LEVEL", "2"])


def test_sub_quad_follows_a_tilted_box():
    quad = np.array([[0, 10], [100, 0], [104, 40], [4, 50]], np.float32)
    left, right = sub_quad(quad, 0.0, 0.25), sub_quad(quad, 0.25, 1.0)
    np.testing.assert_allclose(left[1], [25, 7.5])
    np.testing.assert_allclose(left[2], right[3])
    np.testing.assert_allclose(right[1:3], quad[1:3])


@pytest.mark.parametrize("precision", ["float16", "int8"])
def test_one_box_over_two_words_of_a_sign_reads_both(precision):
    """The bundled models on the sample sign's "LEVEL 2" given as one box (as a detector may find it)."""
    image = cv2.imread(str(SAMPLES / "parking.jpg"))
    box = np.array([[[188, 255], [464, 220], [469, 264], [193, 303]]], np.float32)  # LEVEL ends at x = 394, 2 starts at 425
    pipeline = OcrPipeline.from_config(OcrConfig({"precision": precision, "num_threads": 1}))
    joined = pipeline.recognizer.recognize(image, box, {}, split=False)
    split = pipeline.recognizer.recognize(image, box, {})
    assert joined.texts == ["LEVEL2"]
    assert split.texts == ["LEVEL", "2"] and split.boxes.tolist() == [0, 0]
    assert split.spans[0, 0] == 0 and split.spans[1, 1] == 1 and split.spans[0, 1] == split.spans[1, 0]
    cut = sub_quad(box[0], 0.0, split.spans[0, 1])[1, 0]
    assert 394 < cut < 425  # in the gap between the words
    assert all(c >= MIN_TEXT_CONFIDENCE for c in split.confidences)  # the parts pass the default confidence filter
