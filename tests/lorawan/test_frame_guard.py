"""Duplicates, replays and rejoins by frame counter."""

from __future__ import annotations

from custom_components.ange_iot.lorawan.frame_guard import FrameGuard, Verdict


def test_increasing_counters_accepted() -> None:
    guard = FrameGuard()
    assert [guard.check(n, bytes([n])) for n in (1, 2, 5)] == [Verdict.ACCEPT] * 3
    assert guard.last_f_cnt == 5


def test_same_frame_twice_is_duplicate() -> None:
    guard = FrameGuard()
    guard.check(7, b"\x01\x02")
    assert guard.check(7, b"\x01\x02") is Verdict.DUPLICATE
    guard.check(8, b"\x03")
    # An older frame that was seen is still a duplicate, not a replay.
    assert guard.check(7, b"\x01\x02") is Verdict.DUPLICATE


def test_lower_counter_with_new_content_is_replay() -> None:
    guard = FrameGuard()
    guard.check(10, b"a")
    assert guard.check(9, b"b") is Verdict.REPLAY
    assert guard.check(10, b"other") is Verdict.REPLAY
    assert guard.last_f_cnt == 10


def test_rejoin_allows_counter_reset() -> None:
    guard = FrameGuard()
    guard.check(500, b"a")
    guard.joined()
    assert guard.check(3, b"b") is Verdict.ACCEPT
    assert guard.check(4, b"c") is Verdict.ACCEPT
    # After the first frame of the new session, replays are refused again.
    assert guard.check(2, b"d") is Verdict.REPLAY


def test_counter_zero_starts_new_session_without_join_event() -> None:
    guard = FrameGuard()
    guard.check(500, b"a")
    assert guard.check(0, b"b") is Verdict.ACCEPT
    assert guard.last_f_cnt == 0


def test_frames_without_counter_always_accepted() -> None:
    guard = FrameGuard()
    assert guard.check(None, b"a") is Verdict.ACCEPT
    assert guard.check(None, b"a") is Verdict.ACCEPT


def test_memory_is_bounded() -> None:
    guard = FrameGuard()
    for n in range(100):
        guard.check(n, bytes([n]))
    assert len(guard.recent) == 8


def test_state_survives_round_trip() -> None:
    guard = FrameGuard()
    guard.check(41, b"x")
    guard.check(42, b"y")
    restored = FrameGuard.from_dict(guard.as_dict())
    assert restored.check(42, b"y") is Verdict.DUPLICATE
    assert restored.check(40, b"z") is Verdict.REPLAY


def test_from_dict_tolerates_garbage() -> None:
    restored = FrameGuard.from_dict(
        {"last_f_cnt": "12", "rejoined": "yes", "recent": {"x": "zz", "3": 5}}
    )
    assert restored.last_f_cnt is None
    assert restored.rejoined is False
    assert restored.recent == {}
    assert FrameGuard.from_dict({"last_f_cnt": True}).last_f_cnt is None
