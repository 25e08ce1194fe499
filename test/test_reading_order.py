"""Words into lines and blocks in reading order (no ROS, no models)."""

import numpy as np
import pytest
from helpers import word

from edge_ocr_ros.reading_order import read_lines


def test_a_sign_of_two_lines_is_one_block_read_top_line_first():
    words = [word("HOURS", 238, 246, 190, 60), word("OPEN", 200, 150, 180, 70), word("24", 142, 250, 80, 60)]
    lines = read_lines(words)
    assert [(line.text, line.block) for line in lines] == [("OPEN", 0), ("24 HOURS", 0)]
    assert lines[1].word_indices == [2, 0]
    assert lines[1].confidence == pytest.approx(0.9)
    np.testing.assert_allclose(lines[1].points, [[142, 250], [428, 246], [428, 306], [142, 310]])


def test_signs_side_by_side_are_blocks_read_left_to_right():
    words = [word("EXIT", 600, 100, 160, 50), word("ROOM", 50, 90, 170, 50), word("204", 250, 92, 110, 50),
             word("LAB", 70, 160, 100, 45)]
    lines = read_lines(words)
    assert [(line.text, line.block) for line in lines] == [("ROOM 204", 0), ("LAB", 0), ("EXIT", 1)]


def test_a_rotated_line_reads_along_its_own_direction():
    step = np.array([np.cos(np.deg2rad(30)), np.sin(np.deg2rad(30))]) * 120
    words = [word(t, *(np.array([100.0, 100.0]) + i * step), 100, 30, angle_deg=30) for i, t in enumerate(["one", "two", "three"])]
    lines = read_lines(list(reversed(words)))
    assert [line.text for line in lines] == ["one two three"]


def test_height_gap_and_orientation_split_lines():
    words = [word("big", 0, 100, 200, 80), word("small", 210, 150, 60, 20),  # same baseline region, very different heights
             word("far", 900, 100, 200, 80),  # the same line's height, but far beyond a word gap
             word("up", 120, 300, 100, 30, angle_deg=-90)]  # runs upwards
    assert sorted(line.text for line in read_lines(words)) == ["big", "far", "small", "up"]


def test_no_words_no_lines():
    assert read_lines([]) == []
