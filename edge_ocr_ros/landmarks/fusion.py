"""Repeated sightings of signs fused into one landmark per sign, in a fixed frame.

A robot that drives past a sign reads it in many frames, sometimes misread, sometimes only part of it. A
sighting joins the landmark it most likely shows: within ``merge_distance`` of the landmark's position and
reading like it (``text_match.similarity`` at least ``min_similarity``, or one being a run of the other's
words). Two signs with one text far apart (two EXIT signs 10 m apart) stay two; a misread ("R00M 2O4")
joins the sign it misreads. A landmark's text is the reading with the largest summed confidence, readings
that fold to one key pooling their votes; a sighting of part of it ("204") moves its position and counts as
a sighting but casts no vote. The position is the
mean of the sightings and its spread their root-mean-square distance from it (Welford's running sums: a
landmark's memory does not grow with its sightings). A landmark is confirmed, answered and stored once it
has ``min_sightings`` sightings, so one stray misreading never becomes a place to go.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .text_match import fold, is_part, query_score, similarity

__all__ = ["FusionSettings", "Landmark", "LandmarkMap", "Sighting", "line_sightings"]

DISTANCE_WEIGHT = 0.5  # how much being far (up to merge_distance) counts against a landmark that reads alike
MIN_QUERY_SCORE = 0.5  # fuzzy answers below this are not answers


@dataclass(frozen=True)
class FusionSettings:
    """The map node's fusion parameters (docs/parameters.md)."""

    merge_distance: float = 1.0  # metres between a sighting and a landmark it may join
    min_similarity: float = 0.5  # text similarity for a sighting to join a landmark
    min_sightings: int = 3  # sightings before a landmark is confirmed


@dataclass(frozen=True)
class Sighting:
    """One text line read with a position in the map's fixed frame."""

    text: str
    confidence: float
    position: np.ndarray  # (3,) metres
    stamp: float  # seconds (the image's stamp)


@dataclass
class Landmark:
    """A sign as remembered: its readings' votes and the running statistics of where it was seen."""

    id: int
    votes: dict[str, float]
    mean: np.ndarray  # (3,) metres in the map's fixed frame
    m2: np.ndarray = field(default_factory=lambda: np.zeros(3))  # sums of squared deviations per axis
    sightings: int = 0
    first_seen: float = 0.0
    last_seen: float = 0.0
    confidence_sum: float = 0.0

    @property
    def text(self) -> str:
        """The voted reading: readings with one folded key ("ROOM 204", "ROOM204", "R00M 2O4") pool their votes;
        the group with the largest sum wins, shown as its own most voted writing."""
        groups: dict[str, float] = {}
        for reading, votes in self.votes.items():
            groups[fold(reading)] = groups.get(fold(reading), 0.0) + votes
        best = max(groups, key=groups.__getitem__)
        return max((r for r in self.votes if fold(r) == best), key=self.votes.__getitem__)

    @property
    def confidence(self) -> float:
        """Mean recognizer confidence of the sightings."""
        return self.confidence_sum / self.sightings if self.sightings else 0.0

    @property
    def spread(self) -> float:
        """Root-mean-square distance of the sightings from ``mean``, metres."""
        return float(np.sqrt(self.m2.sum() / self.sightings)) if self.sightings else 0.0

    def add(self, sighting: Sighting, vote: bool) -> None:
        """Take a sighting into the position statistics, and into the text votes if ``vote``."""
        if vote:
            self.votes[sighting.text] = self.votes.get(sighting.text, 0.0) + sighting.confidence
        self.sightings += 1
        delta = sighting.position - self.mean
        self.mean = self.mean + delta / self.sightings
        self.m2 = self.m2 + delta * (sighting.position - self.mean)
        self.first_seen = min(self.first_seen, sighting.stamp) if self.sightings > 1 else sighting.stamp
        self.last_seen = max(self.last_seen, sighting.stamp)
        self.confidence_sum += sighting.confidence

    @classmethod
    def start(cls, landmark_id: int, sighting: Sighting) -> Landmark:
        landmark = cls(landmark_id, {}, np.asarray(sighting.position, float).copy())
        landmark.add(sighting, vote=True)
        return landmark


