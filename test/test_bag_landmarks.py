"""The text map of a recorded drive, offline and without ROS: edge-ocr --bag ... --landmarks, then
edge-ocr landmarks, in fresh processes as users run them, on a simulated drive whose truth is known."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("rosbags", reason="the bags extra (make setup installs it)")
pytest.importorskip("pytransform3d", reason="the bags extra (make setup installs it)")

from helpers import edge_ocr

from edge_ocr_ros.landmarks.text_match import similarity
from edge_ocr_ros.tools.drive_sim import corridor_signs, render_drive, write_drive_bag

SIGNS = corridor_signs()


@pytest.fixture(scope="module")
def drive_bag(tmp_path_factory):
    path = tmp_path_factory.mktemp("drive") / "corridor"
    write_drive_bag(path, list(render_drive(SIGNS, rate_hz=2.5, odom_drift=0.02)))
    return path


def landmarks(db, *args: str) -> list[dict]:
    run = edge_ocr("landmarks", str(db), "--json", *args)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_a_recorded_drive_becomes_one_landmark_per_sign_where_it_hangs(drive_bag, tmp_path):
    db = tmp_path / "signs.db"
    run = edge_ocr("--bag", str(drive_bag), "--topic", "/camera/color/image_raw", "--landmarks", str(db), "-q")
    assert run.returncode == 0, run.stderr
    found = landmarks(db)
    assert all(lm["frame_id"] == "map" for lm in found)
    assert {"id", "text", "frame_id", "position", "sightings", "first_seen", "last_seen"} <= set(found[0])
    (room,) = landmarks(db, "--find", "room 204", "--max", "1")
    assert similarity(room["text"], "ROOM 204") >= 0.8 and room["score"] >= 0.8, room
    assert np.linalg.norm(np.subtract(room["position"], SIGNS[1].centre)) < 0.15
    exits = landmarks(db, "--find", "EXIT", "--exact")
    assert sorted(round(lm["position"][0]) for lm in exits) == [2, 13]
    assert all(min(np.linalg.norm(np.subtract(lm["position"], s.centre)) for s in (SIGNS[0], SIGNS[3])) < 0.15
               for lm in exits)
    assert 100.0 <= room["first_seen"] < room["last_seen"] < 120.0 and room["sightings"] >= 2
    assert len(found) == len(SIGNS), [lm["text"] for lm in found]  # one per sign, no misreading of its own
    plain = edge_ocr("landmarks", str(db), "--find", "kitchen")
    assert plain.returncode == 0 and "KITCHEN" in plain.stdout and "m in map" in plain.stdout


def test_topics_are_found_by_type_or_named_and_what_is_missing_is_said(drive_bag, tmp_path):
    db = tmp_path / "m.db"
    wrong = edge_ocr("--bag", str(drive_bag), "--topic", "/camera/color/image_raw", "--landmarks", str(db),
                     "--depth-topic", "/nope", "-q")
    assert wrong.returncode == 2 and "no sensor_msgs/Image topic '/nope' for depth" in wrong.stderr
    assert not db.exists()  # refused before anything was written
    info = edge_ocr("--bag", str(drive_bag), "--topic", "/camera/color/image_raw", "--landmarks", str(db),
                    "--camera-info-topic", "/camera/depth/image_raw", "-q")
    assert info.returncode == 2 and "no sensor_msgs/CameraInfo topic '/camera/depth/image_raw'" in info.stderr
    assert "go with --bag" in edge_ocr("--image", "x.png", "--landmarks", str(db)).stderr
    assert "go with --landmarks" in edge_ocr("--bag", str(drive_bag), "--topic", "/camera/color/image_raw",
                                              "--depth-topic", "/camera/depth/image_raw").stderr
    other_frame = edge_ocr("--bag", str(drive_bag), "--topic", "/camera/color/image_raw", "--landmarks", str(db),
                           "--fixed-frame", "earth", "--max-frames", "3", "-q")
    assert other_frame.returncode == 0 and "frames without transform: 3" in other_frame.stderr  # counted
    assert landmarks(db) == []
    missing = edge_ocr("landmarks", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
