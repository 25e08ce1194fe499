"""CRNN recognizer: rectified word crops in one batched invoke, then CTC decoding in numpy."""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

from ..config import OcrConfig
from ..errors import ModelError
from ..geometry import quad_sizes
from ..runtime.interpreter import InterpreterFactory
from ..runtime.tensor_io import (
    TensorSpec,
    dequantize,
    holds_probabilities,
    inputs_of,
    outputs_of,
    probability_table,
    quantize_into,
)
from .charset import Charset
from .crop import crop_widths, quarter_turned, warp_word, with_margin
from .ctc import decode, is_probabilities, softmax
from .lexicon import Lexicon, site_word_list
from .word_split import SplitRule, cut_steps, lexicon_confirms

__all__ = ["CrnnRecognizer", "Readings", "RecognizerSettings", "batch_slices"]
MAX_BATCH = 64  # larger frames are recognised in several invokes


def _bucket(n: int) -> int:
    """The crop buffer's rows: rounded up to a power of two, so that it is rarely reallocated."""
    return min(MAX_BATCH, 1 << max(n - 1, 0).bit_length())


def batch_slices(n: int) -> list[slice]:
    """``n`` crops as runs of power-of-two sizes up to MAX_BATCH, largest first (13 = 8 + 4 + 1).

    Each run is one invoke of an interpreter allocated for exactly that batch, so at most seven batch
    shapes are ever allocated and no padding row is computed: a padded batch of 16 for 13 crops costs
    more than the three invokes (the CPU's cost per crop hardly falls with the batch size).
    """
    slices, start = [], 0
    while start < n:
        size = min(MAX_BATCH, 1 << ((n - start).bit_length() - 1))
        slices.append(slice(start, start + size))
        start += size
    return slices


@dataclass(frozen=True)
class RecognizerSettings:
    """The ``recognizer.*`` settings the recognizer reads (docs/parameters.md explains each)."""

    grayscale: bool
    channel_order: str
    mean: float
    std: float
    max_width: int
    lexicon_margin: float
    beam_width: int
    min_text_confidence: float  # applied by the pipeline: words read with less confidence are dropped
    crop_margin: float
    second_look_from: float
    vertical_ratio: float
    straighten_angle: float  # applied by the pipeline to word crops (OcrPipeline.recognize_crop)
    split_gap: float
    split_ratio: float
    site_words: str  # the site vocabulary, added to the lexicon (lexicon.site_word_list)

    @classmethod
    def from_config(cls, config: OcrConfig) -> RecognizerSettings:
        """The recognizer's part of ``config``."""
        return config.stage(cls, "recognizer")

    @property
    def split_rule(self) -> SplitRule:
        """When one box's reading is cut into several words (recognition/word_split.py)."""
        return SplitRule(self.split_gap, self.split_ratio)


@dataclass(frozen=True)
class Readings:
    """What the recognizer read: one entry per word, several for a box that held several words."""

    boxes: np.ndarray  # index of the box each word was read in
    texts: list[str]
    confidences: np.ndarray
    spans: np.ndarray  # n x 2: where the word starts and ends along its box, in fractions of the box width

    def best_per_box(self, count: int) -> np.ndarray:
        """The highest confidence read in each of ``count`` boxes (0 for a box without a reading)."""
        best = np.zeros(count, np.float32)
        np.maximum.at(best, self.boxes, self.confidences)
        return best

    def where(self, keep: np.ndarray) -> Readings:
        """The readings where the boolean ``keep`` is true."""
        return Readings(self.boxes[keep], [t for t, k in zip(self.texts, keep, strict=True) if k],
                        self.confidences[keep], self.spans[keep])

    @staticmethod
    def merged(first: Readings, second: Readings) -> Readings:
        """Both sets of readings in box order (the order the pipeline reports them in)."""
        boxes = np.concatenate([first.boxes, second.boxes])
        order = np.argsort(boxes, kind="stable")
        texts = first.texts + second.texts
        return Readings(boxes[order], [texts[i] for i in order],
                        np.concatenate([first.confidences, second.confidences])[order],
                        np.concatenate([first.spans, second.spans])[order])


