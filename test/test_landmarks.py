"""The landmark map without ROS: text matching, fusion of sightings, the SQLite store (kill -9 included)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from edge_ocr_ros.errors import ConfigError
from edge_ocr_ros.landmarks.fusion import FusionSettings, LandmarkMap, Sighting, line_sightings
from edge_ocr_ros.landmarks.store import SCHEMA_VERSION, LandmarkStore
from edge_ocr_ros.landmarks.text_match import fold, is_part, query_score, similarity


def sighting(text: str, x: float, y: float = 0.0, z: float = 1.0, stamp: float = 0.0, conf: float = 0.9) -> Sighting:
    return Sighting(text, conf, np.array([x, y, z]), stamp)


def test_look_alike_readings_fold_to_one_key():
    assert fold("R00M 2O4") == fold("Room 204") == fold("room-204")
    assert similarity("R00M 2O4", "ROOM 204") == 1.0
    assert similarity("exit", "entrance") < 0.5
    assert is_part("204", "room 204") and not is_part("20", "room 204") and not is_part("room 204", "room 204")


def test_query_scores_whole_texts_above_parts_and_exact_needs_the_letters():
    assert query_score("room 204", "ROOM 2O4") == 1.0
    assert 0.85 < query_score("204", "room 204") < 1.0  # some of its words
    assert query_score("room 204", "room 204", exact=True) == 1.0
    assert query_score("room 204", "ROOM 2O4", exact=True) == 0.0  # exact: no look-alike folding
    assert query_score("kitchen", "room 204") < 0.5


def test_sightings_of_one_sign_fuse_and_the_vote_survives_misreadings():
    m = LandmarkMap(FusionSettings(merge_distance=1.0, min_sightings=3))
    rng = np.random.default_rng(0)
    for i in range(20):
        text = "ROOM 2O4" if i % 4 == 0 else "ROOM 204"
        m.add(sighting(text, 5 + rng.normal(0, 0.05), rng.normal(0, 0.05), 1 + rng.normal(0, 0.05), stamp=i))
    m.add(sighting("204", 5.1, 0.0, 1.0, stamp=20))  # part of it: joins without a vote
    for i in range(6):  # writings of one key pool their votes; the group shows its most voted writing
        m.add(sighting("R00M2O4" if i < 2 else "ROOM204", 5.0, 0.0, 1.0, stamp=10))
    m.add(sighting("KITCHEN", 5.0, 0.0, 1.0, stamp=10))  # another text at the same place: a landmark of its own
    assert [lm.text for lm in m.confirmed()] == ["ROOM 204"]  # 15 x "ROOM 204" against 4 x "ROOM204"
    for _ in range(20):
        m.add(sighting("ROOM204", 5.0, 0.0, 1.0, stamp=10))
    assert m.confirmed()[0].text == "ROOM204" and len(m) == 2
    m = LandmarkMap(FusionSettings(merge_distance=1.0, min_sightings=3))
    rng = np.random.default_rng(0)
    for i in range(20):
        text = "ROOM 2O4" if i % 4 == 0 else "ROOM 204"
        m.add(sighting(text, 5 + rng.normal(0, 0.05), rng.normal(0, 0.05), 1 + rng.normal(0, 0.05), stamp=i))
    m.add(sighting("204", 5.1, 0.0, 1.0, stamp=20))
    assert len(m) == 1
    (lm,) = m.confirmed()
    assert lm.text == "ROOM 204" and lm.sightings == 21 and "204" not in lm.votes
    assert np.linalg.norm(lm.mean - [5, 0, 1]) < 0.05 and 0.03 < lm.spread < 0.2
    assert (lm.first_seen, lm.last_seen) == (0.0, 20.0)


def test_identical_signs_far_apart_stay_two_and_different_texts_near_stay_apart():
    m = LandmarkMap(FusionSettings(merge_distance=1.0, min_sightings=1))
    for i in range(5):
        m.add(sighting("EXIT", 0.0, stamp=i))
        m.add(sighting("EXIT", 10.0, stamp=i))
        m.add(sighting("KITCHEN", 0.3, stamp=i))
    assert sorted(lm.text for lm in m.confirmed()) == ["EXIT", "EXIT", "KITCHEN"]
    exits = m.find("exit")
    assert len(exits) == 2 and {round(lm.mean[0]) for lm, _ in exits} == {0, 10}


def test_a_landmark_is_answered_only_once_confirmed_and_changed_lists_it_once():
    m = LandmarkMap(FusionSettings(min_sightings=3))
    m.add(sighting("T6", 1.0))  # one stray reading
    m.add(sighting("LAB", 3.0))
    m.add(sighting("LAB", 3.0))
    assert m.find("lab") == [] and m.changed() == []
    m.add(sighting("LAB", 3.0))
    assert [lm.text for lm in m.changed()] == ["LAB"] and m.changed() == []
    assert [lm.text for lm, _ in m.find("LAB", exact=True)] == ["LAB"]
    assert m.find("t6") == []
    assert m.clear() == 2 and len(m) == 0


def test_find_orders_by_score_then_most_recent_and_limits_the_count():
    m = LandmarkMap(FusionSettings(min_sightings=1))
    m.add(sighting("ROOM 204", 0.0, stamp=1))
    m.add(sighting("ROOM 204", 20.0, stamp=5))
    m.add(sighting("ROOM 205", 40.0, stamp=9))
    found = m.find("room 204")
    assert [(round(lm.mean[0]), round(s, 3)) for lm, s in found] == [(20, 1.0), (0, 1.0), (40, round(1 - 1 / 7, 3))]
    assert len(m.find("room 204", max_count=1)) == 1
    assert m.find("") == [] and m.find("  -- ") == []


def test_line_sightings_take_the_median_of_positioned_words_in_the_fixed_frame():
    to_fixed = np.eye(4)
    to_fixed[:3, :3] = [[0, 0, 1], [-1, 0, 0], [0, -1, 0]]  # optical (x right, y down, z ahead) -> body (x ahead)
    to_fixed[:3, 3] = [1.0, 2.0, 0.5]
    lines = [("ROOM 204", 0.8, [(0.1, -0.2, 3.0), (0.3, -0.2, 3.2)]), ("NO DEPTH", 0.9, [None, None]),
             ("", 0.9, [(0, 0, 1)])]
    (s,) = line_sightings(lines, 12.5, to_fixed)
    assert s.text == "ROOM 204" and s.stamp == 12.5
    np.testing.assert_allclose(s.position, [1.0 + 3.1, 2.0 - 0.2, 0.5 + 0.2])


def test_the_store_keeps_landmarks_across_opens_and_refuses_other_versions_and_frames(tmp_path):
    path = tmp_path / "map.db"
    store = LandmarkStore(path, "map")
    m = LandmarkMap(FusionSettings(min_sightings=2))
    for i in range(3):
        m.add(sighting("ROOM 204", 4.0 + 0.01 * i, stamp=i))
    store.write(m.changed())
    store.close()
    reopened = LandmarkStore(path, "map")
    (lm,) = reopened.load()
    assert (lm.text, lm.sightings, lm.last_seen) == ("ROOM 204", 3, 2.0)
    assert np.allclose(lm.mean, [4.01, 0, 1]) and lm.spread == pytest.approx(m.confirmed()[0].spread)
    m2 = LandmarkMap(FusionSettings(min_sightings=2), reopened.load())
    assert m2.add(sighting("ROOM 2O4", 4.0)).id == lm.id  # loaded landmarks keep fusing
    assert m2.add(sighting("LAB", 9.0)).id == lm.id + 1
    reopened.clear()
    assert reopened.load() == []
    reopened.close()
    with pytest.raises(ConfigError, match="frame 'map', not in fixed_frame 'odom'"):
        LandmarkStore(path, "odom")
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(ConfigError, match="schema version 2"):
        LandmarkStore(path, "map")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="cannot be opened as SQLite"):
        LandmarkStore(junk, "map")


WRITER = """
import sys, numpy as np
from edge_ocr_ros.landmarks.fusion import FusionSettings, LandmarkMap, Sighting
from edge_ocr_ros.landmarks.store import LandmarkStore
store = LandmarkStore(sys.argv[1], "map")
m = LandmarkMap(FusionSettings(min_sightings=1), store.load())
i = 0
while True:
    i += 1
    m.add(Sighting(f"SIGN {i}", 0.9, np.array([3.0 * i, 0.0, 0.0]), float(i)))
    m.add(Sighting(f"SIGN {max(i - 1, 1)}", 0.9, np.array([3.0 * max(i - 1, 1), 0.0, 0.0]), float(i)))
    store.write(m.changed())
    print(len(m), flush=True)
"""


def test_a_kill_9_during_writes_loses_no_committed_landmark_and_leaves_a_file_that_opens(tmp_path):
    path = tmp_path / "map.db"
    for run in range(4):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        committed = 0
        deadline = time.monotonic() + 0.5 + 0.3 * run
        while time.monotonic() < deadline:
            committed = int(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = LandmarkStore(path, "map")  # opens: no ConfigError
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = store.load()
        assert len(kept) >= committed > 0, (run, len(kept), committed)
        assert [lm.text for lm in kept] == [f"SIGN {i}" for i in range(1, len(kept) + 1)]
        store.close()
