"""SynthText-style signage scenes with exact word quadrilaterals, in the dev-set folder format.

Signs and plates (and bare text on walls) are laid out flat with exact word boxes, then warped by a
random homography onto a background (Debian wallpapers or procedural textures) with clutter that is
not text, lighting, shadows, blur, noise and JPEG artefacts.

Usage: python -m edge_ocr_train.synth_scenes --out data/scenes_synth --count 6000 --seed 2
Writes NAME.jpg + NAME.gt.json (``[{"points": [[x, y] x 4], "text": str | null}]``).
"""

from __future__ import annotations

import json
import logging
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from edge_ocr_ros.geometry import order_quad

from .fonts import find_fonts, load_font
from .generator_cli import generator_main
from .synth_words import luminance
from .textures import background, degrade, random_color
from .words import sample_text

LOG = logging.getLogger(__name__)
SCENE_SIZE = 384
MIN_WORD_HEIGHT = 6  # smaller words become don't-care regions


def render_sign(rng: np.random.Generator, fonts: tuple[str, ...],
                lines: list[list[str]] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A flat RGBA sign with 1-3 lines of 1-3 words (random, or ``lines``); returns the image, word quads and texts."""
    size = int(rng.integers(24, 56))
    font = load_font(fonts[int(rng.integers(len(fonts)))], size)
    if lines is None:
        lines = [[sample_text(rng) for _ in range(int(rng.choice([1, 1, 2, 2, 3])))] for _ in range(int(rng.choice([1, 1, 1, 2, 2, 3])))]
    n_lines = len(lines)
    space = font.getlength(" ") * float(rng.uniform(1.0, 2.0))
    line_h = size * float(rng.uniform(1.15, 1.6))
    widths = [sum(font.getlength(w) for w in line) + space * (len(line) - 1) for line in lines]
    pad = size * float(rng.uniform(0.3, 1.0))
    w, h = int(max(widths) + 2 * pad), int(line_h * n_lines + 2 * pad)
    plate = rng.random() < 0.75
    plate_color = random_color(rng)
    fg = np.array([0, 0, 0]) if luminance(plate_color) > 128 else np.array([255, 255, 255])
    if rng.random() < 0.5:  # coloured text of sufficient contrast
        for _ in range(10):
            c = rng.integers(0, 256, 3)
            if abs(luminance(c) - luminance(plate_color)) > 80:
                fg = c
                break
    img = Image.new("RGBA", (w, h), (*[int(c) for c in plate_color], 255 if plate else 0))
    draw = ImageDraw.Draw(img)
    if plate and rng.random() < 0.4:
        inset = int(pad * 0.3)
        draw.rectangle([inset, inset, w - inset, h - inset], outline=(*(int(c) for c in fg), 255), width=max(1, size // 12))
    quads, texts = [], []
    align = rng.integers(0, 3)
    for li, (line, lw) in enumerate(zip(lines, widths, strict=True)):
        x = pad + [0, (max(widths) - lw) / 2, max(widths) - lw][align]
        y = pad + li * line_h
        for word in line:
            draw.text((x, y), word, font=font, fill=(*(int(c) for c in fg), 255))
            x0, y0, x1, y1 = draw.textbbox((x, y), word, font=font)
            quads.append([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
            texts.append(word)
            x += font.getlength(word) + space
    return np.asarray(img), np.array(quads, np.float32), texts


def sign_homography(rng: np.random.Generator, w: int, h: int, text_px: float, word_h: float) -> np.ndarray:
    """Scale the sign so its words are ``text_px`` high, rotate, tilt and place it in the scene."""
    s = text_px / word_h
    angle = float(rng.normal(0, 12)) if rng.random() < 0.9 else float(rng.uniform(-70, 70))
    centre = rng.uniform(0.15, 0.85, size=2) * SCENE_SIZE
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]]) * s
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = (src - [w / 2, h / 2]) @ rot.T + centre
    tilt = rng.uniform(-0.12, 0.12, size=(4, 2)) * np.array([w, h]) * s
    return cv2.getPerspectiveTransform(src, (dst + tilt).astype(np.float32))


def add_clutter(rng: np.random.Generator, scene: np.ndarray) -> None:
    """Lines, circles, boxes, polygons and bar patterns: edges that a detector must not call text."""
    for _ in range(int(rng.integers(0, 12))):
        color = tuple(int(c) for c in random_color(rng))
        p = rng.integers(0, SCENE_SIZE, size=(3, 2))
        kind = rng.integers(0, 5)
        thick = int(rng.integers(1, 6))
        if kind == 0:
            cv2.line(scene, tuple(map(int, p[0])), tuple(map(int, p[1])), color, thick)
        elif kind == 1:
            cv2.circle(scene, tuple(map(int, p[0])), int(rng.integers(3, 60)), color, thick if rng.random() < 0.5 else -1)
        elif kind == 2:
            cv2.rectangle(scene, tuple(map(int, p[0])), tuple(map(int, p[1])), color, thick if rng.random() < 0.5 else -1)
        elif kind == 3:
            cv2.fillPoly(scene, [p.astype(np.int32)], color)
        else:  # bars: the classic false positive (fences, railings, barcodes)
            x0, y0 = map(int, p[0])
            step = int(rng.integers(3, 12))
            for i in range(int(rng.integers(3, 12))):
                cv2.line(scene, (x0 + i * step, y0), (x0 + i * step, y0 + int(rng.integers(10, 50))), color, max(1, step // 3))


def render_scene(rng: np.random.Generator, fonts: tuple[str, ...]) -> tuple[np.ndarray, list[dict]]:
    scene = background(rng, SCENE_SIZE, SCENE_SIZE, plain_weight=0.1).copy()
    add_clutter(rng, scene)
    occupied = np.zeros((SCENE_SIZE, SCENE_SIZE), bool)
    words: list[dict] = []
    for _ in range(int(rng.integers(1, 6))):
        sign, quads, texts = render_sign(rng, fonts)
        h, w = sign.shape[:2]
        word_h = float(np.median(quads[:, 2, 1] - quads[:, 0, 1]))
        text_px = float(np.exp(rng.uniform(np.log(7), np.log(70))))
        matrix = sign_homography(rng, w, h, text_px, word_h)
        warped = cv2.warpPerspective(sign, matrix, (SCENE_SIZE, SCENE_SIZE), flags=cv2.INTER_LINEAR)
        alpha = warped[..., 3:4].astype(np.float32) / 255.0
        footprint = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (SCENE_SIZE, SCENE_SIZE)) > 0
        if not footprint.any() or (footprint & occupied).sum() > 0.02 * footprint.sum():
            continue
        occupied |= footprint
        scene[:] = (warped[..., :3] * alpha + scene * (1 - alpha)).astype(np.uint8)
        for quad, text in zip(cv2.perspectiveTransform(quads.reshape(1, -1, 2), matrix).reshape(-1, 4, 2), texts, strict=True):
            quad = order_quad(quad)
            inside = (quad >= -2).all() and (quad <= SCENE_SIZE + 2).all()
            height = 0.5 * (np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1]))
            readable = inside and height >= MIN_WORD_HEIGHT and any(c.isalnum() for c in text)
            words.append({"points": np.round(quad, 1).tolist(), "text": text if readable else None})
    return degrade(rng, scene, strength=float(rng.uniform(0.3, 1.0))), words


def _job(args: tuple[int, Path]) -> int:
    index, out = args
    rng = np.random.default_rng(args[0] * 7919 + 17)
    image, words = render_scene(rng, find_fonts())
    name = f"synth_{index:06d}"
    cv2.imwrite(str(out / f"{name}.jpg"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
    (out / f"{name}.gt.json").write_text(json.dumps(words))
    return len(words)


def generate(out: Path, count: int, seed: int, workers: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(seed * 10_000_019 + i, out) for i in range(count)]
    with Pool(workers) as pool:
        total = sum(tqdm(pool.imap_unordered(_job, jobs, chunksize=16), total=count, desc="scenes", unit="img"))
    LOG.info("wrote %d scenes with %d words to %s", count, total, out)


def main(argv: list[str] | None = None) -> None:
    generator_main(__doc__, generate, argv, count=6_000, seed=2, what="scenes")


if __name__ == "__main__":
    main()
