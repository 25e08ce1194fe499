"""Lexicon-guided CTC decoding: replace a misread by a known word when the model nearly agrees.

A small CRNN often drops or swaps one letter of a word it almost read ("restauranr"). When the
decoded text is not in the lexicon, the lexicon words within one edit (two for texts of six or more
characters) are scored by their CTC likelihood under the same frame scores; the best one replaces
the text when its log-likelihood is at most ``margin`` below the decoded text's. A confident read
of a name, a code or a number keeps its text: every word of the lexicon is then far less likely.
The lexicon is a plain word list (one word per line, ``#`` comments, optionally gzipped), so a
robot can bring its own: room names, product names, the street names of its site.

With an alphabet of both cases the lookup ignores case and the replacement keeps the case the recognizer
read: each candidate is scored as written in lower case, in upper case and capitalised, and the likeliest
writing wins ("RESTAURANR" becomes "RESTAURANT", "Restauranr" becomes "Restaurant").
"""

from __future__ import annotations

import copy
import gzip
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .charset import Charset
from .ctc import label_log_likelihoods

__all__ = ["MIN_LENGTH", "Lexicon", "edit_distance", "edit_distances", "max_edits", "site_word_list"]

MIN_LENGTH = 3  # shorter texts have too many one-edit neighbours to be corrected safely


def max_edits(length: int) -> int:
    """Edits a word of ``length`` characters may be from a lexicon word and still be snapped to it."""
    return 1 if length < 6 else 2


def edit_distances(words: np.ndarray, lengths: np.ndarray, query: list[int]) -> np.ndarray:
    """Levenshtein distances from ``query`` to each padded row of ``words`` (n x L), vectorised
    over the rows; insertions along a row are a running minimum, so the loop is over ``query`` only."""
    n, width = words.shape
    steps = np.arange(width + 1)
    row = np.broadcast_to(steps, (n, width + 1)).copy()
    for i, c in enumerate(query, start=1):
        cur = np.empty_like(row)
        cur[:, 0] = i
        cur[:, 1:] = np.minimum(row[:, :-1] + (words != c), row[:, 1:] + 1)
        row = np.minimum.accumulate(cur - steps, axis=1) + steps
    return row[np.arange(n), lengths]


