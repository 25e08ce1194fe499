"""MJSynth-style word crops, rendered and rectified exactly as the engine crops words at run time.

Usage: python -m edge_ocr_train.synth_words --out data/words_synth --count 200000 --seed 1
       python -m edge_ocr_train.synth_words --out data/words_camera --count 120000 --seed 5 --camera 0.7
       python -m edge_ocr_train.synth_words --out data/words_styles --count 40000 --seed 6 --camera 0.7 --styles 1
Writes ``images.npy`` (N x H x W uint8 grayscale) and ``labels.txt`` (the printed text, one per line, with
its case and punctuation: the trainer folds it to the alphabet it trains).
"""

from __future__ import annotations

import logging
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from edge_ocr_ros.recognition.crop import warp_word

from .camera_views import camera_view
from .fonts import find_fonts, load_font
from .generator_cli import generator_main
from .sign_styles import sign_style
from .textures import background, degrade
from .words import label_of, sample_text

LOG = logging.getLogger(__name__)
CROP_HEIGHT, CROP_WIDTH = 32, 128
CHUNK = 500


def luminance(color: np.ndarray) -> float:
    return float(0.299 * color[2] + 0.587 * color[1] + 0.114 * color[0])


def text_color(rng: np.random.Generator, bg: np.ndarray) -> tuple[int, int, int]:
    """A colour that differs from the background's mean luminance; sometimes only slightly (low contrast)."""
    bg_lum = luminance(bg.reshape(-1, 3).mean(axis=0))
    min_delta = 25 if rng.random() < 0.2 else 70
    for _ in range(20):
        color = rng.integers(0, 256, size=3)
        if abs(luminance(color) - bg_lum) >= min_delta:
            break
    else:
        color = np.array([0, 0, 0]) if bg_lum > 127 else np.array([255, 255, 255])
    return tuple(int(c) for c in color)


def random_homography(rng: np.random.Generator, w: int, h: int, strength: float) -> np.ndarray:
    """Small perspective jitter of a w x h canvas (corners move by up to strength * size)."""
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    jitter = rng.uniform(-strength, strength, size=(4, 2)).astype(np.float32) * np.array([w, h], np.float32) * 0.5
    return cv2.getPerspectiveTransform(src, src + jitter)


def render_word(rng: np.random.Generator, fonts: tuple[str, ...],
                camera: float = 0.0, styles: float = 0.0) -> tuple[np.ndarray, np.ndarray, str]:
    """Render one word on a background; returns the BGR canvas, the word quad and the printed text. A share
    ``camera`` of the words is seen as a robot's camera sees signs (``camera_views``) instead of flat, and
    a share ``styles`` is made as engraved, embossed, backlit, reflective or display letters (``sign_styles``)
    instead of paint."""
    while True:
        text = sample_text(rng)
        if label_of(text) and len(text) <= 24:
            break
    size = int(rng.integers(28, 60))
    font = load_font(fonts[int(rng.integers(len(fonts)))], size)
    stroke = int(rng.integers(1, 3)) if rng.random() < 0.15 else 0
    x0, y0, x1, y1 = font.getbbox(text, stroke_width=stroke)
    pad = size
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    canvas = background(rng, h, w)
    fg = text_color(rng, canvas)
    origin = (pad - x0, pad - y0)
    if styles and rng.random() < styles:
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).text(origin, text, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
        canvas = sign_style(rng, canvas, np.asarray(mask, np.float32) / 255.0, fg, float(y1 - y0))
    else:
        pil = Image.fromarray(canvas)
        draw = ImageDraw.Draw(pil)
        if rng.random() < 0.15:  # drop shadow
            off = int(rng.integers(1, 4))
            draw.text((origin[0] + off, origin[1] + off), text, font=font, fill=(0, 0, 0))
        stroke_fill = tuple(int(c) for c in rng.integers(0, 256, 3)) if stroke else None
        draw.text(origin, text, font=font, fill=fg, stroke_width=stroke, stroke_fill=stroke_fill)
        canvas = np.asarray(pil)
    quad = np.array([[pad, pad], [w - pad, pad], [w - pad, h - pad], [pad, h - pad]], np.float32)
    # the crop the recognizer sees: detector boxes are loose or tight by a few pixels
    th = float(h - 2 * pad)
    margins = rng.uniform([-0.05, -0.08], [0.35, 0.3], size=(4, 2)) * th
    quad += margins * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32)
    if rng.random() < camera:  # the loose box turns and bends with the word, as a detector's box would hold it
        canvas, quad = camera_view(canvas, quad, rng)
        return canvas, quad, text
    if rng.random() < 0.7:
        matrix = random_homography(rng, w, h, strength=float(rng.uniform(0.02, 0.15)))
        canvas = cv2.warpPerspective(canvas, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)
        quad = cv2.perspectiveTransform(quad[None], matrix)[0]
    # small text in the scene: shrink so the word is 8..40 px high before degrading
    scale = float(rng.uniform(8, 40)) / th
    if scale < 1:
        canvas = cv2.resize(canvas, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        quad *= scale
    return degrade(rng, canvas), quad, text


def render_crops(args: tuple[int, int, float, float]) -> tuple[np.ndarray, list[str]]:
    """``count`` word crops (as the engine cuts them, grayscale) and their texts from one seed."""
    seed, count, camera, styles = args
    rng = np.random.default_rng(seed)
    fonts = find_fonts()
    images = np.empty((count, CROP_HEIGHT, CROP_WIDTH), np.uint8)
    labels = []
    for i in range(count):
        canvas, quad, label = render_word(rng, fonts, camera, styles)
        if rng.random() < 0.5:  # colour inverted words are common on signs
            canvas = 255 - canvas
        warp_word(cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY), quad, images[i])
        labels.append(label)
    return images, labels


def generate(out: Path, count: int, seed: int, workers: int, camera: float = 0.0, styles: float = 0.0) -> None:
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(seed * 1_000_003 + i, min(CHUNK, count - i * CHUNK), camera, styles) for i in range((count + CHUNK - 1) // CHUNK)]
    images = np.lib.format.open_memmap(out / "images.npy", mode="w+", dtype=np.uint8, shape=(count, CROP_HEIGHT, CROP_WIDTH))
    labels: list[str] = []
    with Pool(workers) as pool:
        for i, (chunk_images, chunk_labels) in enumerate(tqdm(pool.imap(render_crops, jobs), total=len(jobs), desc="words", unit="chunk")):
            images[i * CHUNK : i * CHUNK + len(chunk_labels)] = chunk_images
            labels.extend(chunk_labels)
    images.flush()
    (out / "labels.txt").write_text("\n".join(labels) + "\n", encoding="utf-8")
    LOG.info("wrote %d word crops to %s", count, out)


def main(argv: list[str] | None = None) -> None:
    generator_main(__doc__, generate, argv, count=200_000, seed=1, what="word crops", options={
        "--camera": {"type": float, "default": 0.0,
                     "help": "share of words seen as a robot's camera sees signs: turned away up to 50 degrees, "
                             "from below or above, bent along arcs, defocused, small, with glare (camera_views.py)"},
        "--styles": {"type": float, "default": 0.0,
                    "help": "share of words whose letters are engraved, embossed, backlit, reflective sheeting, "
                            "LED or dot-matrix instead of paint (sign_styles.py)"}})


if __name__ == "__main__":
    main()
