"""Milesight channel/type payloads: the AM, EM, TS, VS and WS models listed in MODELS.

Every Milesight uplink is a run of items, each ``channel id (1 byte) + channel type
(1 byte) + value``; multi-byte values are little-endian. The (channel, type) pair alone
says how long the value is. The type byte follows IPSO object ids (0x67 temperature,
0x68 humidity, 0x7D concentration, ...), but it does not fix the size: the same type
is 2 bytes on one channel and 3 or 5 on its alarm channel (0x83 0x67, 0x93 0xD7), and
channels 0xFF/0xFE reuse type bytes for attributes and replies of any size.

Sources (facts only, no code taken): the payload tables in Milesight-IoT/SensorDecoders
(``<series>/<model>/README.md`` and the decoders next to them, which also list the
configuration replies), the Milesight user guides' "Device Payload" chapters, and the TTN
Device Repository (``vendor/milesight-iot/``) for the device ids and example payloads.

One item may yield several canonical keys (VS133 period counts: ``people_in`` and
``people_out``), or an invalid marker instead of its value: the item's reader returns a
Readings dict. When a frame carries the same quantity twice, the later item wins, and a
valid value and its ``<key>_invalid`` marker never come out together.

How a frame is walked and its unknown items skipped is told in ``decoding``, the
sentinel values that mark invalid measurements in ``distance``, and the people
counters' resets in ``people_counting``.

What is deliberately not turned into readings:

* channel 0xFF "attribute" items (IPSO/hardware/firmware/TSL version, power-on/device
  status, serial number, LoRaWAN class, reset event) and 0xFF/0xFE replies to
  configuration downlinks: skipped by their documented length;
* history records (type 0xCE): timestamped values from the past. A Readings dict has no
  timestamp, so passing them on would present old data as current: skipped;
* the AM3xx buzzer status (0x0E 0x01): not a measurement;
* threshold/mutation alarm flags sent with a value (EM400 0x84 0x82, EM500-PT100 0x83
  0xD7, TS101 0x83 0x67 and 0x93 0xD7, WS203 0x83 0x67): the value is current and is
  decoded; the alarm state and the mutation amount have no canonical key;
* EM310-UDL/EM400 position (tilt), EM400-TLD disassembly alarm, WS301 tamper
  (installed/uninstalled) status, and EM400 NB-IoT location: no canonical key;
* EM500-UDL distance alarm (0x83 0xE9): the README gives no unit and the vendor
  decoder divides this distance by 10 while the periodic one (0x03 0x82) is plain mm;
  rather than publish a value that may be off by a factor of ten, it is skipped;
* VS121 per-region occupancy, region counts, region-to-region flow, dwell times, the
  maximum count and the (firmware 7.0.85) line in/out item; VS133 lines 2-4, the
  "child" counts, region counts, dwell times and occlusion alarms. The canonical
  people keys name one counter each: they are given to VS133 line 1 (the line every
  installation has) and to the VS121's whole-area counts. Summing lines would count
  one person twice where lines overlap;
* VS133 "total out" and VS121 "total out": ``people_total`` is one running counter,
  and the entrance count is the one visitor statistics use;
* TVOC (channel 0x08): the canonical ``tvoc`` key is ppb, but the AM307/AM319 report
  either a unitless IAQ index (type 0x7D, uint16/100; older decoders printed the raw
  uint16) or a mass concentration in µg/m³ (type 0xE6). Neither converts to ppb without
  knowing the gas mixture, so both are skipped rather than published in the wrong unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..model import Category, ModelInfo, readings_only
from .climate import _AM103, _AM103L, _AM307, _AM307L, _AM319, _EM300_TH
from .decoding import _decoder
from .distance import _EM310_UDL, _EM400_TLD, _EM400_UDL, _EM500_UDL
from .door_and_button import _WS101, _WS301
from .items import _Item
from .people_counting import _VS121, _VS133
from .presence import _WS202, _WS203
from .probes import _EM500_PT100, _TS101

_MANUFACTURER: Final = "Milesight"


def _model(
    model_id: str, name: str, category: Category, items: Mapping[tuple[int, int], _Item]
) -> ModelInfo:
    frame_decoder = _decoder(name, items)
    return ModelInfo(
        model_id=model_id,
        manufacturer=_MANUFACTURER,
        name=name,
        category=category,
        keys=frozenset().union(*(item.keys for item in items.values())),
        decoder=readings_only(frame_decoder),
        frame_decoder=frame_decoder,
    )


# Model ids: TTN Device Repository vendor "milesight-iot" (shortened to "milesight") and
# its device ids am103, am103l, am307, am307l, am319, em300-th, em310-udl, em400-tld,
# em400-udl, em500-pt100, em500-udl, ts101, vs121, vs133, ws101, ws202, ws203, ws301.
MODELS: Final[dict[str, ModelInfo]] = {
    info.model_id: info
    for info in (
        _model("milesight_am103", "AM103", Category.CLIMATE, _AM103),
        _model("milesight_am103l", "AM103L", Category.CLIMATE, _AM103L),
        _model("milesight_am307", "AM307", Category.CLIMATE, _AM307),
        _model("milesight_am307l", "AM307L", Category.CLIMATE, _AM307L),
        _model("milesight_am319", "AM319", Category.CLIMATE, _AM319),
        _model("milesight_em300_th", "EM300-TH", Category.CLIMATE, _EM300_TH),
        _model("milesight_ws202", "WS202", Category.PRESENCE, _WS202),
        _model("milesight_ws203", "WS203", Category.PRESENCE, _WS203),
        _model("milesight_em310_udl", "EM310-UDL", Category.DISTANCE, _EM310_UDL),
        _model("milesight_em400_udl", "EM400-UDL", Category.DISTANCE, _EM400_UDL),
        _model("milesight_em400_tld", "EM400-TLD", Category.DISTANCE, _EM400_TLD),
        _model("milesight_em500_udl", "EM500-UDL", Category.DISTANCE, _EM500_UDL),
        _model(
            "milesight_em500_pt100",
            "EM500-PT100",
            Category.TEMPERATURE_PROBE,
            _EM500_PT100,
        ),
        _model("milesight_ts101", "TS101", Category.TEMPERATURE_PROBE, _TS101),
        _model("milesight_vs121", "VS121", Category.PEOPLE_COUNTER, _VS121),
        _model("milesight_vs133", "VS133", Category.PEOPLE_COUNTER, _VS133),
        _model("milesight_ws301", "WS301", Category.DOOR, _WS301),
        _model("milesight_ws101", "WS101", Category.BUTTON, _WS101),
    )
}
"""Supported Milesight models keyed by model id."""
