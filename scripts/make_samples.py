#!/usr/bin/env python3
"""Render the demo's sample signs (committed under samples/signs/): 640 x 480 camera-like scenes of
signage with known words, made by the project's own scene renderer and Debian fonts.

Usage: python scripts/make_samples.py [--out samples/signs]
Each NAME.jpg has NAME.gt.json in the dev-set format, so `edge-ocr eval --gt samples/signs` scores them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from edge_ocr_ros.geometry import order_quad
from edge_ocr_train.fonts import find_fonts
from edge_ocr_train.synth_scenes import render_sign
from edge_ocr_train.textures import noise_texture, pattern_texture

SIGNS = {
    "exit": [["EXIT"]],
    "parking": [["PARKING"], ["LEVEL", "2"]],
    "room": [["ROOM", "204"]],
    "platform": [["PLATFORM", "3"]],
    "open": [["OPEN"], ["24", "HOURS"]],
    "lab": [["ROBOTICS", "LAB"]],
}
WIDTH, HEIGHT = 640, 480
CLEAR_FONTS = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "FreeSansBold.ttf", "Roboto-Bold.ttf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("samples/signs"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    fonts = tuple(f for f in find_fonts() if Path(f).name in CLEAR_FONTS) or find_fonts()
    for i, (name, lines) in enumerate(SIGNS.items()):
        rng = np.random.default_rng(100 + i)
        # procedural backgrounds only: every pixel of a committed sample is made by the project
        scene = (noise_texture if i % 2 == 0 else pattern_texture)(rng, HEIGHT, WIDTH)
        sign, quads, texts = render_sign(rng, fonts, lines)
        h, w = sign.shape[:2]
        scale = min(0.7 * WIDTH / w, 0.6 * HEIGHT / h)
        angle = np.deg2rad(rng.uniform(-8, 8))
        rot = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]) * scale
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        dst = (src - [w / 2, h / 2]) @ rot.T + [WIDTH / 2 + rng.uniform(-40, 40), HEIGHT / 2 + rng.uniform(-30, 30)]
        dst += rng.uniform(-0.04, 0.04, size=(4, 2)) * [w * scale, h * scale]  # a little perspective
        matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
        warped = cv2.warpPerspective(sign, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
        alpha = warped[..., 3:4].astype(np.float32) / 255.0
        scene = (warped[..., :3] * alpha + scene * (1 - alpha)).astype(np.uint8)
        words = [{"points": np.round(order_quad(q), 1).tolist(), "text": t}
                 for q, t in zip(cv2.perspectiveTransform(quads.reshape(1, -1, 2), matrix).reshape(-1, 4, 2), texts, strict=True)]
        cv2.imwrite(str(args.out / f"{name}.jpg"), cv2.cvtColor(scene, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
        (args.out / f"{name}.gt.json").write_text(json.dumps(words, indent=1))
        print(args.out / f"{name}.jpg", " ".join(texts))


if __name__ == "__main__":
    main()
