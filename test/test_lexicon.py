"""Lexicon-guided decoding: which misreads are replaced, which reads are kept, and bad word lists."""

import gzip

import numpy as np
import pytest

from edge_ocr_ros.errors import ModelError
from edge_ocr_ros.recognition.charset import Charset
from edge_ocr_ros.recognition.lexicon import Lexicon, edit_distance, edit_distances, site_word_list

CHARSET = Charset.from_characters("0123456789abcdefghijklmnopqrstuvwxyz")


CASED = Charset.from_characters("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-.,:/&$%#@'()!?+")


def frames(text: str, confidence: float, noise: dict[int, tuple[str, float]] | None = None,
           charset: Charset = CHARSET) -> np.ndarray:
    """Scores of 2 steps per character (char, blank); ``noise[i] = (char, p)`` puts p on ``char`` at
    character i's step, the rest on the written character."""
    blank = charset.blank
    steps = []
    for i, c in enumerate(text):
        row = np.full(charset.num_classes, (1 - confidence) / (charset.num_classes - 1))
        if noise and i in noise:
            other, p = noise[i]
            row[:] = (1 - confidence) / (charset.num_classes - 2)
            row[charset.encode(other)[0]] = p
            row[charset.encode(c)[0]] = confidence - p
        else:
            row[charset.encode(c)[0]] = confidence
        steps.append(row / row.sum())
        b = np.full(charset.num_classes, 0.001)
        b[blank] = 1.0
        steps.append(b / b.sum())
    return np.array(steps)


def read(lexicon: Lexicon, probs: np.ndarray, margin: float) -> str:
    charset = lexicon.charset
    greedy = probs.argmax(axis=1)
    labels = [int(c) for i, c in enumerate(greedy) if c != charset.blank and (i == 0 or c != greedy[i - 1])]
    out, _ = lexicon.correct(probs, labels, margin)
    return charset.decode(out)


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon(["Restaurant", "exit", "don't", "café", "# a comment", "", "street"], CHARSET)


def test_words_are_folded_to_the_charset(lexicon):
    assert lexicon.words == {"restaurant", "exit", "dont", "street"}  # café has a letter the charset lacks


def test_a_near_tie_misread_is_replaced(lexicon):
    # "restauranr": the last letter was nearly a "t" (0.5 against 0.4: log(0.5 / 0.4) = 0.22 nats)
    probs = frames("restauranr", 0.9, {9: ("t", 0.4)})
    assert read(lexicon, probs, margin=3.0) == "restaurant"
    assert read(lexicon, probs, margin=0.3) == "restaurant"
    assert read(lexicon, probs, margin=0.15) == "restauranr"


def test_a_confident_non_word_is_kept(lexicon):
    assert read(lexicon, frames("exil", 0.99), margin=3.0) == "exil"
    assert read(lexicon, frames("b204", 0.9), margin=3.0) == "b204"


def test_margin_bounds_the_replacement(lexicon):
    probs = frames("exil", 0.9, {3: ("t", 0.05)})
    assert read(lexicon, probs, margin=0.5) == "exil"
    assert read(lexicon, probs, margin=5.0) == "exit"


def test_deletions_and_insertions_are_candidates(lexicon):
    assert "street" in {CHARSET.decode(r[:n]) for r, n in zip(*lexicon.neighbours(CHARSET.encode("stret")), strict=True)}
    assert "exit" in {CHARSET.decode(r[:n]) for r, n in zip(*lexicon.neighbours(CHARSET.encode("exits")), strict=True)}


def test_short_texts_and_known_words_are_left_alone(lexicon):
    assert read(lexicon, frames("ex", 0.5), margin=50.0) == "ex"
    out, log_likelihood = lexicon.correct(frames("exit", 0.9), CHARSET.encode("exit"), 50.0)
    assert CHARSET.decode(out) == "exit" and log_likelihood is None


def test_gzipped_word_list_loads(tmp_path):
    path = tmp_path / "words.txt.gz"
    path.write_bytes(gzip.compress(b"# header\nalpha\nbeta\n"))
    assert Lexicon.load(path, CHARSET).words == {"alpha", "beta"}


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00bad"])
def test_bad_word_lists_raise_a_clear_error(tmp_path, content):
    path = tmp_path / "words.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match="lexicon"):
        Lexicon.load(path, CHARSET)


