"""Tracking words across the frames of a stream (no ROS, no models)."""

import pytest
from helpers import word

from edge_ocr_ros.results import OcrResult
from edge_ocr_ros.tracking import TrackingSettings, WordTracker


def frame(*words) -> OcrResult:
    return OcrResult(list(words), 640, 480)


def tracker(enabled: bool = True, min_frames: int = 1, max_age: int = 5) -> WordTracker:
    return WordTracker(TrackingSettings(enabled, min_frames, max_age))


def test_a_sign_moving_across_the_image_keeps_one_track_and_its_reading():
    t = tracker()
    readings = ["exit", "exit", "eiit", "exit", "exit"]  # one misread frame in a drive-by
    out = [t.update(frame(word(text, 40 + 60 * i, 200, 120, 40), word("lab", 500 - 50 * i, 80, 90, 30)))
           for i, text in enumerate(readings)]
    exit_words = [r.words[0] for r in out]
    assert len({w.track_id for w in exit_words}) == 1 and exit_words[0].track_id > 0
    assert [w.frames_seen for w in exit_words] == [1, 2, 3, 4, 5]
    assert [w.text for w in exit_words] == ["exit"] * 5  # the vote outweighs the misread frame
    assert exit_words[2].frame_text == "eiit"
    assert exit_words[4].confidence == pytest.approx(0.9 * 4 / 5)  # the agreeing readings' confidence over the frames
    lab = {r.words[1].track_id for r in out}
    assert len(lab) == 1 and lab != {exit_words[0].track_id}
    assert out[-1].lines and {line.text for line in out[-1].lines} == {"exit", "lab"}


def test_min_frames_holds_a_word_back_until_its_track_is_confirmed():
    t = tracker(min_frames=2)
    assert t.update(frame(word("exit", 100, 100, 120, 40))).words == []
    second = t.update(frame(word("exit", 104, 100, 120, 40)))
    assert [w.frames_seen for w in second.words] == [2] and second.lines[0].text == "exit"


def test_a_word_hidden_for_a_few_frames_keeps_its_id_within_max_age():
    for max_age, same in ((2, True), (0, False)):
        t = tracker(max_age=max_age)
        first = t.update(frame(word("exit", 100, 100, 120, 40))).words[0].track_id
        t.update(frame())
        t.update(frame())
        again = t.update(frame(word("exit", 102, 100, 120, 40))).words[0].track_id
        assert (again == first) == same


def test_disabled_tracking_leaves_the_result_alone():
    result = frame(word("exit", 100, 100, 120, 40))
    out = tracker(enabled=False).update(result)
    assert out is result and out.words[0].track_id == 0 and out.words[0].frames_seen == 1


def test_another_word_in_the_same_place_starts_a_new_track():
    t = tracker()
    first = t.update(frame(word("exit", 100, 100, 120, 40))).words[0]
    second = t.update(frame(word("lab", 100, 100, 120, 40))).words[0]  # the camera turned to another sign
    assert second.track_id != first.track_id and (second.text, second.frames_seen) == ("lab", 1)


def test_a_split_word_is_published_once_and_a_fuller_reading_over_its_fragment():
    """Drive-by defects: when the detector split "32-080", the fragment "080" took the whole number's track
    and "32" was published beside it ("32 32-080"); and whole readings matched to a fragment's track were
    published as the fragment ("100SC" for "76-100SC", never the whole number)."""
    t = tracker()
    whole = [t.update(frame(word("32-080", 100, 100, 120, 30))).words[0] for _ in range(3)]
    split = t.update(frame(word("32", 100, 100, 40, 30), word("080", 160, 100, 60, 30))).words
    assert [(w.text, w.track_id) for w in split] == [("32-080", whole[0].track_id)]  # "32" folded into its track
    t = tracker()
    for _ in range(3):
        fragment = t.update(frame(word("100SC", 170, 100, 70, 30))).words[0]
    full = t.update(frame(word("76-100SC", 120, 100, 120, 30))).words[0]
    assert (full.text, full.frame_text, full.track_id) == ("76-100SC", "76-100SC", fragment.track_id)
    again = t.update(frame(word("100SC", 170, 100, 70, 30))).words[0]
    assert again.text == "100SC"  # a frame that reads only the fragment: the track's vote


def test_a_word_seen_once_keeps_its_id_over_a_short_miss_while_the_sign_moves():
    """A track seen once has no motion yet: a 3-frame miss while its box moved 12 px a frame (48 px, more
    than the box's width) used to start a new id well inside max_age. The same reading near enough to
    where the word was (a few box heights, more the longer it is missed) is the same word."""
    t = tracker(max_age=5)
    first = t.update(frame(word("b204", 100, 100, 40, 16))).words[0]
    for _ in range(3):
        t.update(frame())
    again = t.update(frame(word("b204", 148, 100, 40, 16))).words[0]
    assert again.track_id == first.track_id and again.frames_seen == 2
    far = t.update(frame(word("b204", 600, 400, 40, 16))).words[0]  # across the image: another sign
    assert far.track_id != first.track_id


def test_a_word_that_moved_its_own_length_between_two_frames_keeps_its_id():
    """At a low camera rate (2.5 Hz, a robot passing at 1 m/s) a sign moves more than its own box between two
    frames, so a track seen once never overlapped its next reading: every frame started a new track and with
    ``min_frames: 2`` the sign was never published. The same reading within 1.5 of its lengths is the same word."""
    t = tracker(min_frames=2)
    assert t.update(frame(word("exit", 100, 200, 60, 20))).words == []
    moved = t.update(frame(word("exit", 175, 196, 60, 20))).words  # 75 px: more than its 60 px length
    assert [(w.text, w.frames_seen) for w in moved] == [("exit", 2)]
    other = t.update(frame(word("exit", 250, 192, 60, 20), word("exit", 600, 192, 60, 20))).words
    assert [(w.track_id, w.frames_seen) for w in other] == [(moved[0].track_id, 3)]  # the far one: a new track
    assert t.active == 2
