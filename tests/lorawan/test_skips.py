"""SkippedItems: every skipped item counted, one warning per model and item."""

from __future__ import annotations

import logging

import pytest

from custom_components.ange_iot.lorawan.codecs import (
    DecodeResult,
    Skipped,
    SkippedItems,
    decode_frame,
)


def test_counts_every_skip_and_warns_once_per_model_and_item(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Derived from the TTN AM307 example 1 with a made-up channel 0x0A 0x99 in front.
    payload = bytes.fromhex("0a99aabb" + "01755c")
    counter = SkippedItems()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            result = decode_frame("milesight_am307", 85, payload)
            assert result.readings == {"battery": 92}
            counter.record("milesight_am307", result, "24e124707c481005")
        # The same item on another model is another warning.
        counter.record("milesight_am307l", result)
    assert counter.as_dict() == {
        "milesight_am307: channel 0x0a type 0x99": 3,
        "milesight_am307l: channel 0x0a type 0x99": 1,
    }
    assert counter.total == 4
    assert counter.truncated == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "milesight_am307 (24e124707c481005): channel 0x0a type 0x99 at byte 0" in warnings[0]
    assert "the other readings are kept" in warnings[0]


def test_truncated_skips_are_counted_as_such(caplog: pytest.LogCaptureFixture) -> None:
    counter = SkippedItems()
    result = DecodeResult({"temperature": 22.6}, (Skipped("type code 0x7F", 3, truncated=True),))
    with caplog.at_level(logging.WARNING):
        counter.record("elsys_ers", result)
    assert counter.truncated == 1
    assert counter.as_dict() == {"elsys_ers: type code 0x7F": 1}
    assert "the rest of that frame is dropped" in caplog.records[0].getMessage()


def test_a_frame_without_skips_counts_nothing() -> None:
    counter = SkippedItems()
    counter.record("elsys_ers", decode_frame("elsys_ers", 1, bytes.fromhex("0100e20229")))
    assert counter.total == 0
    assert counter.as_dict() == {}
