"""ChirpStack v4 integration events (the JSON marshaler) as Uplinks.

ChirpStack v4 publishes these on MQTT as ``application/{id}/device/{devEui}/event/{event}``
and POSTs them to its HTTP integration with ``?event={event}``. The bodies are the
Protocol Buffers JSON mapping of ``integration.proto`` (UplinkEvent, StatusEvent,
JoinEvent, ...), with camelCase field names; see the "Event types" page of the ChirpStack
docs (https://www.chirpstack.io/docs/chirpstack/integrations/events.html).

Fields at their proto3 default value may be absent: ChirpStack 4.0 omitted them (the
docs' own ``up`` example has no ``fCnt``, ``adr`` or ``confirmed``: a first uplink with
fCnt 0; chirpstack/chirpstack#43) and later releases emit them (chirpstack/chirpstack#63).
JSON null also means "default". So a missing ``fCnt`` or ``fPort`` is 0, a missing
``data`` is an empty payload, a missing gateway ``snr`` of a LoRa uplink is 0 dB.

ChirpStack v3 events (``devEUI``, ``applicationID``, no ``deviceInfo``) are not supported.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from ..errors import EnvelopeError
from ..uplink import Uplink, UplinkKind
from .chirpstack_fast import fast_up
from .field_readers import (
    Context,
    decode_base64,
    decoded_object,
    event_name,
    json_kind,
    now_utc,
    parse_time,
    present,
    read_bool,
    read_dev_eui,
    read_f_cnt,
    read_f_port,
    read_int,
    read_list,
    read_mapping,
    read_number,
    read_str,
    require_mapping,
)
from .gateways import GatewayReading, best_gateway, gateway_location, gateways_of

__all__ = ["parse"]

NETWORK: Final = "chirpstack"

_HANDLED_EVENTS: Final = frozenset({"up", "status", "join"})
# Valid events that carry nothing we turn into an Uplink.
_IGNORED_EVENTS: Final = frozenset({"ack", "txack", "log", "location", "integration"})
_ALL_EVENTS: Final = ", ".join(sorted(_HANDLED_EVENTS | _IGNORED_EVENTS))


def parse(body: Mapping[str, Any], event: str | None) -> list[Uplink]:
    """Parse one ChirpStack v4 integration event.

    ``event`` is the ``{event}`` of the MQTT topic or the HTTP ``?event=`` parameter; when
    None it is inferred from the fields present. ``up``, ``status`` and ``join`` give one
    Uplink; ``ack``, ``txack``, ``log``, ``location`` and ``integration`` give ``[]``.
    """
    name = event_name(event)
    if name is None:
        name = _infer_event(body)
    elif name not in _HANDLED_EVENTS and name not in _IGNORED_EVENTS:
        raise EnvelopeError(
            f"chirpstack message: unknown event {event!r}; expected one of {_ALL_EVENTS}"
        )
    if name in _IGNORED_EVENTS:
        return []
    if name == "up" and (uplink := fast_up(body, _device_extra)) is not None:
        return [uplink]

    ctx = Context(NETWORK, name)
    if not present(body, "deviceInfo") and ("devEUI" in body or "applicationID" in body):
        raise ctx.error(
            "missing required field deviceInfo (this looks like a ChirpStack v3 event; "
            "only the v4 JSON format is supported)"
        )
    device_info = require_mapping(ctx, body, "deviceInfo", "deviceInfo")
    dev_eui = read_dev_eui(ctx, device_info, "devEui", "deviceInfo.devEui")
    received_at = _event_time(ctx, body)
    common: dict[str, Any] = {
        "network": NETWORK,
        "dev_eui": dev_eui,
        "received_at": received_at,
        "device_name": read_str(ctx, device_info, "deviceName", "deviceInfo.deviceName"),
        "profile_name": read_str(
            ctx, device_info, "deviceProfileName", "deviceInfo.deviceProfileName"
        ),
        "application_id": read_str(
            ctx, device_info, "applicationId", "deviceInfo.applicationId"
        ),
        "dedup_id": read_str(ctx, body, "deduplicationId", "deduplicationId"),
    }
    extra = _device_extra(device_info)

    if name == "up":
        return [_uplink(ctx, body, common, extra)]
    if name == "status":
        return [_status(ctx, body, common, extra)]
    # join
    dev_addr = read_str(ctx, body, "devAddr", "devAddr")
    if dev_addr is not None:
        extra["dev_addr"] = dev_addr
    return [Uplink(kind=UplinkKind.JOIN, extra=extra, **common)]


def _event_time(ctx: Context, body: Mapping[str, Any]) -> datetime:
    """When the uplink was received: the network server's ``time``, else a gateway's.

    ``time`` is set by ChirpStack when it received the uplink. Without it, a receiving
    gateway's ``nsTime`` (the network server's reception time) or ``gwTime`` (the
    gateway's own, GPS) time is the next best; arrival here is the last resort.
    """
    if present(body, "time"):
        return parse_time(ctx, body["time"], "time")
    rx_info = body.get("rxInfo")
    if isinstance(rx_info, list):
        for index, item in enumerate(rx_info):
            if not isinstance(item, Mapping):
                continue
            for key in ("nsTime", "gwTime"):
                if present(item, key):
                    return parse_time(ctx, item[key], f"rxInfo[{index}].{key}")
    return now_utc()


def _infer_event(body: Mapping[str, Any]) -> str:
    """Tell the event type from the fields only that event type has.

    Checked in an order that keeps lookalikes apart: txack has ``txInfo`` like up, and
    integration has ``object`` like up; join has only ``devAddr`` beyond the common fields.
    """
    if "level" in body or "code" in body or "description" in body:
        return "log"
    if "integrationName" in body or "eventType" in body:
        return "integration"
    if "location" in body:
        return "location"
    if "acknowledged" in body:
        return "ack"
    if "downlinkId" in body or "gatewayId" in body:
        return "txack"
    if "queueItemId" in body or "fCntDown" in body:
        return "ack"
    up_fields = ("rxInfo", "txInfo", "data", "object", "fPort", "fCnt", "dr", "adr", "confirmed")
    if any(key in body for key in up_fields):
        return "up"
    status_fields = ("margin", "batteryLevel", "batteryLevelUnavailable", "externalPowerSource")
    if any(key in body for key in status_fields):
        return "status"
    if "devAddr" in body:
        return "join"
    raise EnvelopeError(
        "chirpstack message: cannot tell the event type from the body "
        f"(keys: {', '.join(sorted(map(str, body))) or 'none'}); pass the event "
        f"(one of {_ALL_EVENTS})"
    )


def _device_extra(device_info: Mapping[str, Any]) -> dict[str, Any]:
    """Informational deviceInfo fields, copied when they have the documented type."""
    extra: dict[str, Any] = {}
    for key, name in (
        ("tenantId", "tenant_id"),
        ("tenantName", "tenant_name"),
        ("applicationName", "application_name"),
        ("deviceProfileId", "device_profile_id"),
    ):
        value = device_info.get(key)
        if isinstance(value, str) and value:
            extra[name] = value
    tags = device_info.get("tags")
    if isinstance(tags, Mapping) and tags:
        extra["tags"] = dict(tags)
    return extra


def _uplink(
    ctx: Context, body: Mapping[str, Any], common: dict[str, Any], extra: dict[str, Any]
) -> Uplink:
    # proto3 defaults: an absent fPort/fCnt is 0, an absent data is empty.
    f_port = read_f_port(ctx, body, "fPort")
    f_cnt = read_f_cnt(ctx, body, "fCnt")
    payload = decode_base64(ctx, body["data"], "data") if present(body, "data") else b""

    tx_info = read_mapping(ctx, body, "txInfo", "txInfo")
    modulation = read_mapping(ctx, tx_info, "modulation", "txInfo.modulation") if tx_info else None
    is_lora = modulation is not None and present(modulation, "lora")
    readings = []
    for index, item in enumerate(read_list(ctx, body, "rxInfo", "rxInfo")):
        path = f"rxInfo[{index}]"
        if not isinstance(item, Mapping):
            raise ctx.error(f"{path} must be an object, not {json_kind(item)}")
        snr = read_number(ctx, item, "snr", f"{path}.snr")
        if snr is None and is_lora:
            snr = 0.0  # omitted at its default value
        latitude, longitude = gateway_location(item)
        readings.append(
            GatewayReading(
                key=read_str(ctx, item, "gatewayId", f"{path}.gatewayId"),
                rssi=read_number(ctx, item, "rssi", f"{path}.rssi"),
                snr=snr,
                latitude=latitude,
                longitude=longitude,
            )
        )
    best = best_gateway(readings)
    gateways = gateways_of(readings)

    dev_addr = read_str(ctx, body, "devAddr", "devAddr")
    if dev_addr is not None:
        extra["dev_addr"] = dev_addr
    dr = read_int(ctx, body, "dr", "dr", minimum=0, maximum=15)
    extra["dr"] = dr if dr is not None else 0
    extra["adr"] = bool(read_bool(ctx, body, "adr", "adr"))
    extra["confirmed"] = bool(read_bool(ctx, body, "confirmed", "confirmed"))
    if best.key is not None:
        extra["gateway_id"] = best.key

    return Uplink(
        kind=UplinkKind.UPLINK,
        f_port=f_port if f_port is not None else 0,
        f_cnt=f_cnt if f_cnt is not None else 0,
        payload=payload,
        decoded=decoded_object(body.get("object")),
        rssi=best.rssi,
        snr=best.snr,
        gateway_count=best.count,
        gateways=gateways,
        extra=extra,
        **common,
    )


def _status(
    ctx: Context, body: Mapping[str, Any], common: dict[str, Any], extra: dict[str, Any]
) -> Uplink:
    """DevStatusAns as ChirpStack reports it.

    The device's battery byte maps to: 0 = external power (``externalPowerSource``),
    255 = cannot measure (``batteryLevelUnavailable``), else ``batteryLevel`` in percent.
    In the first two cases ``batteryLevel`` is meaningless and the battery is None.
    """
    margin = read_int(ctx, body, "margin", "margin", minimum=-128, maximum=127)
    external = bool(read_bool(ctx, body, "externalPowerSource", "externalPowerSource"))
    unavailable = bool(read_bool(ctx, body, "batteryLevelUnavailable", "batteryLevelUnavailable"))
    level = read_number(ctx, body, "batteryLevel", "batteryLevel")
    if level is not None and not 0 <= level <= 100:
        raise ctx.error(f"batteryLevel {level} is outside 0..100")
    battery = None if external or unavailable else (level if level is not None else 0.0)
    extra.update(
        margin=margin if margin is not None else 0,
        external_power_source=external,
        battery_level_unavailable=unavailable,
    )
    return Uplink(kind=UplinkKind.STATUS, battery=battery, extra=extra, **common)
