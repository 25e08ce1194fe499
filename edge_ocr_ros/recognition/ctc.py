"""CTC decoding in numpy (no TensorFlow): greedy best path and prefix beam search.

Word confidence (both decoders) is the per-time-step geometric mean of the probability of the
decoded label: ``exp(log P / T)``. For greedy decoding P is the best path's probability; for beam
search it is the prefix-beam estimate of the label's probability summed over its alignments.
The geometric mean keeps the value in [0, 1] and comparable between short and long words.
"""

from __future__ import annotations

import numpy as np

__all__ = ["beam_decode_one", "decode", "greedy_decode", "is_probabilities", "label_log_likelihoods", "softmax"]


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, stable for large logits."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


def is_probabilities(outputs: np.ndarray) -> bool:
    """Whether a model's outputs are already probabilities (it ends in softmax) rather than logits."""
    outputs = outputs.astype(np.float32, copy=False)
    return bool(outputs.min() >= 0.0 and np.allclose(outputs.sum(axis=-1), 1.0, atol=0.05))


def greedy_decode(probs: np.ndarray, blank: int) -> tuple[list[list[int]], np.ndarray]:
    """Best-path decoding of a batch (N x T x C). Returns label lists and confidences."""
    best = probs.argmax(axis=-1)
    best_p = np.take_along_axis(probs, best[..., None], axis=-1)[..., 0]
    changed = np.ones_like(best, dtype=bool)
    changed[:, 1:] = best[:, 1:] != best[:, :-1]
    keep = changed & (best != blank)
    labels = [row[mask].tolist() for row, mask in zip(best, keep, strict=True)]
    confidence = np.exp(np.log(np.maximum(best_p, 1e-12)).mean(axis=1))
    return labels, confidence


def _logsumexp(a: float, b: float) -> float:
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    m = max(a, b)
    return m + float(np.log(np.exp(a - m) + np.exp(b - m)))


def _add(beams: dict[tuple[int, ...], list[float]], prefix: tuple[int, ...], pb: float, pnb: float) -> None:
    """Accumulate the blank-ending and non-blank-ending log probabilities of ``prefix``."""
    entry = beams.setdefault(prefix, [-np.inf, -np.inf])
    entry[0] = _logsumexp(entry[0], pb)
    entry[1] = _logsumexp(entry[1], pnb)


def beam_decode_one(probs: np.ndarray, blank: int, beam_width: int) -> tuple[list[int], float]:
    """Prefix beam search over one sequence (T x C). Only the ``beam_width`` most likely classes of
    each step are expanded, which bounds the work to T * beam_width^2 and loses nothing that the
    beam could have kept."""
    log_p = np.log(np.maximum(probs, 1e-12))
    top = np.argsort(-probs, axis=1)[:, :beam_width]
    # prefix -> (log P ending in blank, log P ending in non-blank)
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -np.inf)}
    for t in range(probs.shape[0]):
        step: dict[tuple[int, ...], list[float]] = {}
        for prefix, (pb, pnb) in beams.items():
            total = _logsumexp(pb, pnb)
            _add(step, prefix, total + log_p[t, blank], -np.inf)
            last = prefix[-1] if prefix else None
            for c in top[t]:
                c = int(c)
                if c == blank:
                    continue
                lp = log_p[t, c]
                if c == last:
                    _add(step, prefix, -np.inf, pnb + lp)  # repeat without blank collapses
                    _add(step, (*prefix, c), -np.inf, pb + lp)  # repeat after blank is a new char
                else:
                    _add(step, (*prefix, c), -np.inf, total + lp)
        ranked = sorted(step.items(), key=lambda kv: -_logsumexp(kv[1][0], kv[1][1]))[:beam_width]
        beams = {k: (v[0], v[1]) for k, v in ranked}
    best, (pb, pnb) = max(beams.items(), key=lambda kv: _logsumexp(*kv[1]))
    return list(best), float(np.exp(_logsumexp(pb, pnb) / probs.shape[0]))


def decode(probs: np.ndarray, blank: int, beam_width: int = 1) -> tuple[list[list[int]], np.ndarray]:
    """Decode a batch with greedy search (beam_width <= 1) or prefix beam search."""
    if beam_width <= 1:
        return greedy_decode(probs, blank)
    results = [beam_decode_one(p, blank, beam_width) for p in probs]
    return [r[0] for r in results], np.array([r[1] for r in results], dtype=np.float32)


def label_log_likelihoods(log_probs: np.ndarray, labels: np.ndarray, lengths: np.ndarray, blank: int) -> np.ndarray:
    """log P(label | scores) of one sequence (``log_probs``: T x C) summed over all CTC alignments,
    for n candidate labels at once (``labels``: n x L, padded; ``lengths``: n). The forward
    algorithm runs over the n x (2L + 1) state lattice, vectorised over candidates."""
    n, max_len = labels.shape
    states = 2 * max_len + 1
    ext = np.full((n, states), blank, np.int64)
    ext[:, 1::2] = labels
    skip = np.zeros((n, states), bool)  # s-2 -> s allowed between two different non-blank labels
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    emit = log_probs[:, ext]  # T x n x S
    alpha = np.full((n, states), -np.inf)
    alpha[:, 0] = emit[0, :, 0]
    if states > 1:
        alpha[:, 1] = emit[0, :, 1]
    shifted = np.full((n, states), -np.inf)
    for t in range(1, len(log_probs)):
        shifted[:, 1:] = alpha[:, :-1]
        total = np.logaddexp(alpha, shifted)
        shifted[:, 2:] = np.where(skip[:, 2:], alpha[:, :-2], -np.inf)
        shifted[:, 1] = -np.inf
        alpha = np.logaddexp(total, shifted) + emit[t]
        shifted[:] = -np.inf
    rows = np.arange(n)
    end = 2 * np.asarray(lengths)
    last_label = alpha[rows, np.maximum(end - 1, 0)]
    return np.where(end > 0, np.logaddexp(alpha[rows, end], last_label), alpha[rows, 0])
