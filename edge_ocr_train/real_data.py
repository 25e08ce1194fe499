"""Readers for labelled real data in the dev-set format (also what users bring to fine-tune).

- word folders: ``labels.tsv`` with ``filename<TAB>text`` beside the images;
- scene folders: ``NAME.jpg`` + ``NAME.gt.json`` (a list of ``{"points": [[x, y] x 4], "text": str | null}``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from edge_ocr_ros.crop import warp_word

from .words import label_of

LOG = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def load_word_folder(folder: Path, height: int, width: int) -> tuple[np.ndarray, list[str]]:
    """All crops of ``folder/labels.tsv`` rectified like the engine does (image corners as the quad)."""
    rows = [line.split("\t", 1) for line in (folder / "labels.tsv").read_text(encoding="utf-8").splitlines() if "\t" in line]
    images, labels = [], []
    for name, text in tqdm(rows, desc=f"read {folder.name}", unit="img"):
        label = label_of(text)
        img = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        if img is None or not label:
            continue
        h, w = img.shape
        out = np.empty((height, width), np.uint8)
        warp_word(img, np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32), out)
        images.append(out)
        labels.append(label)
    LOG.info("%s: %d labelled word crops", folder, len(labels))
    return np.stack(images), labels


def load_scene_gt(path: Path) -> tuple[np.ndarray, list[str | None]]:
    """Quads (N x 4 x 2) and texts (None = don't care) of one ``NAME.gt.json``."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    quads = np.array([e["points"] for e in entries], np.float32).reshape(-1, 4, 2)
    return quads, [e.get("text") for e in entries]


def scene_files(folder: Path) -> list[tuple[Path, Path]]:
    """(image, ground truth) pairs of a scene folder."""
    pairs = []
    for img in sorted(folder.iterdir()):
        gt = img.with_name(img.stem + ".gt.json")
        if img.suffix.lower() in IMAGE_SUFFIXES and gt.is_file():
            pairs.append((img, gt))
    return pairs
