"""Approximate-time pairing of a colour frame with the depth image taken with it.

message_filters (ROS's ApproximateTimeSynchronizer) is not on PyPI, and the node needs less than it
offers: the colour frame drives the work, and its depth partner is looked up only after OCR, by which
time it has arrived. So this keeps the last few messages by stamp and hands out the closest one within a
slop, without ever delaying a colour frame.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

__all__ = ["StampBuffer"]


class StampBuffer:
    """The last ``size`` messages with their stamps (integer nanoseconds); thread-safe."""

    def __init__(self, size: int = 8) -> None:
        self._items: deque[tuple[int, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def put(self, stamp_ns: int, item: Any) -> None:
        with self._lock:
            self._items.append((stamp_ns, item))

    def closest(self, stamp_ns: int, slop_ns: int) -> Any | None:
        """The message whose stamp is nearest ``stamp_ns`` and at most ``slop_ns`` from it, or None."""
        with self._lock:
            best = min(self._items, key=lambda pair: abs(pair[0] - stamp_ns), default=None)
        return best[1] if best is not None and abs(best[0] - stamp_ns) <= slop_ns else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
