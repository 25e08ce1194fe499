"""Readers for labelled real data in the dev-set format (also what users bring to fine-tune).

- word folders: ``labels.tsv`` with ``filename<TAB>text`` beside the images;
- scene folders: ``NAME.jpg`` + ``NAME.gt.json`` (a list of ``{"points": [[x, y] x 4], "text": str | null}``).
"""

from __future__ import annotations

import json
import logging
from fnmatch import fnmatch
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from edge_ocr_ros.recognition.crop import warp_word

from .words import label_of

LOG = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def read_labelled_crops(folder: Path) -> tuple[list[str], list[np.ndarray], list[str]]:
    """File names, grayscale crops at their own size, and labels as published (case and punctuation
    kept; the trainer folds them to its alphabet) of ``folder/labels.tsv``; rows whose image does not
    read or whose label has no letter or digit are skipped."""
    rows = [line.split("\t", 1) for line in (folder / "labels.tsv").read_text(encoding="utf-8").splitlines() if "\t" in line]
    names, images, labels = [], [], []
    for name, text in tqdm(rows, desc=f"read {folder.name}", unit="img"):
        label = text.strip()
        img = cv2.imread(str(folder / name), cv2.IMREAD_GRAYSCALE)
        if img is None or not label_of(label):
            continue
        names.append(name)
        images.append(img)
        labels.append(label)
    LOG.info("%s: %d labelled word crops", folder, len(labels))
    return names, images, labels


def read_word_folder(folder: Path) -> tuple[list[np.ndarray], list[str]]:
    """The crops and labels of ``read_labelled_crops``."""
    _, images, labels = read_labelled_crops(folder)
    return images, labels


def full_quad(image: np.ndarray) -> np.ndarray:
    """The image corners as a word quad: a crop that is already one word."""
    h, w = image.shape[:2]
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)


def rectify_all(images: list[np.ndarray], height: int, width: int) -> np.ndarray:
    """Crops rectified like the engine does (image corners as the quad), stacked N x height x width."""
    out = np.empty((len(images), height, width), np.uint8)
    for img, dst in zip(images, out, strict=True):
        warp_word(img, full_quad(img), dst)
    return out


def load_word_folder(folder: Path, height: int, width: int) -> tuple[np.ndarray, list[str]]:
    """All crops of ``folder/labels.tsv`` rectified like the engine does."""
    images, labels = read_word_folder(folder)
    return rectify_all(images, height, width), labels


def load_scene_gt(path: Path) -> tuple[np.ndarray, list[str | None]]:
    """Quads (N x 4 x 2) and texts (None = don't care) of one ``NAME.gt.json``."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    quads = np.array([e["points"] for e in entries], np.float32).reshape(-1, 4, 2)
    return quads, [e.get("text") for e in entries]


def scene_files(folder: Path, pattern: str = "*") -> list[tuple[Path, Path]]:
    """(image, ground truth) pairs of a scene folder, of the images whose file name matches ``pattern``."""
    pairs = []
    for img in sorted(folder.iterdir()):
        gt = img.with_name(img.stem + ".gt.json")
        if img.suffix.lower() in IMAGE_SUFFIXES and gt.is_file() and fnmatch(img.name, pattern):
            pairs.append((img, gt))
    return pairs


def upright_word_boxes(gt_path: Path, min_height: int = 6) -> list[tuple[int, tuple[slice, slice], str]]:
    """The labelled words of one scene's ground truth as (index in the file, (rows, columns) of the word's
    upright bounding box, label as published): how word-crop datasets cut them (a slanted word stays
    slanted in its box). Words under ``min_height`` pixels and don't-care regions are left out."""
    quads, texts = load_scene_gt(gt_path)
    boxes = []
    for index, (quad, text) in enumerate(zip(quads, texts, strict=True)):
        label = (text or "").strip()
        x0, y0 = np.maximum(np.floor(quad.min(axis=0)).astype(int), 0)
        x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
        if label_of(label) and y1 - y0 >= min_height and x1 > x0:
            boxes.append((index, (slice(y0, y1), slice(x0, x1)), label))
    return boxes


def read_scene_words(folder: Path, pattern: str = "*", min_height: int = 6) -> tuple[list[np.ndarray], list[str]]:
    """Grayscale crops and labels of the labelled words of the scenes ``folder/pattern``, each cut as
    its upright bounding box (``upright_word_boxes``)."""
    images, labels = [], []
    pairs = scene_files(folder, pattern)
    for image_path, gt_path in tqdm(pairs, desc=f"words of {folder.name}/{pattern}", unit="img"):
        scene = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
        if scene is None:
            continue
        for _, box, label in upright_word_boxes(gt_path, min_height):
            images.append(scene[box].copy())
            labels.append(label)
    LOG.info("%s/%s: %d labelled words in %d scenes", folder, pattern, len(labels), len(pairs))
    return images, labels
