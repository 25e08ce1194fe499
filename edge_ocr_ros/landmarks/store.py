"""Landmarks kept in an SQLite file, so that a robot remembers its signs across restarts.

Python's own ``sqlite3``, in write-ahead-log mode: each batch of changed landmarks is one transaction, so a
process killed at any moment (``kill -9``, a power cut of the process) leaves the file as of the last
committed batch, and it always opens. ``synchronous=NORMAL`` keeps a commit cheap; what it gives up is only
the last commits on a power loss of the whole machine. The schema version is SQLite's ``user_version``;
a file written by another version, or for another fixed frame, is refused with the reason, never rewritten.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .fusion import Landmark

__all__ = ["SCHEMA_VERSION", "LandmarkStore"]

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS landmarks (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,          -- the voted reading
    votes TEXT NOT NULL,         -- JSON: reading -> summed confidence
    x REAL NOT NULL, y REAL NOT NULL, z REAL NOT NULL,         -- mean position, metres in the fixed frame
    m2x REAL NOT NULL, m2y REAL NOT NULL, m2z REAL NOT NULL,   -- sums of squared deviations (spread)
    sightings INTEGER NOT NULL,
    first_seen REAL NOT NULL, last_seen REAL NOT NULL,         -- seconds (image stamps)
    confidence_sum REAL NOT NULL
);
"""


class LandmarkStore:
    """One map file: ``load`` its landmarks, ``write`` changed ones, ``clear`` it."""

    def __init__(self, path: str | Path, fixed_frame: str) -> None:
        self.path = Path(path).expanduser()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            has_tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"map file {self.path} cannot be opened as SQLite: {exc}") from exc
        if has_tables and version != SCHEMA_VERSION:
            self._db.close()
            raise ConfigError(f"map file {self.path} has schema version {version}; this edge_ocr_ros reads version "
                              f"{SCHEMA_VERSION} (keep the file, or give another map_file)")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._db:
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('fixed_frame', ?)", (fixed_frame,))
        stored = self._db.execute("SELECT value FROM meta WHERE key='fixed_frame'").fetchone()[0]
        if stored != fixed_frame:
            self._db.close()
            raise ConfigError(f"map file {self.path} holds landmarks in frame {stored!r}, not in fixed_frame "
                              f"{fixed_frame!r}")
        self.fixed_frame = fixed_frame

    @classmethod
    def open_existing(cls, path: str | Path) -> LandmarkStore:
        """A map file that must already exist, in whatever fixed frame it was written (to read it)."""
        path = Path(path).expanduser()
        if not path.is_file():
            raise ConfigError(f"map file {path} does not exist")
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                row = db.execute("SELECT value FROM meta WHERE key='fixed_frame'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"map file {path} is not a text map: {exc}") from exc
        if row is None:
            raise ConfigError(f"map file {path} is not a text map: it names no fixed frame")
        return cls(path, row[0])

    def load(self) -> list[Landmark]:
        """Every stored landmark."""
        rows = self._db.execute("SELECT id, votes, x, y, z, m2x, m2y, m2z, sightings, first_seen, last_seen, "
                                "confidence_sum FROM landmarks ORDER BY id").fetchall()
        return [Landmark(r[0], json.loads(r[1]), np.array(r[2:5], float), np.array(r[5:8], float), r[8], r[9], r[10],
                         r[11]) for r in rows]

    def write(self, landmarks: list[Landmark]) -> None:
        """Insert or update landmarks in one transaction."""
        if not landmarks:
            return
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO landmarks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(lm.id, lm.text, json.dumps(lm.votes), *map(float, lm.mean), *map(float, lm.m2), lm.sightings,
                  lm.first_seen, lm.last_seen, lm.confidence_sum) for lm in landmarks])

    def clear(self) -> None:
        """Delete every landmark (the file and its schema stay)."""
        with self._db:
            self._db.execute("DELETE FROM landmarks")

    def close(self) -> None:
        self._db.close()
