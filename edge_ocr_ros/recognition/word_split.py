"""Words the detector joined ("LEVEL 2" in one box) are cut apart where the recognizer reads a space.

EAST joins words whose gap is small against their height. The recognizer never saw a space in
training: across the gap it emits blanks and reads "LEVEL2". On the best CTC path a space shows as
two neighbouring characters whose centres lie much further apart than the word's other characters
(``min_ratio`` x their median distance) and far apart in absolute terms (``min_gap`` box heights),
since single letters such as "W" next to "i" also make one distance long. The cut goes in the middle
of the blank run; each part is then decoded (and snapped to the lexicon) on its own.

On real photos a long blank run is as often a hesitation inside a word ("Tow" + "n") as a space, and
cutting on geometry alone cost up to 3 end-to-end points on the real training scenes; so a cut
stands only when the lexicon backs it (``lexicon_confirms``), which measured neutral there
(models/README.md) and reads "LEVEL 2" on a sign as two words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["MIN_PART", "SplitRule", "character_runs", "cut_steps", "lexicon_confirms", "sub_quad"]
MIN_PART = 3  # letters of the shortest lexicon word a cut may leave


class WordList(Protocol):
    """What the confirmation needs of a lexicon."""

    def knows(self, text: str) -> bool: ...


@dataclass(frozen=True)
class SplitRule:
    """When a blank run between two characters is a space (``min_gap`` 0 turns splitting off)."""

    min_gap: float  # centre distance of the two characters, in box heights
    min_ratio: float  # ... and in multiples of the median distance between the word's characters

    @property
    def enabled(self) -> bool:
        """Whether any reading can be cut."""
        return self.min_gap > 0


def character_runs(best: np.ndarray, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last time step of each emitted character of a best path (``best``: T class ids)."""
    if len(best) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, best[1:] != best[:-1]])
    ends = np.r_[starts[1:], len(best)]
    emitted = best[starts] != blank
    return starts[emitted], ends[emitted]


def cut_steps(best: np.ndarray, blank: int, step_heights: float, rule: SplitRule) -> list[int]:
    """Time steps at which the reading ``best`` (T class ids of the word's own steps) is cut.

    ``step_heights`` is the length of one time step in box heights (it grows when a long box was
    squeezed into the recognizer's fixed width).
    """
    starts, ends = character_runs(best, blank)
    if not rule.enabled or len(starts) < 2:
        return []
    centres = (starts + ends) * 0.5
    distances = np.diff(centres)
    spaces = (distances * step_heights >= rule.min_gap) & (distances >= rule.min_ratio * np.median(distances))
    gaps = np.flatnonzero(spaces)
    return [int(ends[k] + starts[k + 1]) // 2 for k in gaps]


def sub_quad(quad: np.ndarray, start: float, end: float) -> np.ndarray:
    """The part of ``quad`` (clockwise from top-left) between ``start`` and ``end`` (fractions of its width)."""
    top, bottom = quad[1] - quad[0], quad[2] - quad[3]
    return np.stack([quad[0] + top * start, quad[0] + top * end, quad[3] + bottom * end,
                     quad[3] + bottom * start]).astype(np.float32)


def lexicon_confirms(lexicon: WordList | None, whole: str, parts: list[str]) -> bool:
    """Whether cutting ``whole`` into ``parts`` is backed by the word list: the whole reading is no
    known word, and every part is a number or a known word of at least MIN_PART letters."""
    if lexicon is None or lexicon.knows(whole):
        return False
    return all(part.isdigit() or (len(part) >= MIN_PART and lexicon.knows(part)) for part in parts)
