"""The drop-oldest mailbox and the diagnostics statistics (no ROS needed)."""

import threading
import time

from edge_ocr_ros.ros.latest_slot import LatestSlot
from edge_ocr_ros.ros.node_stats import NodeStats


def test_only_the_newest_item_is_kept():
    slot = LatestSlot()
    assert slot.put(1) is False
    assert slot.put(2) is True
    assert slot.put(3) is True
    assert slot.take(0) == 3 and slot.dropped == 2
    assert slot.take(0.01) is None


def test_take_waits_for_a_producer_and_close_wakes_it():
    slot = LatestSlot()
    threading.Timer(0.05, slot.put, args=("x",)).start()
    assert slot.take(2.0) == "x"
    threading.Timer(0.05, slot.close).start()
    t0 = time.monotonic()
    assert slot.take(5.0) is None
    assert time.monotonic() - t0 < 2.0


def test_stats_window_resets_but_totals_stay():
    stats = NodeStats()
    for i in range(10):
        stats.received(dropped_previous=i % 2 == 1)
        stats.processed(float(i + 1))
    stats.error("bad_input", "broken")
    w = stats.window()
    assert (w.received, w.processed, w.dropped, w.errors["bad_input"]) == (10, 10, 5, 1)
    assert w.latency_p50_ms == 5.5 and w.latency_max_ms == 10.0
    w2 = stats.window()
    assert (w2.received, w2.latency_p50_ms) == (0, None)
    assert stats.total_dropped == 5 and stats.total_errors["bad_input"] == 1 and stats.last_error == "broken"


def test_gaps_in_publication_sequence_numbers_count_as_lost_per_publisher():
    stats = NodeStats()
    for number in (1, 2, 5, 6, 10):  # 3, 4 and 7-9 never arrived
        stats.sequence("camera", number)
    stats.sequence("other camera", 40)  # a second publisher starts its own count
    stats.sequence("other camera", 41)
    stats.sequence("camera", None)  # a middleware without sequence numbers: nothing to say
    assert stats.total_lost == 5 and stats.window().lost == 5 and stats.window().lost == 0