def test_edit_distances_hand_computed():
    """One vectorised pass over padded rows of different lengths; each distance worked out by hand."""
    words = {"sitting": 3, "kitten": 0, "kitchen": 2, "mitten": 1, "it": 4, "": 6, "nettik": 4}
    width = max(len(w) for w in words)
    padded = np.zeros((len(words), width), np.int64)
    for row, w in zip(padded, words, strict=True):
        row[: len(w)] = [ord(c) for c in w]
    got = edit_distances(padded, np.array([len(w) for w in words]), [ord(c) for c in "kitten"])
    assert got.tolist() == list(words.values())
    assert edit_distance("kitten", "sitting") == 3 and edit_distance("", "abc") == 3 and edit_distance("abc", "") == 3


def test_a_word_list_in_another_alphabet_is_empty():
    assert not len(Lexicon(["# only a comment", "été", "ÉTÉ"], CHARSET))


@pytest.mark.parametrize("text, noisy, expected", [
    ("RESTAURANR", ("T", 0.4), "RESTAURANT"),
    ("Restauranr", ("t", 0.4), "Restaurant"),
    ("restauranr", ("t", 0.4), "restaurant"),
])
def test_a_cased_alphabet_snaps_keeping_the_case_read(text, noisy, expected):
    lexicon = Lexicon(["Restaurant", "exit"], CASED)
    assert lexicon.words == {"restaurant", "exit"}
    assert read(lexicon, frames(text, 0.9, {9: noisy}, CASED), margin=3.0) == expected


@pytest.mark.parametrize("text", ["EXIT", "Exit", "exit", "EXIT!", "B-204"])
def test_a_cased_alphabet_keeps_known_words_in_any_case_and_confident_punctuation(text):
    lexicon = Lexicon(["exit", "exits"], CASED)
    assert read(lexicon, frames(text, 0.95, charset=CASED), margin=3.0) == text



@pytest.mark.parametrize("text", ["restauranr", "parkinq", "lvel", "harbourfrnt", "0pen", "stret", "zzzzzz"])
def test_neighbours_are_every_word_within_the_edits(text):
    """The letter-count filter only skips words that cannot be within ``max_edits``: the same set as
    checking every word of a near length by edit distance."""
    from edge_ocr_ros.config import bundled_models_dir
    from edge_ocr_ros.recognition.lexicon import max_edits

    lexicon = Lexicon.load(bundled_models_dir() / "lexicon.txt.gz", CHARSET)
    labels = CHARSET.encode(text)
    found = {CHARSET.decode(r[:n]) for r, n in zip(*lexicon.neighbours(labels), strict=True)}
    edits = max_edits(len(text))
    near = [w for w in lexicon.words if abs(len(w) - len(text)) <= edits]
    rows = np.zeros((len(near), len(text) + edits), np.int64)
    for i, w in enumerate(near):
        rows[i, : len(w)] = CHARSET.encode(w)
    distances = edit_distances(rows, np.array([len(w) for w in near]), labels)
    assert found == {w for w, d in zip(near, distances, strict=True) if d <= edits}


def test_site_words_join_the_lexicon_and_leave_it_unchanged(lexicon):
    """A site vocabulary is looked up beside the word list: a misread snaps to a site word, the word
    list's own words still correct, and the lexicon it extends is not modified (it is shared)."""
    site = lexicon.with_site_words(site_word_list("lab204, dockb;  mailroom"))
    assert site.knows("LAB204") and site.knows("exit") and not lexicon.knows("lab204")
    assert len(site) == len(lexicon) + 3 and lexicon.site is None
    misread = frames("lab2o4", 0.9, {4: ("0", 0.4)})
    assert read(site, misread, margin=3.0) == "lab204"
    assert read(lexicon, misread, margin=3.0) == "lab2o4"
    assert read(site, frames("restauranr", 0.9, {9: ("t", 0.4)}), margin=3.0) == "restaurant"
    assert site_word_list(" , ") == [] and lexicon.with_site_words([]).site is None
