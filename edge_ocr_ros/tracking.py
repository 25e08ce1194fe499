"""Words followed across the frames of a stream, so that a robot gets one steady reading per sign.

Each frame is read from scratch, so a word misread in one frame of a drive-by would flicker. The tracker
matches a frame's words to the tracks of the previous frames (polygon IoU after moving each track by its
last motion, plus text similarity; a reading that shares less than half its characters with the track's
text is another word, not a misreading). A track without a motion yet (seen once) that overlaps nothing may
still take the same reading near where it was, within a box height or one and a half of its lengths, whichever
is more, growing with the frames it was missed (at a low camera rate a passing sign moves more than its own
box between two frames). A track lives ``max_age`` frames without a match. Each word gets its track's vote: the text whose
readings have the largest summed confidence; its confidence is that sum divided by the frames the track was
read in (in [0, 1]: it grows towards the readings' own confidence as the frames agree, and stays low for a
text that only some frames read).

The detector splits a word in some frames and not in others. A frame whose reading holds more of the word
than the track's vote ("76-100SC" on a track voted "100SC") publishes its own reading rather than the
fragment; and a fragment left over in a frame, lying inside where a track matched in that frame expected its
word and reading a part of it ("32" beside "080" on the track of "32-080"), is folded into that track
instead of being published twice. Moving a fragment's votes to the fuller reading was measured and
dropped: a misread with a stray extra letter ("an.Sommerville") then took the correct reading's votes
(scripts/driveby_bench.py, docs/driveby.md).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np

from .config import OcrConfig
from .geometry import polygon_iou
from .reading_order import read_lines
from .recognition.lexicon import edit_distance
from .results import OcrResult, Word

__all__ = ["MIN_IOU", "MIN_SIMILARITY", "TEXT_WEIGHT", "TrackingSettings", "WordTracker"]

MIN_IOU = 0.1  # a word and a track's predicted polygon must overlap at least this much to be matched
TEXT_WEIGHT = 0.5  # how much the readings' similarity adds to the overlap when matches compete
MIN_SIMILARITY = 0.5  # a reading must share at least half its characters with the track's text (1 - edit distance / length)
FRAGMENT_INSIDE = 0.7  # share of a fragment's box inside its track's box for it to be folded into the track
NEAR_SIMILARITY = 0.8  # how alike a reading must be to join a motionless track it does not overlap
NEAR_HEIGHTS = 1.0  # ... and within this many box heights of it per frame since it was last seen (plus one)
NEAR_LENGTHS = 1.5  # ... or this many of its lengths (a word that moved its own length between two frames)


@dataclass(frozen=True)
class TrackingSettings:
    """The ``tracking.*`` settings (docs/parameters.md)."""

    enabled: bool
    min_frames: int  # words whose track was read in fewer frames are not reported
    max_age: int  # frames a track survives without a match

    @classmethod
    def from_config(cls, config: OcrConfig) -> TrackingSettings:
        return config.stage(cls, "tracking")


@dataclass
class _Track:
    id: int
    quad: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2, np.float32))
    votes: dict[str, float] = field(default_factory=dict)
    frames_seen: int = 0
    misses: int = 0

    def read(self, word: Word) -> None:
        if self.frames_seen:
            self.velocity = 0.5 * self.velocity + 0.5 * (word.points.mean(axis=0) - self.quad.mean(axis=0))
        self.quad = word.points.astype(np.float32)
        self.votes[word.text] = self.votes.get(word.text, 0.0) + float(word.confidence)
        self.frames_seen += 1
        self.misses = 0

    def predicted(self) -> np.ndarray:
        return self.quad + self.velocity


def _similarity(a: str, b: str) -> float:
    return 1.0 - edit_distance(a.lower(), b.lower()) / max(len(a), len(b), 1)


def _key(text: str) -> str:
    """Letters and digits, lower case: what two readings of one word share."""
    return "".join(c for c in text.lower() if c.isalnum())


def _is_part(part: str, whole: str) -> bool:
    """``part`` is a proper part of ``whole`` (at least two characters of it)."""
    return 2 <= len(part) < len(whole) and part in whole


def _inside(inner: np.ndarray, outer: np.ndarray) -> float:
    """Share of ``inner``'s bounding box inside ``outer``'s (axis-aligned, enough to tell a fragment)."""
    lo, hi = np.maximum(inner.min(axis=0), outer.min(axis=0)), np.minimum(inner.max(axis=0), outer.max(axis=0))
    area = np.prod(np.maximum(inner.max(axis=0) - inner.min(axis=0), 1e-6))
    return float(np.prod(np.maximum(hi - lo, 0)) / area)


def _lengths(quads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Length along the text (mean of top and bottom edges) and height (mean of the sides) of N x 4 x 2 quads."""
    edge = np.linalg.norm(np.roll(quads, -1, axis=1) - quads, axis=2)
    return (edge[:, 0] + edge[:, 2]) / 2, (edge[:, 1] + edge[:, 3]) / 2


