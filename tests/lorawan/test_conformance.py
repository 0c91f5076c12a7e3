"""Conformance: every uplink example of the TTN Device Repository, for every claimed model.

Source: TheThingsNetwork/lorawan-devices, ``vendor/<vendor>/<codec>-codec.yaml``, the
``uplinkDecoder.examples`` of the codec each claimed model's device file names. Each
example's input bytes and fPort are copied as they are; the expected readings are the
TTN ``output.data`` mapped onto our canonical keys and units (e.g. Elsys ``light`` is
``illuminance``, Netvox ``Volt`` is ``battery_voltage``, Dragino LiDAR cm are mm).
TTN output fields with no canonical key (versions, counters, tilt, angles, device ids)
have no reading. An example whose TTN output is ``errors`` must raise CodecError.

Examples TTN keeps commented out, or keeps in the decoder's own source, are marked as
such: they are the vendor's frames too and are held to the same standard.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from custom_components.ange_iot.lorawan.codecs import MODELS, CodecError, decode_frame
from custom_components.ange_iot.lorawan.quantities import Readings


@dataclass(frozen=True, slots=True)
class Example:
    """One TTN uplink example: where it is, its input and what it must decode to."""

    source: str
    f_port: int
    payload: str
    readings: Readings | None
    """None: TTN expects an error, so the codec must raise CodecError."""


def ex(source: str, f_port: int, payload: str, readings: Readings | None) -> Example:
    return Example(source, f_port, payload.replace(" ", ""), readings)


# --- Milesight (vendor/milesight-iot/) ------------------------------------------------------

_AM_EX1 = "01755c 036734 01 046865 056a4900"
_AM_EX2 = "077de704 087d0700 09733f27"
_AM103 = ex("am103-codec.yaml example 1", 85, "01755c 03673401 046865 077de704", {
    "battery": 92, "temperature": 30.8, "humidity": 50.5, "co2": 1255,
})  # fmt: skip
_AM307 = [
    # Example 1 carries the PIR activity item 05 6A that TTN's output leaves out.
    ex("example 1", 85, _AM_EX1, {
        "battery": 92, "temperature": 30.8, "humidity": 50.5, "motion": 73,
    }),
    # Example 2's TVOC 7 is an IAQ index, not the canonical ppb: skipped by design.
    ex("example 2", 85, _AM_EX2, {"co2": 1255, "pressure": 1004.7}),
]  # fmt: skip
_EM400 = ex("em400-tld.js example", 85, "01755c 03670101 04824408 050001", {
    "battery": 92, "temperature": 25.7, "distance": 2116,
})  # fmt: skip

MILESIGHT: dict[str, list[Example]] = {
    "milesight_am103": [_AM103],
    "milesight_am103l": [_AM103],
    "milesight_am307": _AM307,
    "milesight_am307l": _AM307,
    "milesight_am319": [
        ex("am319-codec.yaml commented-out example 1", 85,
           "03673401 046865 050001 06cb02 077da803 087d2500 09736627 0a7d0400 0b7d2000"
           "0c7d3000", {
               "temperature": 30.8, "humidity": 50.5, "occupancy": True, "light_level": 2,
               "co2": 936, "pressure": 1008.6, "hcho": 0.04, "pm2_5": 32, "pm10": 48,
           }),
    ],
    "milesight_em300_th": [
        ex("em300-th-codec.yaml", 1, "017532 0367c800 04683c", {
            "battery": 50, "temperature": 20.0, "humidity": 30.0,
        }),
    ],
    "milesight_em310_udl": [
        ex("em310-udl-codec.yaml example 1", 85, "01755c 03824408 040001", {
            "battery": 92, "distance": 2116,
        }),
    ],
    "milesight_em400_tld": [_EM400],
    "milesight_em400_udl": [_EM400],
    "milesight_em500_pt100": [
        ex("em500-pt100-codec.yaml example 1", 85, "01755c 03671901", {
            "battery": 92, "external_temperature": 28.1,
        }),
    ],
    "milesight_em500_udl": [
        ex("em500-udl-codec.yaml example 1 (first)", 85, "01755c 03821e00", {
            "battery": 92, "distance": 30,
        }),
        ex("em500-udl-codec.yaml example 1 (second)", 85, "017564 03821e00", {
            "battery": 100, "distance": 30,
        }),
    ],
    "milesight_ts101": [
        ex("ts101-codec.yaml", 85, "017564 03670701", {
            "battery": 100, "external_temperature": 26.3,
        }),
    ],
    "milesight_vs121": [
        ex("vs121-codec.yaml example 1", 85, "04c903030002", {
            "people_count": 3, "occupancy": True,
        }),
    ],
    "milesight_vs133": [
        ex("vs133-codec.yaml", 85,
           "03d248000000 04d2c8000000 06d200000000 07d200000000 05cc00000000 08cc00000000",
           {"people_total": 72, "people_in": 0, "people_out": 0}),
    ],
    "milesight_ws101": [ex("ws101-codec.yaml example 1", 85, "ff2e01", {"button": "press"})],
    "milesight_ws202": [
        ex("ws202-codec.yaml example 1", 85, "030001", {"occupancy": True}),
        ex("ws202-codec.yaml example 2", 85, "040000", {"light_level": 0}),
    ],
    "milesight_ws203": [
        ex("ws203-codec.yaml", 85, "017564 03673401 046865 050000", {
            "battery": 100, "temperature": 30.8, "humidity": 50.5, "occupancy": False,
        }),
    ],
    "milesight_ws301": [
        ex("ws301-codec.yaml example 1", 85, "030001", {"door_open": True}),
        # "install: no" is the tamper status: no canonical key.
        ex("ws301-codec.yaml example 2", 85, "040001", {}),
    ],
}  # fmt: skip

# --- Elsys (vendor/elsys/, all on fPort 1) --------------------------------------------------

_ROOM = "0100e2 0229 040027 0506"
_ROOM_READINGS: Readings = {"temperature": 22.6, "humidity": 41.0, "illuminance": 39, "motion": 6}
_ACC: Readings = {
    "acceleration_x": round(1000 / 63),
    "acceleration_y": round(39 * 1000 / 63),
    "acceleration_z": round(5 * 1000 / 63),
}
ELSYS: dict[str, list[Example]] = {
    "elsys_ers": [ex("ers-codec.yaml commented-out example", 1, _ROOM, _ROOM_READINGS)],
    "elsys_ers_co2": [
        ex("ers-co2-codec.yaml", 1, _ROOM + "060308", {**_ROOM_READINGS, "co2": 776}),
    ],
    "elsys_ers_eye": [
        # Occupancy 1, "pending" (entering or leaving): someone is in the room.
        ex("ers-eye-codec.yaml", 1, _ROOM + "1101", {**_ROOM_READINGS, "occupancy": True}),
    ],
    "elsys_ers_sound": [
        ex("ers-sound-codec.yaml", 1, _ROOM + "150101", {
            **_ROOM_READINGS, "sound_peak": 1, "sound_avg": 1,
        }),
    ],
    "elsys_ers_voc": [ex("ers-voc-codec.yaml", 1, _ROOM, _ROOM_READINGS)],
    "elsys_ers_lite": [
        ex("ers-lite-codec.yaml", 1, "0100e2 0229", {"temperature": 22.6, "humidity": 41.0}),
    ],
    "elsys_ers_co2_lite": [
        ex("ers-co2-lite-codec.yaml commented-out example", 1, "0100e2 0229 060308", {
            "temperature": 22.6, "humidity": 41.0, "co2": 776,
        }),
    ],
    # pulse1 is a relative count (no canonical key), waterleak 17 is a leak.
    "elsys_ems": [
        ex("ems-codec.yaml", 1, "0100e2 0229 03012705 0a1101 1211 0a2111", {
            "temperature": 22.6, "humidity": 41.0, **_ACC, "water_leak": True,
        }),
    ],
    "elsys_ems_door": [
        ex("ems-door-codec.yaml", 1, "03012705 0a1101 0b000a0011", {
            **_ACC, "pulse_count": 655377,
        }),
    ],
    "elsys_ems_desk": [
        ex("ems-desk-codec.yaml", 1, "0100e2 0229 03012705 1102", {
            "temperature": 22.6, "humidity": 41.0, **_ACC, "occupancy": True,
        }),
    ],
    "elsys_ems_lite": [
        ex("ems-lite-codec.yaml", 1, "0100e2 0229 1211", {
            "temperature": 22.6, "humidity": 41.0, "water_leak": True,
        }),
    ],
    "elsys_elt_2": [
        ex("elt-2-codec.yaml commented-out example", 1, "0100e2 0229 03012705 1406010111", {
            "temperature": 22.6, "humidity": 41.0, **_ACC, "pressure": 100729.105,
        }),
    ],
    "elsys_elt_ultrasonic": [
        ex("elt-ultrasonic-codec.yaml commented-out example", 1,
           "0100e2 0229 03012705 1406010111 0e2311", {
               "temperature": 22.6, "humidity": 41.0, **_ACC, "pressure": 100729.105,
               "distance": 8977,
           }),
    ],
}  # fmt: skip

# --- Browan (vendor/browan/) ----------------------------------------------------------------

BROWAN: dict[str, list[Example]] = {
    "browan_tbhh100": [
        ex("tbhh100-codec.yaml Temperature & Humidity", 103, "08ab3522ffffffff", {
            "temperature": 21.0, "humidity": 34.0, "battery_voltage": 3.6,
        }),
        ex("tbhh100-codec.yaml Unknown FPort", 42, "01", None),
    ],
    "browan_tbdw100": [
        ex("tbdw100-codec.yaml Door closed", 100, "00cb3500008a3a00", {
            "door_open": False, "temperature": 21.0, "battery_voltage": 3.6,
        }),
        ex("tbdw100-codec.yaml Unknown FPort", 42, "01", None),
    ],
    "browan_tbwl100": [
        ex("tbwl100-codec.yaml Water leakage detected", 106, "110b362836", {
            "water_leak": True, "humidity": 40.0, "temperature": 22.0, "battery_voltage": 3.6,
        }),
        ex("tbwl100-codec.yaml Unknown FPort", 42, "01", None),
    ],
    "browan_tbpb100": [
        ex("tbpb100-codec.yaml Button I pressed", 147, "01fe370000040000", {
            "button": "press", "temperature": 23.0, "battery_voltage": 3.9,
        }),
        ex("tbpb100-codec.yaml Unknown FPort", 42, "01", None),
    ],
}  # fmt: skip

# --- Dragino (vendor/dragino/) --------------------------------------------------------------

_LDDS_114 = "0d3b0aef00000001"
_CONTACT = "0b88010025 0001"
DRAGINO: dict[str, list[Example]] = {
    "dragino_ldds75": [
        # Older firmware: battery and distance only (TTN's decoder says "No Sensor").
        ex("ldds75-codec.yaml Distance Detection", 2, "0e1c0b05", {
            "battery_voltage": 3.612, "distance": 2821,
        }),
        ex("ldds75-codec.yaml Unknown FPort", 42, "0e1c0b05", None),
        ex("ldds75-114-codec.yaml Distance Detection", 2, _LDDS_114, {
            "battery_voltage": 3.387, "distance": 2799,
        }),
        ex("ldds75-114-codec.yaml Unknown FPort", 42, _LDDS_114, None),
    ],
    "dragino_ldds20": [
        ex("ldds20-114-codec.yaml Liquid height", 2, _LDDS_114, {
            "battery_voltage": 3.387, "distance": 2799,
        }),
        ex("ldds20-114-codec.yaml Unknown FPort", 42, _LDDS_114, None),
    ],
    "dragino_llds12": [
        # Lidar_distance 284 cm with signal 433: 2840 mm.
        ex("llds12-codec.yaml", 2, "0d5c00000b1801b1001e01", {
            "battery_voltage": 3.42, "distance": 2840,
        }),
        ex("llds12-codec.yaml Unknown FPort", 42, "0d5c00000b1801b1001e01", None),
    ],
    "dragino_lds01": [
        ex("lds01-codec.yaml", 10, _CONTACT, {"battery_voltage": 2.952, "door_open": False}),
        ex("lds01-codec.yaml Unknown FPort", 42, _CONTACT, None),
    ],
    "dragino_lds02": [
        ex("lds02-codec.yaml", 10, _CONTACT, {"battery_voltage": 2.952, "door_open": False}),
        ex("lds02-codec.yaml Unknown FPort", 42, _CONTACT, None),
    ],
    "dragino_lwl02": [
        # MOD 1: the status bit is the LWL02's leak input.
        ex("lwl02-codec.yaml", 10, _CONTACT, {"battery_voltage": 2.952, "water_leak": False}),
        ex("lwl02-codec.yaml Unknown FPort", 42, _CONTACT, None),
    ],
}  # fmt: skip

# --- Netvox (vendor/netvox/): version report, status report, configuration replies ----------


def _netvox(
    device_type: str, version: str, status: str, readings: Readings, replies: tuple[str, ...]
) -> list[Example]:
    return [
        ex("Startup version report", 6, f"01{device_type}00{version}", {}),
        ex("Status report", 6, f"01{device_type}01{status}", readings),
        *(ex(f"configuration reply {reply[:2]}", 7, reply[:2] + device_type + reply[2:], {})
          for reply in replies),
    ]  # fmt: skip


_REPLIES_CLIMATE = ("81" + "00" * 9, "82038407080100320032")
_REPLIES_PLAIN = ("81" + "00" * 9, "82038407080100000000")
_OK: Readings = {"battery_low": False}
NETVOX: dict[str, list[Example]] = {
    "netvox_r711": _netvox("01", "6448201712080000", "1e09ea1a90000000", {
        "battery_voltage": 3.0, **_OK, "temperature": 25.38, "humidity": 68.0,
    }, _REPLIES_CLIMATE),
    "netvox_r718ab": _netvox("13", "6402202101260000", "2409ea1a90000000", {
        "battery_voltage": 3.6, **_OK, "temperature": 25.38, "humidity": 68.0,
    }, _REPLIES_CLIMATE),
    "netvox_r311a": [
        *_netvox("02", "640b202004240000", "1e01000000000000", {
            "battery_voltage": 3.0, **_OK, "door_open": True,
        }, _REPLIES_PLAIN),
        ex("Status report, low battery", 6, "0102019701000000000000", {
            "battery_voltage": 2.3, "battery_low": True, "door_open": True,
        }),
    ],
    "netvox_r718f": _netvox("1d", "6402201906190000", "2401000000000000", {
        "battery_voltage": 3.6, **_OK, "door_open": True,
    }, _REPLIES_PLAIN),
    "netvox_r311wa": _netvox("5a", "640b201911120000", "1e00010000000000", {
        "battery_voltage": 3.0, **_OK, "occupancy": True,
    }, ("81" + "00" * 9, "820384070801001e000a")),
    "netvox_r311w": _netvox("06", "640b201911120000", "1e00010000000000", {
        "battery_voltage": 3.0, **_OK, "water_leak": True,
    }, _REPLIES_PLAIN),
    "netvox_r718wa": _netvox("32", "640b201911120000", "1e01000000000000", {
        "battery_voltage": 3.0, **_OK, "water_leak": True,
    }, _REPLIES_PLAIN),
    "netvox_r718x": _netvox("34", "6401202008110000", "2401012c0107320a", {
        "battery_voltage": 3.6, **_OK, "distance": 300, "temperature": 26.3,
        "fill_level": 50.0,
    }, ("81" + "00" * 9, "82038407080100640005", "83" + "00" * 9, "840032" + "00" * 7,
        "85" + "00" * 9, "8607d0" + "00" * 7, "8b" + "00" * 9, "8c01f4" + "00" * 7)),
}  # fmt: skip

# --- Decentlab, Talkpool, Axioma, Elvaco ----------------------------------------------------

OTHERS: dict[str, list[Example]] = {
    "decentlab_dl_mbx": [
        ex("dl-mbx-codec.yaml Example 1", 1, "02012f000304d200010bb1", {
            "distance": 1234, "battery_voltage": 2.993,
        }),
        ex("dl-mbx-codec.yaml Example 2", 1, "02012f00020bb1", {"battery_voltage": 2.993}),
    ],
    "decentlab_dl_lid": [
        # distance is the median (module doc of decentlab.py).
        ex("dl-lid-codec.yaml Example 1", 1,
           "0211c90003119b117611bc119e118a119411a811a811940064 01990abd", {
               "distance": 4510, "battery_voltage": 2.749,
           }),
        ex("dl-lid-codec.yaml Example 2", 1, "0211c900020abd", {"battery_voltage": 2.749}),
    ],
    "decentlab_dl_ds18": [
        ex("dl-ds18-codec.yaml Example 1", 1, "02023d0003815e0c15", {
            "external_temperature": 21.875, "battery_voltage": 3.093,
        }),
        ex("dl-ds18-codec.yaml Example 2", 1, "02023d00020c15", {"battery_voltage": 3.093}),
    ],
    "talkpool_oy1210": [
        ex("oy1210-codec.yaml Example", 2, "3e441d021b", {
            "co2": 539, "humidity": 85.1, "temperature": 19.3,
        }),
    ],
    # The 24-hour frame has logged volumes only, no current register: the status only.
    "axioma_qalcosonic_w1": [
        ex("qalcosonic-w1-codec.yaml Enhanced 24h payload - Lackova", 100,
           "01aeac986a003217000000000000000000008003800054000e400510004800024002"
           "0000200000000000000000000000000000", {
               "battery_low": False, "meter_alarm_leak": False, "meter_alarm_burst": False,
               "meter_alarm_backflow": False, "meter_alarm_tamper": False,
               "meter_alarm_dry": False,
           }),
    ],
    # cmi4110-codec.yaml has no example; this is the Standard frame in cmi4110.js.
    "elvaco_cmi4110": [
        ex("cmi4110.js Standard frame", 2,
           "000c06526761020c14978999000b2d0000000b3b0000000a5a33060a5e41050c782911036602"
           "fd170000", {"volume": 9989.97}),
    ],
    "elvaco_cmi4140": [
        # The yaml's input is cmi4110.js' CMi4110 frame (format 0x00, volume 9989.97),
        # while its output (volume 2297603) is that of the CMi4140 frame in cmi4140.js.
        # A CMi4140 never sends format 0x00, so that input is refused, not misread.
        ex("cmi4140-codec.yaml input bytes", 2,
           "000c06526761020c14978999000b2d0000000b3b0000000a5a33060a5e41050c782911036602"
           "fd170000", None),
        ex("cmi4140-codec.yaml output (frame of cmi4140.js)", 2,
           "150405b827bd3a04142cddb10d02290000023a000002598f26025d61160c784405817904fd17"
           "00000000", {"volume": 2297603.0}),
    ],
    "elvaco_cmi4160": [
        ex("cmi4160-codec.yaml Second example", 2,
           "1e04068fa10100041384b71e00022bcf0f023b5d00025a1003025e9801077982253269a51140"
           "0401fd1700", {"volume": 2013.06}),
    ],
}  # fmt: skip

EXAMPLES: dict[str, list[Example]] = {
    **MILESIGHT, **ELSYS, **BROWAN, **DRAGINO, **NETVOX, **OTHERS,
}  # fmt: skip

NO_TTN_EXAMPLE: dict[str, str] = {
    # vendor/elsys/elt-lite-codec.yaml names elsys.js and lists no examples.
    "elsys_elt_lite": "elt-lite-codec.yaml has no uplink example",
}

CASES = [
    pytest.param(model_id, example, id=f"{model_id}: {example.source}")
    for model_id, examples in EXAMPLES.items()
    for example in examples
]


@pytest.mark.parametrize(("model_id", "example"), CASES)
def test_ttn_example(model_id: str, example: Example) -> None:
    payload = bytes.fromhex(example.payload)
    if example.readings is None:
        with pytest.raises(CodecError):
            decode_frame(model_id, example.f_port, payload)
        return
    result = decode_frame(model_id, example.f_port, payload)
    assert result.readings == example.readings
    # A vendor example is fully understood: nothing in it is skipped as unknown.
    assert result.skipped == ()
    assert set(result.readings) <= MODELS[model_id].keys


def test_every_claimed_model_is_covered() -> None:
    assert set(EXAMPLES) | set(NO_TTN_EXAMPLE) == set(MODELS)
    assert not set(EXAMPLES) & set(NO_TTN_EXAMPLE)
    assert all(EXAMPLES[model_id] for model_id in EXAMPLES)
