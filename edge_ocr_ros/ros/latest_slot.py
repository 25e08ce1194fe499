"""A one-item mailbox that keeps only the newest item: producers never block, stale items are dropped.

The node's subscription callback puts frames here and the worker thread takes them, so latency stays
bounded at any input rate (a queue would grow without bound when frames arrive faster than OCR runs).
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

__all__ = ["LatestSlot"]

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """A queue of one: ``put`` replaces what is waiting (and says so), ``take`` waits for the newest.

    The camera never waits on OCR: a frame that arrives while one is being read replaces the waiting one.
    """
    def __init__(self) -> None:
        self._item: T | None = None
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0  # items replaced before anyone took them

    def put(self, item: T) -> bool:
        """Store ``item``; returns True when it replaced an item nobody had taken (which is dropped)."""
        with self._cond:
            replaced = self._item is not None
            if replaced:
                self.dropped += 1
            self._item = item
            self._cond.notify()
            return replaced

    def take(self, timeout: float | None = None) -> T | None:
        """The newest item, waiting up to ``timeout`` seconds; None on timeout or when closed."""
        with self._cond:
            if self._item is None and not self._closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            return item

    def close(self) -> None:
        """Wake every waiter; take() returns None from now on once the slot is empty."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        """Accept items again after ``close`` (the node's next activation)."""
        with self._cond:
            self._closed = False
            self._item = None