class LandmarkMap:
    """The landmarks of one fixed frame; ``changed()`` tells a store what to write."""

    def __init__(self, settings: FusionSettings, landmarks: Iterable[Landmark] = ()) -> None:
        self.settings = settings
        self._reset(landmarks)

    def _reset(self, landmarks: Iterable[Landmark]) -> None:
        self._landmarks: dict[int, Landmark] = {lm.id: lm for lm in sorted(landmarks, key=lambda lm: lm.id)}
        self._next_id = max(self._landmarks, default=0) + 1
        self._changed: set[int] = set()
        self._ids = np.array(list(self._landmarks), np.int64)
        self._means = np.array([lm.mean for lm in self._landmarks.values()], float).reshape(-1, 3)

    def __len__(self) -> int:
        return len(self._landmarks)

    def add(self, sighting: Sighting) -> Landmark:
        """Fuse a sighting into the landmark it shows, or start a new landmark."""
        landmark, vote = self._match(sighting)
        if landmark is None:
            landmark = Landmark.start(self._next_id, sighting)
            self._landmarks[landmark.id] = landmark
            self._next_id += 1
            self._ids = np.append(self._ids, landmark.id)
            self._means = np.vstack([self._means, landmark.mean])
        else:
            landmark.add(sighting, vote)
            self._means[np.searchsorted(self._ids, landmark.id)] = landmark.mean
        self._changed.add(landmark.id)
        return landmark

    def _match(self, sighting: Sighting) -> tuple[Landmark | None, bool]:
        if not len(self._ids):
            return None, True
        distances = np.linalg.norm(self._means - sighting.position, axis=1)
        best, best_score, best_vote = None, -np.inf, True
        for i in np.flatnonzero(distances <= self.settings.merge_distance):
            landmark = self._landmarks[int(self._ids[i])]
            alike = max(similarity(sighting.text, reading) for reading in landmark.votes)
            part = is_part(sighting.text, landmark.text)
            if alike < self.settings.min_similarity and not part and not is_part(landmark.text, sighting.text):
                continue
            score = max(alike, 0.5 if part else 0.0) - DISTANCE_WEIGHT * distances[i] / self.settings.merge_distance
            if score > best_score:
                best, best_score, best_vote = landmark, score, not (part and alike < self.settings.min_similarity)
        return best, best_vote

    def get(self, landmark_id: int) -> Landmark | None:
        return self._landmarks.get(landmark_id)

    def confirmed(self) -> list[Landmark]:
        """Landmarks with at least ``min_sightings`` sightings, oldest first."""
        return [lm for lm in self._landmarks.values() if lm.sightings >= self.settings.min_sightings]

    def changed(self) -> list[Landmark]:
        """Confirmed landmarks changed since the previous call (what a store must write)."""
        out = [lm for i in sorted(self._changed) if (lm := self._landmarks[i]).sightings >= self.settings.min_sightings]
        self._changed.clear()
        return out

    def find(self, query: str, exact: bool = False, max_count: int = 0) -> list[tuple[Landmark, float]]:
        """Confirmed landmarks that ``query`` names, best match first (then the most recently seen);
        ``max_count`` 0 answers them all."""
        if not fold(query):
            return []
        scored = [(lm, query_score(query, lm.text, exact)) for lm in self.confirmed()]
        floor = 1.0 if exact else MIN_QUERY_SCORE
        found = sorted((pair for pair in scored if pair[1] >= floor), key=lambda p: (-p[1], -p[0].last_seen))
        return found[:max_count] if max_count > 0 else found

    def clear(self) -> int:
        """Forget every landmark; returns how many there were."""
        count = len(self._landmarks)
        self._reset(())
        return count


def line_sightings(lines: Iterable[tuple[str, float, Sequence[Sequence[float] | None]]], stamp: float,
                   to_fixed: np.ndarray) -> list[Sighting]:
    """Sightings of a frame's text lines, each given as (text, confidence, its words' positions or None):
    a line's position is the median of its words' positions (a line without one is no sighting), moved into
    the fixed frame by the 4 x 4 transform ``to_fixed``."""
    out = []
    for text, confidence, positions in lines:
        known = [p for p in positions if p is not None]
        if not known or not fold(text):
            continue
        point = np.median(np.asarray(known, float), axis=0)
        out.append(Sighting(text, float(confidence), to_fixed[:3, :3] @ point + to_fixed[:3, 3], stamp))
    return out
