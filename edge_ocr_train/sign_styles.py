"""Sign styles: how a sign's letters are made, beside the font and colour they are drawn in.

Paint on a plate is one way signs carry text. Door plates are engraved (letters cut into the plate, often
the plate's own colour, readable only by their shading) or embossed (raised, with a cast shadow); shop
fronts are backlit (bright letters that bloom, or dark channel letters with a halo behind them); road and
parking signs use retro-reflective sheeting that turns to a bright sheen in a headlight or the sun;
platforms and lifts show LED and dot-matrix displays, where a letter is a grid of round dots. A recognizer
trained on flat paint alone has never seen letters made of shading or of dots.

Every style composes a background with the word's coverage mask (0..1, antialiased, as the generator
rendered it) in whole-image operations: no loops over pixels. ``synth_words --styles SHARE`` uses them.
"""

from __future__ import annotations

import cv2
import numpy as np


def relief(mask: np.ndarray, rng: np.random.Generator, text_height: float) -> np.ndarray:
    """How a light from a random direction shades the edges of letters raised out of the plate: the
    slope of the softened mask along the light (positive where an edge faces the light). Letters cut
    into the plate are shaded the other way round (the negative)."""
    soft = cv2.GaussianBlur(mask, (0, 0), max(0.6, 0.04 * text_height))
    angle = rng.uniform(0.0, 2.0 * np.pi)
    slope = np.cos(angle) * cv2.Sobel(soft, cv2.CV_32F, 1, 0, ksize=3) + np.sin(angle) * cv2.Sobel(soft, cv2.CV_32F, 0, 1, ksize=3)
    return slope / max(float(np.abs(slope).max()), 1e-6)


def engraved(rng: np.random.Generator, plate: np.ndarray, mask: np.ndarray, color: np.ndarray,
             text_height: float) -> np.ndarray:
    """Letters cut into the plate: filled with paint, or the plate's own material darkened in the cut."""
    fill = color if rng.random() < 0.5 else plate * rng.uniform(0.45, 0.8)
    out = plate * (1.0 - mask[..., None]) + fill * mask[..., None]
    return out - rng.uniform(40.0, 110.0) * relief(mask, rng, text_height)[..., None]


def embossed(rng: np.random.Generator, plate: np.ndarray, mask: np.ndarray, color: np.ndarray,
             text_height: float) -> np.ndarray:
    """Raised letters, often the plate's own colour, with a soft shadow cast beside them."""
    top = color if rng.random() < 0.4 else plate * rng.uniform(0.85, 1.2)
    offset = rng.uniform(0.03, 0.1, size=2) * text_height * rng.choice([-1.0, 1.0], size=2)
    shift = np.float32([[1, 0, offset[0]], [0, 1, offset[1]]])
    shadow = cv2.GaussianBlur(cv2.warpAffine(mask, shift, mask.shape[::-1]), (0, 0), max(0.8, 0.05 * text_height))
    out = plate * (1.0 - rng.uniform(0.3, 0.6) * shadow[..., None])
    out = out * (1.0 - mask[..., None]) + top * mask[..., None]
    return out + rng.uniform(40.0, 110.0) * relief(mask, rng, text_height)[..., None]


def backlit(rng: np.random.Generator, plate: np.ndarray, mask: np.ndarray, color: np.ndarray,
            text_height: float) -> np.ndarray:
    """Lit letters at night: bright letters that bloom over a dark plate, or (halo lighting) dark
    letters in front of a glow on the wall behind them."""
    glow = cv2.GaussianBlur(mask, (0, 0), rng.uniform(0.08, 0.3) * text_height)
    light = np.maximum(color, 255.0 - color) if rng.random() < 0.5 else np.full(3, 255.0, np.float32)
    dark = plate * rng.uniform(0.05, 0.35)
    if rng.random() < 0.3:  # halo: the letters block the light
        halo = dark + light * np.clip(1.6 * glow, 0.0, 1.0)[..., None]
        return halo * (1.0 - mask[..., None]) + dark * mask[..., None]
    bloom = np.clip(mask + rng.uniform(0.4, 1.2) * glow, 0.0, 1.0)[..., None]
    return dark * (1.0 - bloom) + light * bloom + rng.uniform(0.0, 60.0) * mask[..., None]


