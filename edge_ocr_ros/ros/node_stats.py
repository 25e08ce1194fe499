"""Running statistics for the node's diagnostics: rates, drops, latency percentiles, error counts."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass

import numpy as np

__all__ = ["NodeStats", "StatsWindow"]


@dataclass
class StatsWindow:
    """What happened since the previous diagnostics message."""

    seconds: float
    received: int
    processed: int
    dropped: int
    errors: Counter
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_max_ms: float | None
    stamp_delay_p50_ms: float | None = None  # node clock minus image stamp (sim time with use_sim_time)
    lost: int = 0  # frames a publisher sent that never reached the node (from publication sequence numbers)

    @property
    def input_fps(self) -> float:
        """Frames received per second over the window."""
        return self.received / self.seconds if self.seconds > 0 else 0.0

    @property
    def output_fps(self) -> float:
        """Results published per second over the window."""
        return self.processed / self.seconds if self.seconds > 0 else 0.0


class NodeStats:
    """Thread-safe counters; ``window()`` returns and resets the per-period values, totals stay."""

    LATENCY_SAMPLES = 512

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._t0 = time.monotonic()
        self._received = self._processed = self._dropped = 0
        self._errors: Counter = Counter()
        self._latencies: deque[float] = deque(maxlen=self.LATENCY_SAMPLES)
        self._delays: deque[float] = deque(maxlen=self.LATENCY_SAMPLES)
        self._lost = 0
        self._last_sequence: dict[object, int] = {}
        self.total_received = self.total_processed = self.total_dropped = self.total_lost = 0
        self.total_stale = 0  # frames finished after their activation ended, discarded unpublished
        self.total_errors: Counter = Counter()
        self.last_error = ""

    def received(self, dropped_previous: bool) -> None:
        """Count a received frame (and whether it replaced one waiting)."""
        with self._lock:
            self._received += 1
            self.total_received += 1
            if dropped_previous:
                self._dropped += 1
                self.total_dropped += 1

    def sequence(self, publisher: object, number: int | None) -> None:
        """A publication sequence number (per publisher, from the middleware): a gap is frames lost on the
        way, before the node's callback could see or drop them."""
        if number is None or number <= 0:
            return
        with self._lock:
            last = self._last_sequence.get(publisher)
            self._last_sequence[publisher] = number
            if last is not None and number > last + 1:
                self._lost += number - last - 1
                self.total_lost += number - last - 1

    def processed(self, latency_ms: float, stamp_delay_ms: float | None = None) -> None:
        """Count a published result with its latencies."""
        with self._lock:
            self._processed += 1
            self.total_processed += 1
            self._latencies.append(latency_ms)
            if stamp_delay_ms is not None:
                self._delays.append(stamp_delay_ms)

    def stale(self) -> None:
        """Count a frame discarded because its activation ended while it was being read."""
        with self._lock:
            self.total_stale += 1

    def error(self, kind: str, message: str) -> None:
        """Count a frame that could not be processed (``kind`` of error) and keep its message for diagnostics."""
        with self._lock:
            self._errors[kind] += 1
            self.total_errors[kind] += 1
            self.last_error = message

    def window(self) -> StatsWindow:
        """The figures since the previous call (what one diagnostics message reports)."""
        with self._lock:
            now = time.monotonic()
            lat = np.array(self._latencies) if self._latencies else None
            w = StatsWindow(now - self._t0, self._received, self._processed, self._dropped, self._errors,
                            float(np.percentile(lat, 50)) if lat is not None else None,
                            float(np.percentile(lat, 95)) if lat is not None else None,
                            float(lat.max()) if lat is not None else None,
                            float(np.median(self._delays)) if self._delays else None, self._lost)
            self._t0, self._received, self._processed, self._dropped, self._lost = now, 0, 0, 0, 0
            self._errors = Counter()
            self._latencies.clear()
            self._delays.clear()
            return w