def _add_timings(timings: dict[str, float], **spent: float) -> None:
    """Add stage times (ms) to a frame's: a frame's boxes may be read more than once (turned, second look)."""
    for stage, ms in spent.items():
        timings[stage] = timings.get(stage, 0.0) + ms


class CrnnRecognizer:
    """Runs one CRNN model over all word crops of a frame; buffers are kept between frames.

    Args:
        factory: the model's interpreters (one per batch size).
        charset: its alphabet; must have as many classes as the model outputs.
        settings: input normalisation, decoding and lexicon margin.
        lexicon: optional word list that near misreads snap to.
    Raises:
        ModelError: the model's input or output does not fit the settings or the charset.
    """

    def __init__(self, factory: InterpreterFactory, charset: Charset, settings: RecognizerSettings,
                 lexicon: Lexicon | None = None) -> None:
        spec = inputs_of(factory.base)[0]
        if len(spec.shape) != 4:
            raise ModelError(f"recognizer input must be N x H x W x C, not {list(spec.shape)}")
        _, height, width, channels = spec.shape
        if height <= 0:
            raise ModelError("recognizer input height must be fixed")
        if settings.grayscale != (channels == 1):
            want = "1 channel" if settings.grayscale else "3 channels"
            raise ModelError(f"recognizer.grayscale asks for {want} but the model takes {channels}; fix recognizer.grayscale")
        classes = outputs_of(factory.base)[0].shape[-1]
        if classes != charset.num_classes:
            raise ModelError(f"charset has {charset.num_classes} classes but the recognizer outputs {classes}: "
                             "the charset file does not belong to this model")
        self.factory, self.charset = factory, charset
        self.base_lexicon, self.lexicon = lexicon, lexicon
        self._site_words = ""  # the site vocabulary the lexicon holds now (configure)
        self.dynamic_batch = spec.shape[0] < 0
        self.dynamic_width = width < 0
        self.height = height
        self.width = settings.max_width // 4 * 4 if self.dynamic_width else width
        self.channels = channels
        self.input_dtype = spec.dtype
        self._crops = np.empty((0, height, self.width, channels), np.uint8)
        self.configure(settings)
        # whether the model ends in a softmax or gives logits is a property of the model: asked once, here,
        # of a quantized output's grid, or of a float output's values on a grey probe crop
        self._output = outputs_of(factory.base)[0]  # the same tensor in every batch size's interpreter
        self._output_table: np.ndarray | None = None
        if self._output.quantized:
            self.outputs_probabilities = holds_probabilities(self._output)
            if self.outputs_probabilities:
                self._output_table = probability_table(self._output)
        else:
            probe = self._invoke(np.full((1, height, self.width, channels), 128, np.uint8))
            self.outputs_probabilities = is_probabilities(probe)

    def configure(self, settings: RecognizerSettings) -> None:
        """Apply settings that need no reload (normalisation, decoding, lexicon margin, site words)."""
        self.settings = settings
        self._mean = float(settings.mean)
        self._inv_std = 1.0 / float(settings.std)
        self._rgb = settings.channel_order == "rgb"
        self._margin = float(settings.lexicon_margin)
        if settings.site_words != self._site_words:  # the lexicon changes only with the words
            words = site_word_list(settings.site_words)
            base = self.base_lexicon if self.base_lexicon is not None or not words else Lexicon([], self.charset)
            self.lexicon = base.with_site_words(words) if words else self.base_lexicon
            self._site_words = settings.site_words

    def _source(self, image: np.ndarray) -> np.ndarray:
        if self.channels == 1:
            return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if self._rgb else image

    def crop(self, image: np.ndarray, quads: np.ndarray) -> np.ndarray:
        """Rectified crops (N x H x W x C uint8) in a buffer reused across frames."""
        if len(self._crops) < len(quads):
            self._crops = np.empty((_bucket(len(quads)) if len(quads) <= MAX_BATCH else len(quads),
                                    self.height, self.width, self.channels), np.uint8)
        src = self._source(image)
        crops = self._crops[: len(quads)]
        for quad, out in zip(quads, crops, strict=True):
            warp_word(src, quad, out[..., 0] if self.channels == 1 else out)
        return crops

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        """Class scores (n x T x C) for the crops of one run of ``batch_slices``, in one invoke when the
        batch is dynamic."""
        n = len(batch)
        if not self.dynamic_batch and n > 1:
            return np.concatenate([self._invoke(batch[i : i + 1]) for i in range(n)])
        interpreter = self.factory.for_input_shape((n if self.dynamic_batch else 1, self.height, self.width, self.channels))
        spec = TensorSpec.from_details({**interpreter.get_input_details()[0], "shape_signature": None})
        view = interpreter.tensor(spec.index)()
        if spec.quantized:
            quantize_into((batch.astype(np.float32) - self._mean) * self._inv_std, spec, view[:n])
        else:  # float input: normalise straight into the tensor, no intermediate copy
            np.subtract(batch, self._mean, out=view[:n], casting="unsafe")
            view[:n] *= self._inv_std
        del view  # the interpreter refuses to run while a view of its buffers is alive
        interpreter.invoke()
        scores = interpreter.get_tensor(self._output.index)[:n]
        if self._output_table is not None:
            return self._output_table[scores]
        return dequantize(scores, self._output)

    def probabilities(self, image: np.ndarray, quads: np.ndarray, timings: dict[str, float]) -> np.ndarray:
        """Per-step class probabilities (N x T x C) of the words at ``quads`` (source-image pixels)."""
        t0 = time.perf_counter()
        crops = self.crop(image, quads)
        t1 = time.perf_counter()
        outputs = [self._invoke(crops[run]) for run in batch_slices(len(crops))]
        if not outputs:
            probs = np.zeros((0, 0, self.charset.num_classes), np.float32)
        else:
            probs = np.concatenate(outputs).astype(np.float32, copy=False)
            probs = probs if self.outputs_probabilities else softmax(probs)
        _add_timings(timings, crop=(t1 - t0) * 1e3, recognize=(time.perf_counter() - t1) * 1e3)
        return probs

    def decode(self, probs: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Texts and confidences: CTC decoding, then the lexicon (when one is loaded)."""
        if not len(probs):
            return [], np.zeros(0, np.float32)
        labels, confidences = decode(probs, self.charset.blank, self.settings.beam_width)
        if self.lexicon is not None:
            for i, (p, lab) in enumerate(zip(probs, labels, strict=True)):
                labels[i], log_likelihood = self.lexicon.correct(p, lab, self._margin)
                if log_likelihood is not None:
                    confidences[i] = np.exp(log_likelihood / len(p))
        return [self.charset.decode(lab) for lab in labels], confidences

    def recognize(self, image: np.ndarray, quads: np.ndarray, timings: dict[str, float], split: bool = True,
                  margin: float | None = None) -> Readings:
        """The words at ``quads`` (source-image pixels); with ``split``, a box holding several words
        (a space on the best path, ``settings.split_rule``) gives one reading per word.

        Each word is cut out with ``margin`` (default ``settings.crop_margin``) of its height added above
        and below; a box read that way with a confidence from ``settings.second_look_from`` up to
        ``min_text_confidence`` is read again from the box alone and keeps the better reading: the two
        crops fail on different words, and a box the detector drew slightly off is often read
        confidently from one of them. Raising ``second_look_from`` saves the second reading of boxes
        that are rarely text (by default every box under the threshold gets it).
        """
        margin = self.settings.crop_margin if margin is None else margin
        readings = self._read(image, with_margin(quads, margin), timings, split)
        if margin > 0.0 and len(quads):
            best = readings.best_per_box(len(quads))
            retry = np.flatnonzero((best >= self.settings.second_look_from) & (best < self.settings.min_text_confidence))
            if len(retry):
                readings = self._second_look(image, quads, retry, best, readings, timings, split)
        return readings

    def orient(self, image: np.ndarray, quads: np.ndarray, timings: dict[str, float],
               margin: float | None = None) -> np.ndarray:
        """``quads`` with each box at least ``settings.vertical_ratio`` times taller than wide turned to
        whichever of three reading directions reads most confidently: as drawn, or a quarter turn either
        way. A word written along a vertical edge (shop fronts, banners, book spines) gets a tall box,
        which read as drawn squeezes its letters sideways; a single upright letter ("I", "1") also has a
        tall box and keeps its reading when the turned ones are less sure.

        Returns the same array when no box is tall, else a copy (the corners of turned boxes reordered,
        so that they start at the word's own top-left corner).
        """
        ratio = self.settings.vertical_ratio
        if ratio <= 0.0 or not len(quads):
            return quads
        widths, heights = quad_sizes(quads)
        tall = np.flatnonzero(heights >= ratio * widths)
        if not len(tall):
            return quads
        margin = self.settings.crop_margin if margin is None else margin
        candidates = np.stack([quads[tall], quarter_turned(quads[tall], True), quarter_turned(quads[tall], False)])
        readings = self._read(image, with_margin(candidates.reshape(-1, 4, 2), margin), timings, split=False)
        best = readings.best_per_box(candidates.shape[0] * len(tall)).reshape(candidates.shape[0], len(tall))
        oriented = quads.copy()
        oriented[tall] = candidates[best.argmax(axis=0), np.arange(len(tall))]
        return oriented

    def _second_look(self, image: np.ndarray, quads: np.ndarray, retry: np.ndarray, best: np.ndarray,
                     first: Readings, timings: dict[str, float], split: bool) -> Readings:
        """Read the boxes ``retry`` again without the margin; where that reads with more confidence
        (``best``: the first reading's, per box), its readings replace the first ones."""
        second = self._read(image, quads[retry], timings, split)
        better = retry[second.best_per_box(len(retry)) > best[retry]]
        if not len(better):
            return first
        second = Readings(retry[second.boxes], second.texts, second.confidences, second.spans)
        return Readings.merged(first.where(~np.isin(first.boxes, better)), second.where(np.isin(second.boxes, better)))

    def _read(self, image: np.ndarray, quads: np.ndarray, timings: dict[str, float], split: bool) -> Readings:
        """One reading (or one per word, with ``split``) of each crop at ``quads``."""
        probs = self.probabilities(image, quads, timings)
        t0 = time.perf_counter()
        texts, confidences = self.decode(probs)
        boxes, spans = np.arange(len(texts)), np.tile(np.array([0.0, 1.0], np.float32), (len(texts), 1))
        readings = Readings(boxes, texts, confidences, spans)
        rule = self.settings.split_rule
        if split and rule.enabled and self.lexicon is not None and len(texts):  # cuts need the lexicon's backing
            readings = self._split(probs, quads, readings, rule)
        _add_timings(timings, ctc=(time.perf_counter() - t0) * 1e3)
        return readings

    def _split(self, probs: np.ndarray, quads: np.ndarray, whole: Readings, rule: SplitRule) -> Readings:
        """Cut the readings at their spaces and decode each part on its own; confidences keep the
        whole crop's normalisation (its T steps), so ``min_text_confidence`` means the same for parts."""
        steps = probs.shape[1]
        stride = self.width / steps  # crop pixels per time step
        natural, used = crop_widths(quads, self.height, self.width)  # as warp_word cut the crops
        best = probs.argmax(axis=-1)
        boxes, texts, confidences, spans = [], [], [], []
        for i in range(len(probs)):
            parts = [(whole.texts[i], whole.confidences[i], (0.0, 1.0))]
            own = int(np.ceil(used[i] / stride))
            cuts = cut_steps(best[i, :own], self.charset.blank, stride * natural[i] / used[i] / self.height, rule)
            if cuts:
                pieces = []
                for a, b in pairwise([0, *cuts, steps]):
                    (text,), (confidence,) = self.decode(probs[i : i + 1, a:b])
                    end = min(b * stride / used[i], 1.0) if b < steps else 1.0
                    pieces.append((text, confidence ** ((b - a) / steps), (a * stride / used[i], end)))
                if lexicon_confirms(self.lexicon, whole.texts[i], [text for text, _, _ in pieces]):
                    parts = pieces
            for text, confidence, span in parts:
                boxes.append(i), texts.append(text), confidences.append(confidence), spans.append(span)
        return Readings(np.array(boxes, np.int64), texts, np.array(confidences, np.float32), np.array(spans, np.float32))
