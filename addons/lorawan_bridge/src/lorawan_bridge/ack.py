"""End-to-end acknowledgement by the Ånge IoT integration (the bridge's half).

A broker's PUBACK covers one hop: Mosquitto acknowledges, then drops, what it cannot
deliver to a Home Assistant that is not subscribed at that moment (HA's MQTT client uses
a clean session). So, when an integration that acknowledges is present, a row leaves the
queue only when the integration says it has taken the event.

Protocol (version 1; docs/DESIGN.md has the same text):

- Sequenced event topic: ``ange_iot/<network>/<dev_eui>/<event>/<bridge_id>/<seq>``. The
  body is the network server's bytes, unchanged. ``bridge_id`` is the bridge's instance id
  (8 hex digits, stable per data directory), ``seq`` the queue row id (decimal, never
  reused by a data directory).
- Acknowledgement: ``ange_iot/<network>/ack/<bridge_id>``, QoS 0, not retained, payload a
  JSON list of inclusive ranges ``[[first, last], ...]``.
- Announcement: ``ange_iot/<network>/ack/hello``, retained, payload
  ``{"protocol": 1}``. An empty retained payload withdraws it.
- Without an announcement (an older integration, an HA-less consumer) the bridge publishes
  on the plain ``ange_iot/<network>/<dev_eui>/<event>`` and deletes on the broker's PUBACK,
  as before.

This module is pure: topics, payloads and the mode decision, with time passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
import enum
import json
import logging
from pathlib import Path
from typing import Final

_LOGGER = logging.getLogger(__name__)

PROTOCOL: Final = 1
ACK_LEVEL: Final = "ack"
HELLO: Final = "hello"
HELLO_WAIT_S: Final = 3.0
"""How long a bridge without a remembered mode waits for the retained announcement."""
FALLBACK_AFTER_S: Final = 120.0
"""After Home Assistant's birth message, how long outstanding events may go without a
single acknowledgement before the integration is taken to be one that does not ack."""
MODE_FILE: Final = "ack_mode"
MAX_RANGES: Final = 10_000


DEFAULT_ACK_TIMEOUT_S: Final = 30
DEFAULT_BIRTH_TOPIC: Final = "homeassistant/status"


@dataclass(frozen=True, slots=True)
class AckSettings:
    """Where the mode is remembered, when to resend, and where HA announces itself."""

    data_dir: Path
    timeout_s: float = DEFAULT_ACK_TIMEOUT_S
    birth_topic: str = DEFAULT_BIRTH_TOPIC


class AckMode(enum.StrEnum):
    """Who deletes a row: the integration's acknowledgement, or the broker's PUBACK."""

    WAITING = "waiting"
    END_TO_END = "end_to_end"
    BROKER = "broker"


def sequenced_topic(topic: str, bridge_id: str, seq: int) -> str:
    """The event topic with the bridge id and sequence number appended."""
    return f"{topic}/{bridge_id}/{seq}"


def ack_filter(network: str) -> str:
    """The filter the bridge subscribes to: the acknowledgements and the announcement."""
    return f"ange_iot/{network}/{ACK_LEVEL}/+"


def ack_topic(network: str, bridge_id: str) -> str:
    """Where the integration acknowledges this bridge's events."""
    return f"ange_iot/{network}/{ACK_LEVEL}/{bridge_id}"


def hello_topic(network: str) -> str:
    """Where the integration announces that it acknowledges (retained)."""
    return f"ange_iot/{network}/{ACK_LEVEL}/{HELLO}"


