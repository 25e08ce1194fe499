"""Sign styles of the synthetic words: each writes the word where its letters are and nowhere far from them."""

import cv2
import numpy as np
import pytest

from edge_ocr_train.sign_styles import STYLES, dots, sign_style

TEXT_HEIGHT = 30.0


def letters() -> np.ndarray:
    """A float mask of two block letters (an 'L' and a bar) 30 px tall on a 60 x 200 canvas."""
    mask = np.zeros((60, 200), np.float32)
    mask[15:45, 20:30] = 1.0
    mask[37:45, 20:60] = 1.0
    mask[15:45, 80:90] = 1.0
    return mask


@pytest.mark.parametrize("style", list(STYLES))
def test_each_style_writes_the_letters_and_leaves_the_plate_far_from_them(style):
    """The same draws with and without the letters differ on the letters (a reader can find them) and not
    a letter's height away from them (the word's box stays where the generator says it is)."""
    mask = letters()
    plate = np.full((60, 200, 3), 150, np.uint8)
    plate[:, :, 0] = 90  # a coloured plate, so that a style that ignores colour still shows
    with_word = sign_style(np.random.default_rng(1), plate, mask, (20, 20, 200), TEXT_HEIGHT, style)
    without = sign_style(np.random.default_rng(1), plate, np.zeros_like(mask), (20, 20, 200), TEXT_HEIGHT, style)
    assert with_word.shape == plate.shape and with_word.dtype == np.uint8
    change = np.abs(with_word.astype(int) - without.astype(int)).max(axis=2)
    core = cv2.erode(mask, np.ones((3, 3), np.uint8)) > 0.5
    far = cv2.distanceTransform((mask < 0.5).astype(np.uint8), cv2.DIST_L2, 5) > TEXT_HEIGHT
    assert (change[core] > 15).mean() > 0.4, style
    assert (change[far] > 15).mean() < 0.02, style


def test_a_display_draws_one_round_dot_per_cell_it_lights():
    pitch = 6
    full = dots(np.ones((36, 60), np.float32), pitch, 0.7)
    count, _ = cv2.connectedComponents((full > 0.5).astype(np.uint8))
    assert count - 1 == (36 // pitch) * (60 // pitch)  # separate dots, background not counted
    half = np.zeros((36, 60), np.float32)
    half[:, :30] = 1.0
    lit = dots(half, pitch, 0.7)
    assert lit[:, 30:].max() == 0.0 and lit[:, :30].max() > 0.9


def test_the_generator_makes_sign_styled_words_from_the_same_seed():
    """The same seed makes the same crops; --styles 1 makes the first word (drawn before any style) in
    another way."""
    from edge_ocr_train.synth_words import render_crops

    plain, labels = render_crops((7, 3, 0.0, 0.0))
    again, labels_again = render_crops((7, 3, 0.0, 0.0))
    styled, styled_labels = render_crops((7, 3, 0.0, 1.0))
    np.testing.assert_array_equal(plain, again)
    assert labels == labels_again and styled_labels[0] == labels[0]
    assert np.abs(plain[0].astype(int) - styled[0].astype(int)).mean() > 10


def test_the_synthetic_validation_set_is_a_words_folder_the_engine_scores(tmp_path):
    """scripts/synth_val_words.py: the same seed writes the same crops, read through `edge-ocr eval`'s
    words-folder scorer with the shipped recognizer."""
    from test_docs import load_script

    from edge_ocr_ros.config import OcrConfig
    from edge_ocr_ros.pipeline import OcrPipeline
    from edge_ocr_ros.tools.dataset_eval import evaluate_words

    for name in ("a", "b"):
        load_script("synth_val_words").main(["--out", str(tmp_path / name), "--count", "6", "--styles", "0.5",
                                             "--sheet", str(tmp_path / f"{name}.png")])
    assert cv2.imread(str(tmp_path / "a.png"), cv2.IMREAD_GRAYSCALE).shape == (8 * 32, 6 * 128)
    rows = (tmp_path / "a" / "labels.tsv").read_text(encoding="utf-8").splitlines()
    assert rows == (tmp_path / "b" / "labels.tsv").read_text(encoding="utf-8").splitlines() and len(rows) == 6
    for row in rows:
        crop = cv2.imread(str(tmp_path / "a" / row.split("\t")[0]), cv2.IMREAD_GRAYSCALE)
        assert crop.shape == (32, 128)
        np.testing.assert_array_equal(crop, cv2.imread(str(tmp_path / "b" / row.split("\t")[0]), cv2.IMREAD_GRAYSCALE))
    report = evaluate_words(OcrPipeline.from_config(OcrConfig()), tmp_path / "a", progress=False)
    assert report["count"] == 6 and 0.0 <= report["words"]["accuracy"] <= 1.0
