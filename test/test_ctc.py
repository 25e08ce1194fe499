"""CTC decoders against brute force: every alignment path of small T x C problems enumerated."""

import itertools

import numpy as np
import pytest

from edge_ocr_ros.recognition.ctc import beam_decode_one, decode, greedy_decode, is_probabilities, label_log_likelihoods, softmax

BLANK = 3


def collapse(path, blank=BLANK):
    out, prev = [], None
    for c in path:
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return tuple(out)


def label_probabilities(probs):
    """P(label) summed over all T^C alignment paths."""
    totals = {}
    for path in itertools.product(range(probs.shape[1]), repeat=probs.shape[0]):
        p = float(np.prod(probs[np.arange(len(path)), path]))
        totals[collapse(path)] = totals.get(collapse(path), 0.0) + p
    return totals


def random_probs(rng, t=5, c=4):
    return softmax(rng.normal(0, 2, size=(t, c)))


def test_greedy_matches_best_path_collapse():
    rng = np.random.default_rng(0)
    batch = np.stack([random_probs(rng) for _ in range(20)])
    labels, conf = greedy_decode(batch, BLANK)
    for probs, label, c in zip(batch, labels, conf, strict=True):
        best = probs.argmax(axis=1)
        assert tuple(label) == collapse(best)
        assert c == pytest.approx(np.exp(np.log(probs.max(axis=1)).mean()), rel=1e-5)


def test_greedy_collapses_repeats_but_not_across_blanks():
    eye = np.eye(4, dtype=np.float32)
    probs = eye[[1, 1, BLANK, 1, 2, 2, BLANK]][None]
    labels, conf = greedy_decode(probs, BLANK)
    assert labels == [[1, 1, 2]]
    assert conf[0] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(8))
def test_wide_beam_finds_most_probable_label(seed):
    probs = random_probs(np.random.default_rng(seed))
    totals = label_probabilities(probs)
    best_label, best_p = max(totals.items(), key=lambda kv: kv[1])
    # a beam wider than the number of possible prefixes (364 here) is exact
    label, conf = beam_decode_one(probs, BLANK, beam_width=400)
    assert tuple(label) == best_label
    assert conf == pytest.approx(best_p ** (1 / probs.shape[0]), rel=1e-6)
    # a practical beam keeps the right answer; its probability is a lower bound of the exact one
    label, conf16 = beam_decode_one(probs, BLANK, beam_width=16)
    assert tuple(label) == best_label
    assert 0.98 * conf <= conf16 <= conf * (1 + 1e-6)


def test_beam_can_beat_greedy():
    # best path is blank-blank (empty) but "1" summed over its alignments is more likely
    probs = np.array([[0.0, 0.4, 0.0, 0.6], [0.0, 0.4, 0.0, 0.6]], np.float32)
    greedy, _ = greedy_decode(probs[None], BLANK)
    beam, _ = decode(probs[None], BLANK, beam_width=4)
    assert greedy == [[]]
    assert beam == [[1]]  # P("1") = 0.4*0.4 + 0.4*0.6 + 0.6*0.4 = 0.64 > P("") = 0.36


def test_a_model_ending_in_softmax_is_told_from_one_giving_logits():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, size=(2, 6, 4)).astype(np.float32)
    assert not is_probabilities(logits)
    assert not is_probabilities(np.abs(logits))  # non-negative, but rows do not sum to 1
    assert is_probabilities(softmax(logits))


@pytest.mark.parametrize("seed", range(4))
def test_label_log_likelihoods_equal_the_sum_over_alignments(seed):
    probs = random_probs(np.random.default_rng(seed), t=5, c=4)
    totals = label_probabilities(probs)
    labels = [(), (0,), (1, 1), (0, 2), (2, 0, 1), (1, 1, 1)]
    padded = np.zeros((len(labels), 3), np.int64)
    for row, lab in zip(padded, labels, strict=True):
        row[: len(lab)] = lab
    got = label_log_likelihoods(np.log(probs), padded, np.array([len(lab) for lab in labels]), BLANK)
    # (1, 1, 1) needs 5 steps (1 b 1 b 1): possible; a label that needs more steps has probability 0
    want = [np.log(totals.get(lab, 0.0)) for lab in labels]
    np.testing.assert_allclose(got, want, rtol=1e-9)