class WordTracker:
    """Gives the words of successive frames of one stream track ids and voted texts.

    Args:
        settings: minimum frames before a word is reported, and frames a lost track is kept.
    """

    def __init__(self, settings: TrackingSettings) -> None:
        self.settings = settings
        self._tracks: list[_Track] = []
        self._ids = itertools.count(1)

    def reset(self) -> None:
        """Forget every track (a new stream, or the node reconfigured)."""
        self._tracks = []

    def configure(self, settings: TrackingSettings) -> None:
        """Apply new settings; the tracks are kept."""
        self.settings = settings

    def _match(self, words: list[Word]) -> list[tuple[int, int]]:
        """(track, word) pairs, best first, each track and word at most once."""
        if not self._tracks or not words:
            return []
        predicted = np.stack([t.predicted() for t in self._tracks])
        quads = np.stack([w.points for w in words]).astype(np.float32)
        track_length, track_height = _lengths(predicted)
        lo_t, hi_t = predicted.min(axis=1), predicted.max(axis=1)
        lo_w, hi_w = quads.min(axis=1), quads.max(axis=1)
        touching = np.all((lo_t[:, None] <= hi_w[None]) & (lo_w[None] <= hi_t[:, None]), axis=2)
        distance = np.linalg.norm(predicted.mean(axis=1)[:, None] - quads.mean(axis=1)[None], axis=2)
        motionless = np.array([t.frames_seen == 1 for t in self._tracks])
        misses = np.array([t.misses for t in self._tracks])
        reach = np.maximum(NEAR_HEIGHTS * track_height, NEAR_LENGTHS * track_length) * (1 + misses)
        near = motionless[:, None] & (distance <= reach[:, None])
        candidates = []
        for i, j in zip(*np.nonzero(touching | near), strict=True):  # text compared only where the boxes allow a match
            track = self._tracks[i]
            similarity = _similarity(max(track.votes, key=track.votes.get), words[j].text)
            if similarity < MIN_SIMILARITY:  # another word in the same place (the camera turned) is a new track
                continue
            iou = polygon_iou(predicted[i], quads[j]) if touching[i, j] else 0.0
            if iou >= MIN_IOU:
                candidates.append((iou + TEXT_WEIGHT * similarity, int(i), int(j)))
            elif near[i, j] and similarity >= NEAR_SIMILARITY:
                candidates.append((TEXT_WEIGHT * similarity - 1.0, int(i), int(j)))  # after every overlap
        used_t, used_w, pairs = set(), set(), []
        for _, i, j in sorted(candidates, reverse=True):
            if i not in used_t and j not in used_w:
                used_t.add(i)
                used_w.add(j)
                pairs.append((i, j))
        return pairs

    def update(self, result: OcrResult) -> OcrResult:
        """The frame's result with each word's track id, frames seen and the track's voted text and
        confidence (this frame's reading kept in ``frame_text``), words of tracks read in fewer than
        ``min_frames`` frames left out, and the lines read again from the voted texts. With tracking
        disabled the result is returned as it is (and the tracks are forgotten)."""
        if not self.settings.enabled:
            self.reset()
            return result
        words = result.words
        owner: dict[int, _Track] = {}
        expected = {id(t): t.predicted() for t in self._tracks}  # where each track's whole word should be now
        for i, j in self._match(words):
            self._tracks[i].read(words[j])
            owner[j] = self._tracks[i]
        matched = {id(t) for t in owner.values()}
        survivors = []
        for track in self._tracks:
            if id(track) not in matched:
                track.misses += 1
                track.quad = track.predicted()  # a lost word keeps moving as it did
            if track.misses <= self.settings.max_age:
                survivors.append(track)
        folded = set()
        for j, word in enumerate(words):
            host = None if j in owner else self._host(word, owner, expected)
            if host is not None:  # a fragment beside the reading its track took this frame: not a word of its own
                folded.add(j)
            elif j not in owner:
                track = _Track(next(self._ids), word.points.astype(np.float32))
                track.read(word)
                owner[j] = track
                survivors.append(track)
        self._tracks = survivors
        out = []
        for j, word in enumerate(words):
            if j in folded:
                continue
            track = owner[j]
            if track.frames_seen < self.settings.min_frames:
                continue
            text = max(track.votes, key=track.votes.get)
            if _is_part(_key(text), _key(word.text)):  # this frame read more of the word than the vote holds
                text = word.text
            out.append(replace(word, text=text, confidence=track.votes[text] / track.frames_seen, frame_text=word.text,
                               track_id=track.id, frames_seen=track.frames_seen))
        return replace(result, words=out, lines=read_lines(out))

    def _host(self, word: Word, owner: dict[int, _Track], expected: dict[int, np.ndarray]) -> _Track | None:
        """The track matched this frame that ``word`` is a leftover fragment of, if any: inside where the
        track's whole word was expected, and reading a part of it."""
        part = _key(word.text)
        for track in owner.values():
            box = expected.get(id(track))
            if box is not None and _is_part(part, _key(max(track.votes, key=track.votes.get))) \
                    and _inside(word.points, box) >= FRAGMENT_INSIDE:
                return track
        return None

    @property
    def active(self) -> int:
        """Tracks alive now (matched this frame or within ``max_age`` frames)."""
        return len(self._tracks)