def parse_ranges(payload: bytes) -> list[tuple[int, int]]:
    """The ranges of an acknowledgement; raises ValueError on anything else."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"not JSON: {err}") from None
    if not isinstance(data, list) or len(data) > MAX_RANGES:
        raise ValueError("not a list of ranges")
    ranges: list[tuple[int, int]] = []
    for item in data:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in item)
            or not 0 < item[0] <= item[1]
        ):
            raise ValueError(f"not a range: {item!r}")
        ranges.append((item[0], item[1]))
    return ranges


def announces(payload: bytes) -> bool:
    """Whether a hello payload announces a protocol this bridge speaks."""
    if not payload:
        return False
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return False
    protocol = data.get("protocol") if isinstance(data, dict) else None
    return isinstance(protocol, int) and not isinstance(protocol, bool) and protocol >= PROTOCOL


class AckState:
    """The mode, its reasons, and when to resend. Used by the forwarder thread only.

    The mode is remembered in the data directory: once an acknowledging integration has
    been seen, a restarted bridge does not need the retained announcement to find it
    again (a broker without persistence loses retained messages).
    """

    def __init__(self, data_dir: Path, ack_timeout_s: float, now: float) -> None:
        """Start in the remembered mode, or wait for the announcement."""
        self._file = data_dir / MODE_FILE
        self.ack_timeout_s = ack_timeout_s
        try:
            remembered = self._file.read_text(encoding="ascii").strip()
        except OSError:
            remembered = ""
        known = {mode.value for mode in AckMode} - {AckMode.WAITING.value}
        self.mode = AckMode(remembered) if remembered in known else AckMode.WAITING
        self.mode_since = now
        self.connected_at: float | None = None
        self.listening = False
        """Whether the integration is known to be subscribed now (see window())."""
        self.ha_online: bool | None = None
        self.birth_at: float | None = None
        self.last_ack_at: float | None = None
        self._logged_broker = False

    def _set(self, mode: AckMode, now: float, why: str) -> bool:
        if mode is self.mode:
            return False
        self.mode = mode
        self.mode_since = now
        if mode is AckMode.BROKER:
            # Logged once per run: the status page keeps showing it.
            level = logging.WARNING if not self._logged_broker else logging.DEBUG
            self._logged_broker = True
            _LOGGER.log(
                level,
                "No acknowledging Ånge IoT integration (%s): rows are deleted on the broker's "
                "PUBACK, so events sent while Home Assistant is away can be lost",
                why,
            )
        else:
            _LOGGER.info("Events are acknowledged end to end by the integration (%s)", why)
        try:
            self._file.write_text(mode.value + "\n", encoding="ascii")
        except OSError as err:
            _LOGGER.warning("Cannot remember the acknowledgement mode: %s", err)
        return True

    def connected(self, now: float) -> None:
        """Connected to Home Assistant's broker: the wait for the announcement starts now."""
        if self.connected_at is None:
            self.connected_at = now
        # The broker may have restarted, and HA's clean session with it.
        self.listening = False

    def window(self, full: int) -> int:
        """How many events may be out unacknowledged.

        While it is not known that the integration is subscribed, only the oldest event
        goes out, as a probe. Otherwise events sent into the void (dropped by the broker)
        would be overtaken by later ones once HA subscribes again, and the integration's
        frame-counter guard refuses an older frame after a newer one as a replay.
        """
        return full if self.listening else 1

    def hello(self, payload: bytes, now: float) -> bool:
        """The retained announcement arrived or was withdrawn; True if the mode changed."""
        if announces(payload):
            return self._set(AckMode.END_TO_END, now, "announcement received")
        return self._set(AckMode.BROKER, now, "announcement withdrawn or unknown protocol")

    def acked(self, now: float) -> bool:
        """An acknowledgement for us arrived: proof enough; True if the mode changed."""
        self.last_ack_at = now
        self.listening = True
        return self._set(AckMode.END_TO_END, now, "acknowledgement received")

    def ha_status(self, online: bool, now: float) -> None:
        """Home Assistant's birth (``online``) or last will (``offline``)."""
        self.ha_online = online
        # HA sends its birth after it has subscribed again; its will when it is gone.
        self.listening = online
        if online:
            self.birth_at = now

    def tick(self, now: float, oldest_sent_at: float | None) -> bool:
        """Decide a pending mode from the passing of time; True if the mode changed.

        - Waiting and no announcement came: fall back to the broker's PUBACK.
        - End to end, Home Assistant has announced itself (birth) since, events are
          outstanding and none was acknowledged in FALLBACK_AFTER_S: the announcement is
          stale (an integration removed or downgraded), so fall back too.
        """
        if self.mode is AckMode.WAITING:
            if self.connected_at is not None and now - self.connected_at >= HELLO_WAIT_S:
                return self._set(AckMode.BROKER, now, f"no announcement in {HELLO_WAIT_S:g} s")
            return False
        if (
            self.mode is AckMode.END_TO_END
            and self.ha_online
            and self.birth_at is not None
            and oldest_sent_at is not None
            and (self.last_ack_at is None or self.last_ack_at < self.birth_at)
            and now - max(self.birth_at, oldest_sent_at) >= FALLBACK_AFTER_S
        ):
            return self._set(
                AckMode.BROKER,
                now,
                f"Home Assistant is online but acknowledged nothing in {FALLBACK_AFTER_S:g} s",
            )
        return False

    def resend_due(self, now: float, oldest_sent_at: float | None) -> bool:
        """Whether unacknowledged events should be sent again for having waited too long.

        Not while Home Assistant is known to be offline: its birth message triggers the
        resend then, and resending into the void only loads the broker.
        """
        return (
            self.mode is AckMode.END_TO_END
            and self.ha_online is not False
            and oldest_sent_at is not None
            and now - oldest_sent_at >= self.ack_timeout_s
        )