def reflective(rng: np.random.Generator, plate: np.ndarray, mask: np.ndarray, color: np.ndarray,
               text_height: float) -> np.ndarray:
    """Retro-reflective sheeting: a saturated plate and letters that a light turns into a bright band
    washing across both, with the sheeting's fine prism grain."""
    h, w = mask.shape
    sheet = np.zeros(3, np.float32)
    sheet[int(rng.integers(3))] = rng.uniform(120.0, 230.0)
    out = sheet * (1.0 - mask[..., None]) + color * mask[..., None]
    angle = rng.uniform(0.0, np.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    along = np.cos(angle) * xs + np.sin(angle) * ys
    centre = rng.uniform(along.min(), along.max())
    band = np.exp(-(((along - centre) / (rng.uniform(0.3, 1.5) * text_height)) ** 2))
    grain = rng.normal(0.0, rng.uniform(2.0, 10.0), size=(h, w)).astype(np.float32)
    return out + (rng.uniform(60.0, 200.0) * band + grain)[..., None]


def dots(mask: np.ndarray, pitch: int, fill: float) -> np.ndarray:
    """The word as a display shows it: one round dot per ``pitch`` x ``pitch`` cell that the letters
    cover, ``fill`` the dot's diameter over the pitch."""
    h, w = mask.shape
    rows, cols = max(1, h // pitch), max(1, w // pitch)
    lit = (cv2.resize(mask, (cols, rows), interpolation=cv2.INTER_AREA) > 0.35).astype(np.float32)
    tile = np.zeros((pitch, pitch), np.float32)
    cv2.circle(tile, (pitch // 2, pitch // 2), max(1, round(fill * pitch / 2)), 1.0, -1, lineType=cv2.LINE_AA)
    grid = np.kron(lit, tile)
    out = np.zeros_like(mask)
    out[: grid.shape[0], : grid.shape[1]] = grid
    return out


def display_pitch(rng: np.random.Generator, text_height: float) -> int:
    """Dot pitch for a display whose text line is 7 to 14 dots tall."""
    return max(2, round(text_height / rng.uniform(7.0, 14.0)))


def led(rng: np.random.Generator, plate: np.ndarray, mask: np.ndarray, color: np.ndarray,
        text_height: float) -> np.ndarray:
    """An LED display: red, amber, green or white dots that glow on black, the dark dots faintly seen."""
    pitch = display_pitch(rng, text_height)
    fill = rng.uniform(0.5, 0.9)
    lit = dots(mask, pitch, fill)
    unlit = dots(np.ones_like(mask), pitch, fill)
    hue = np.array([[40, 40, 255], [0, 170, 255], [60, 255, 60], [255, 255, 255]], np.float32)[int(rng.integers(4))]
    glow = cv2.GaussianBlur(lit, (0, 0), 0.6 * pitch)
    back = plate * rng.uniform(0.0, 0.15) + rng.uniform(10.0, 40.0) * unlit[..., None]
    light = np.clip(lit + rng.uniform(0.2, 0.8) * glow, 0.0, 1.0)[..., None]
    return back * (1.0 - light) + hue * light


def dot_matrix(rng: np.random.Generator, plate: np.ndarray, mask: np.ndarray, color: np.ndarray,
               text_height: float) -> np.ndarray:
    """Dot-matrix print or a flip-dot board: the paint's own colour, but laid down in dots."""
    coverage = dots(mask, display_pitch(rng, text_height), rng.uniform(0.6, 1.0))[..., None]
    return plate * (1.0 - coverage) + color * coverage


STYLES = {"engraved": engraved, "embossed": embossed, "backlit": backlit, "reflective": reflective, "led": led,
          "dot_matrix": dot_matrix}


def sign_style(rng: np.random.Generator, background: np.ndarray, mask: np.ndarray, color: tuple[int, int, int],
               text_height: float, style: str | None = None) -> np.ndarray:
    """The word (``mask``, float 0..1, the background's size) written on ``background`` (uint8, 3
    channels) in ``style``, or in one drawn at random. ``color`` is the paint the plain generator would
    have used and ``text_height`` the word's height in pixels."""
    make = STYLES[style or list(STYLES)[int(rng.integers(len(STYLES)))]]
    out = make(rng, background.astype(np.float32), mask.astype(np.float32), np.asarray(color, np.float32), text_height)
    return np.clip(out, 0.0, 255.0).astype(np.uint8)
