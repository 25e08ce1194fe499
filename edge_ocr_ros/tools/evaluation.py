"""Scoring against labelled folders in the dev-set format.

Scenes (``NAME.jpg`` + ``NAME.gt.json``), ICDAR 2015 style:
- a prediction whose area lies mostly (> 50 %) inside a don't-care region (``text: null``) is ignored,
  and don't-care regions are not counted as ground truth;
- detection: one-to-one matching at polygon IoU >= 0.5, greedily by descending IoU;
- end to end: the same, where a pair must also have equal text, compared case-insensitively on
  letters and digits only;
- scenes listed in ``partial_annotation.txt`` count no unmatched prediction as a false positive.
Word crops (``labels.tsv``): accuracy under the same text comparison, and the mean normalised edit
distance (Levenshtein distance / length of the longer string; 0 is perfect).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..geometry import convex_hull, intersection_area, polygon_area, polygon_iou
from ..recognition.lexicon import edit_distance

__all__ = [
    "DONT_CARE_OVERLAP",
    "IOU_THRESHOLD",
    "Counts",
    "SceneScore",
    "greedy_match",
    "iou_matrix",
    "load_gt",
    "normalize_text",
    "partial_scenes",
    "score_scene",
    "word_scores",
]

IOU_THRESHOLD = 0.5
DONT_CARE_OVERLAP = 0.5


def normalize_text(text: str) -> str:
    """Text as the ICDAR comparison sees it: lower case, letters and digits only."""
    return "".join(c for c in text.lower() if c.isalnum())


def iou_matrix(preds: Sequence[np.ndarray], gts: Sequence[np.ndarray]) -> np.ndarray:
    """Polygon IoU of every prediction with every ground truth (convex hulls of the quads)."""
    p = [convex_hull(q) for q in preds]
    g = [convex_hull(q) for q in gts]
    return np.array([[polygon_iou(a, b) for b in g] for a in p], np.float64).reshape(len(p), len(g))


def greedy_match(iou: np.ndarray, allowed: np.ndarray | None = None) -> list[tuple[int, int]]:
    """One-to-one pairs with IoU >= 0.5, taken by descending IoU."""
    ok = iou >= IOU_THRESHOLD
    if allowed is not None:
        ok &= allowed
    pairs = sorted(zip(*np.nonzero(ok), strict=True), key=lambda ij: -iou[ij])
    used_p, used_g, matches = set(), set(), []
    for i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            matches.append((int(i), int(j)))
    return matches


@dataclass
class Counts:
    """Matched, predicted and ground-truth counts, summed over images."""
    matched: int = 0
    predictions: int = 0  # predictions that count (not ignored, not excused by partial annotation)
    ground_truth: int = 0

    def add(self, other: Counts) -> None:
        """Add another image's counts."""
        self.matched += other.matched
        self.predictions += other.predictions
        self.ground_truth += other.ground_truth

    def prf(self) -> dict[str, float]:
        """Precision, recall and F1 (0 where undefined)."""
        p = self.matched / self.predictions if self.predictions else 0.0
        r = self.matched / self.ground_truth if self.ground_truth else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


@dataclass
class SceneScore:
    """The detection and end-to-end counts of one image."""
    detection: Counts = field(default_factory=Counts)
    end_to_end: Counts = field(default_factory=Counts)


def score_scene(pred_quads: Sequence[np.ndarray], pred_texts: Sequence[str], gt_quads: Sequence[np.ndarray],
                gt_texts: Sequence[str | None], partial: bool = False) -> SceneScore:
    """Detection and end-to-end counts of one image."""
    care = [i for i, t in enumerate(gt_texts) if t is not None]
    dont = [convex_hull(gt_quads[i]) for i, t in enumerate(gt_texts) if t is None]
    kept = []
    for i, q in enumerate(pred_quads):
        poly = convex_hull(q)
        area = polygon_area(poly)
        if dont and area > 0 and max(intersection_area(poly, d) for d in dont) / area > DONT_CARE_OVERLAP:
            continue
        kept.append(i)
    iou = iou_matrix([pred_quads[i] for i in kept], [gt_quads[j] for j in care])
    same_text = np.array([[normalize_text(pred_texts[i]) == normalize_text(gt_texts[j] or "") for j in care]
                          for i in kept], bool).reshape(len(kept), len(care))
    score = SceneScore()
    for counts, matches in ((score.detection, greedy_match(iou)), (score.end_to_end, greedy_match(iou, same_text))):
        counts.matched = len(matches)
        counts.ground_truth = len(care)
        counts.predictions = len(matches) if partial else len(kept)
    return score


def load_gt(path: Path) -> tuple[list[np.ndarray], list[str | None]]:
    """Quads and texts (None for don't-care) of a NAME.gt.json file."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [np.asarray(e["points"], np.float32).reshape(4, 2) for e in entries], [e.get("text") for e in entries]


def partial_scenes(folder: Path) -> set[str]:
    """Image names (file names or stems) listed in partial_annotation.txt."""
    listing = folder / "partial_annotation.txt"
    if not listing.is_file():
        return set()
    names = {line.strip() for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()}
    return names | {Path(n).stem for n in names}


def word_scores(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Accuracy and mean normalised edit distance of (prediction, truth) pairs, compared as the ICDAR
    numbers are (case- and punctuation-insensitively), and the case-sensitive accuracy: the exact text,
    case and punctuation included (what a robot reading "Room B-204" needs)."""
    correct, exact, ned, n = 0, 0, 0.0, 0
    for pred, truth in pairs:
        p, t = normalize_text(pred), normalize_text(truth)
        correct += p == t
        exact += pred.strip() == truth.strip()
        ned += edit_distance(p, t) / max(len(p), len(t), 1)
        n += 1
    return {"accuracy": round(correct / n, 4) if n else 0.0, "accuracy_cased": round(exact / n, 4) if n else 0.0,
            "ned": round(ned / n, 4) if n else 0.0, "count": n}
