"""Approximate-time pairing of a colour frame with the depth image taken with it.

message_filters (ROS's ApproximateTimeSynchronizer) is not on PyPI, and the node needs less than it offers:
the colour frame drives the work and is never delayed on its way in. Two ways a frame used to lose its depth:

- on a slow CPU the depth was looked up only after OCR, in the last 8 depth images: at 30 Hz of depth and
  270 ms of queue and OCR the partner was already gone. Now each colour frame *claims* its partner when it
  is received: depth images already here are offered to the claim at once, later ones as they arrive, and
  the claim keeps the closest, however long OCR takes;
- a depth image published with the colour frame can arrive after it (a 1.2 MB reliable message is
  fragmented): after OCR a frame whose claim is still empty waits for it, but only while the depth stream
  has not yet passed the frame's stamp plus the slop, and at most ``wait`` seconds.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

__all__ = ["DepthClaim", "StampPairing"]


class DepthClaim:
    """One colour frame's claim: its stamp, and the closest message offered within the slop."""

    def __init__(self, stamp_ns: int, slop_ns: int) -> None:
        self.stamp_ns, self.slop_ns = stamp_ns, slop_ns
        self.item: Any | None = None
        self._distance = slop_ns + 1

    def offer(self, stamp_ns: int, item: Any) -> None:
        distance = abs(stamp_ns - self.stamp_ns)
        if distance < self._distance:
            self.item, self._distance = item, distance


class StampPairing:
    """Recent messages by stamp (integer nanoseconds) and the open claims on them; thread-safe."""

    def __init__(self, slop_ns: int, size: int = 8, claims: int = 4) -> None:
        self.slop_ns = slop_ns
        self._items: deque[tuple[int, Any]] = deque(maxlen=size)
        self._claims: deque[DepthClaim] = deque(maxlen=claims)  # the frames in the node's slot and in work
        self._newest: int | None = None
        self._changed = threading.Condition()

    def put(self, stamp_ns: int, item: Any) -> None:
        """A message arrived: keep it, and offer it to the open claims."""
        with self._changed:
            self._items.append((stamp_ns, item))
            self._newest = stamp_ns if self._newest is None else max(self._newest, stamp_ns)
            for claim in self._claims:
                claim.offer(stamp_ns, item)
            self._changed.notify_all()

    def claim(self, stamp_ns: int) -> DepthClaim:
        """Open a claim for a frame stamped ``stamp_ns`` (when it is received), offered what is here."""
        claim = DepthClaim(stamp_ns, self.slop_ns)
        with self._changed:
            for stamp, item in self._items:
                claim.offer(stamp, item)
            self._claims.append(claim)
        return claim

    def wait(self, claim: DepthClaim, timeout_s: float) -> Any | None:
        """The claim's message: at once if it has one or the stream has passed its stamp plus the slop
        (none can come), else after waiting up to ``timeout_s`` for one."""
        def settled() -> bool:
            return claim.item is not None or (self._newest is not None and self._newest > claim.stamp_ns + self.slop_ns)

        with self._changed:
            self._changed.wait_for(settled, timeout=timeout_s)
            return claim.item

    def clear(self) -> None:
        with self._changed:
            self._items.clear()
            self._claims.clear()
            self._newest = None