def site_word_list(text: str) -> list[str]:
    """The words of a site vocabulary setting: separated by spaces, commas or semicolons."""
    return [w for w in re.split(r"[\s,;]+", text) if w]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance of two strings (``edit_distances`` with one row)."""
    row = np.array([[ord(c) for c in b]], np.int64).reshape(1, len(b))
    return int(edit_distances(row, np.array([len(b)]), [ord(c) for c in a])[0])


class Lexicon:
    """Known words encoded in a charset, grouped by length with their letter counts for fast lookup."""

    def __init__(self, words: Iterable[str], charset: Charset) -> None:
        self.charset = charset
        alphabet = set(charset.tokens[1:-1])
        # a one-case alphabet reads words in that case ("Exit" -> "exit"); a two-case one looks up in lower case
        fold = str.lower
        if charset.case_insensitive and not any(t.islower() for t in alphabet):
            fold = str.upper
        index = {t: i for i, t in enumerate(charset.tokens)}
        self.cased = not charset.case_insensitive
        # class -> its lower-case class (itself for digits, punctuation and one-case alphabets) and back
        self._lower = np.array([index.get(t.lower(), i) if self.cased else i for i, t in enumerate(charset.tokens)])
        self._upper = np.array([index.get(t.upper(), i) if self.cased else i for i, t in enumerate(charset.tokens)])
        self._fold = fold
        known: set[str] = set()
        for word in words:
            word = fold(word.strip().replace("'", ""))
            if word and not word.startswith("#") and all(c in alphabet for c in word):
                known.add(word)
        self.words = known
        self.site: Lexicon | None = None  # the robot's own words (with_site_words), looked up beside these
        by_length: dict[int, list[list[int]]] = {}
        for word in sorted(known):
            by_length.setdefault(len(word), []).append([index[c] for c in word])
        self._codes = {n: np.array(rows, np.int16) for n, rows in by_length.items()}
        # letter counts only over the classes lexicon words use (a cased alphabet's words are stored folded:
        # about half its classes), one row per class so that a query reads only the rows of its own letters
        used = sorted({index[c] for word in known for c in word})
        self._column = np.full(charset.num_classes, -1, np.int64)
        self._column[used] = np.arange(len(used))
        self._counts = {n: self._letter_counts(codes, len(used)) for n, codes in self._codes.items()}

    def _letter_counts(self, codes: np.ndarray, width: int) -> np.ndarray:
        """How often each used class occurs in each word (used classes x words)."""
        counts = np.zeros((width, len(codes)), np.int8)
        for column in codes.T:
            np.add.at(counts, (self._column[column], np.arange(len(codes))), 1)
        return counts

    @classmethod
    def load(cls, path: Path, charset: Charset) -> Lexicon:
        """Read a word list (.txt or .txt.gz, one word a line); ModelError if unreadable."""
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rt", encoding="utf-8") as f:
                return cls(f, charset)
        except OSError as exc:
            raise ModelError(f"cannot read lexicon {path}: {exc.strerror or exc}; set recognizer.lexicon "
                             "to a word list or to an empty string") from exc
        except UnicodeDecodeError as exc:
            raise ModelError(f"lexicon {path} is not UTF-8 text") from exc

    def with_site_words(self, words: Iterable[str]) -> Lexicon:
        """This lexicon plus a site vocabulary (room and product names), which can change at run time: the
        site words get a small lexicon of their own beside this one, so that a change costs a few
        milliseconds instead of re-indexing 90,000 words between two frames."""
        extended = copy.copy(self)
        site = Lexicon(words, self.charset)
        extended.site = site if len(site.words) else None
        return extended

    def _known(self, folded: str) -> bool:
        return folded in self.words or (self.site is not None and folded in self.site.words)

    def __len__(self) -> int:
        return len(self.words) + (len(self.site.words - self.words) if self.site is not None else 0)

    def knows(self, text: str) -> bool:
        """Whether ``text`` is one of the words or the site's words (in any case)."""
        return self._known(self._fold(text.replace("'", "")))

    def neighbours(self, labels: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Lexicon words within ``max_edits`` of ``labels``: words of a near length whose letter counts
        differ little enough (a cheap superset: an insertion or deletion changes them by 1, a
        substitution by 2) are checked by edit distance. Returns padded labels (n x L) and lengths."""
        m, edits = len(labels), max_edits(len(labels))
        columns = self._column[labels]
        query = np.bincount(columns[columns >= 0], minlength=self._column.max() + 1).astype(np.int8)
        unused = int((columns < 0).sum())  # letters no lexicon word has: each is at least one edit
        letters = np.flatnonzero(query)
        blocks = []  # candidate words of one length each, copied into the padded array block by block
        for n in range(max(1, m - edits), m + edits + 1):
            if n in self._codes:
                # |counts - query| summed = n + (m - unused) - 2 * shared letters, and only the query's own
                # letters can be shared: a few rows of the count table instead of all of them
                shared = np.minimum(self._counts[n][letters], query[letters, None]).sum(axis=0, dtype=np.int16)
                differ = n + (m - unused) - 2 * shared
                blocks.append(self._codes[n][differ + unused <= 2 * edits - abs(n - m)])
        out = np.zeros((sum(len(b) for b in blocks), m + edits), np.int64)
        lengths = np.concatenate([np.full(len(b), b.shape[1], np.int64) for b in blocks]) if blocks else np.zeros(0, np.int64)
        row = 0
        for block in blocks:
            out[row : row + len(block), : block.shape[1]] = block
            row += len(block)
        keep = edit_distances(out, lengths, labels) <= edits
        return out[keep], lengths[keep]

    def correct(self, probs: np.ndarray, labels: list[int], margin: float) -> tuple[list[int], float | None]:
        """The lexicon word that replaces ``labels`` decoded from ``probs`` (T x C), with its
        log-likelihood, or ``labels`` unchanged and None."""
        folded = self._lower[labels].tolist()
        if len(labels) < MIN_LENGTH or self._known(self.charset.decode(folded)):
            return labels, None
        candidates, lengths = self.neighbours(folded)
        if self.site is not None:
            site_candidates, site_lengths = self.site.neighbours(folded)
            candidates, lengths = np.concatenate([candidates, site_candidates]), np.concatenate([lengths, site_lengths])
        if not len(candidates):
            return labels, None
        if self.cased:  # every candidate as lower case, upper case and capitalised: the likeliest writing wins
            upper = self._upper[candidates]
            title = candidates.copy()
            title[:, 0] = upper[:, 0]
            candidates, lengths = np.concatenate([candidates, upper, title]), np.tile(lengths, 3)
        log_probs = np.log(np.maximum(probs, 1e-12, dtype=np.float64))
        own = label_log_likelihoods(log_probs, np.array([labels], np.int64), np.array([len(labels)]), self.charset.blank)[0]
        scores = label_log_likelihoods(log_probs, candidates, lengths, self.charset.blank)
        best = int(np.argmax(scores))
        if scores[best] < own - margin:
            return labels, None
        return candidates[best, : lengths[best]].tolist(), float(scores[best])
