"""The Things Stack (v3) application-layer messages as Uplinks.

These arrive over MQTT (``v3/{application id}@{tenant id}/devices/{device id}/up``,
``.../join``, ``.../down/ack``, ...) or webhooks, in the JSON format of the "Data
Formats" page of the TTS docs
(https://www.thethingsindustries.com/docs/integrations/data-formats/). Each body carries
``end_device_ids`` and exactly one message field: ``uplink_message``, ``join_accept``,
``downlink_ack``, ...

"Empty fields are omitted from payloads": a field whose value is ``""``, ``0`` or
``false`` is absent. So a missing ``f_cnt`` or ``f_port`` is 0 (the first uplink after a
join has no ``f_cnt``; TheThingsNetwork/lorawan-stack#3874), a missing ``frm_payload`` is
an empty payload and a missing ``snr`` of a LoRa reception is 0 dB.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from ..codecs.guess import model_id_from_version_ids
from ..errors import EnvelopeError
from ..uplink import Uplink, UplinkKind, normalize_dev_eui
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
    read_list,
    read_mapping,
    read_number,
    read_str,
    require_mapping,
)
from .gateways import GatewayReading, best_gateway, gateway_location, gateways_of

__all__ = ["parse"]

NETWORK: Final = "tts"

_UPLINK: Final = "uplink_message"
_JOIN: Final = "join_accept"
# Message fields that carry nothing we turn into an Uplink. ``uplink_normalized`` repeats
# an ``uplink_message`` (so it is skipped to avoid counting the uplink twice), and
# ``downlinks`` is the body of a downlink push/replace (our own downlinks, seen again).
_IGNORED_MESSAGES: Final = frozenset(
    {
        "downlink_ack",
        "downlink_nack",
        "downlink_sent",
        "downlink_failed",
        "downlink_queued",
        "downlink_queue_invalidated",
        "location_solved",
        "service_data",
        "uplink_normalized",
        "downlinks",
    }
)
# Event names: the last MQTT topic level, or a webhook message type (the field name).
_EVENTS: Final = {"up": _UPLINK, _UPLINK: _UPLINK, "join": _JOIN, _JOIN: _JOIN}
_IGNORED_EVENTS: Final = _IGNORED_MESSAGES | {
    # .../down/{ack,nack,sent,failed,queued,invalidated,push,replace}
    "ack",
    "nack",
    "sent",
    "failed",
    "queued",
    "invalidated",
    "push",
    "replace",
    # .../location/solved, .../service/data, .../up/normalized
    "solved",
    "data",
    "normalized",
}


def parse(body: Mapping[str, Any], event: str | None) -> list[Uplink]:
    """Parse one The Things Stack message.

    ``uplink_message`` gives a data Uplink and ``join_accept`` a join Uplink; downlink
    events, ``location_solved``, ``service_data`` and ``uplink_normalized`` give ``[]``.
    When ``event`` is given ("up", "join", "ack", ... or the message field name) the body
    must hold the message it names.
    """
    message = _message_field(body, event_name(event), event)
    if message is None:
        return []
    kind = UplinkKind.UPLINK if message == _UPLINK else UplinkKind.JOIN
    ctx = Context(NETWORK, kind.value)

    ids = require_mapping(ctx, body, "end_device_ids", "end_device_ids")
    dev_eui = read_dev_eui(ctx, ids, "dev_eui", "end_device_ids.dev_eui")
    device_id = read_str(ctx, ids, "device_id", "end_device_ids.device_id")
    app_ids = read_mapping(ctx, ids, "application_ids", "end_device_ids.application_ids")
    application_id = (
        read_str(ctx, app_ids, "application_id", "end_device_ids.application_ids.application_id")
        if app_ids is not None
        else None
    )
    inner = require_mapping(ctx, body, message, message)

    extra: dict[str, Any] = {}
    for key in ("dev_addr", "join_eui"):
        value = read_str(ctx, ids, key, f"end_device_ids.{key}")
        if value is not None:
            extra[key] = value
    if read_bool(ctx, body, "simulated", "simulated"):
        extra["simulated"] = True
    attributes = inner.get("attributes")
    if isinstance(attributes, Mapping) and attributes:
        extra["attributes"] = dict(attributes)

    received_at = _reception_time(ctx, body, inner, message)
    dedup_id = _uplink_correlation_id(ctx, body)

    if kind is UplinkKind.JOIN:
        return [
            Uplink(
                network=NETWORK,
                dev_eui=dev_eui,
                kind=kind,
                received_at=received_at,
                application_id=application_id,
                device_id=device_id,
                dedup_id=dedup_id,
                extra=extra,
            )
        ]

    f_port = read_f_port(ctx, inner, "f_port")
    f_cnt = read_f_cnt(ctx, inner, "f_cnt")
    payload = (
        decode_base64(ctx, inner["frm_payload"], "uplink_message.frm_payload")
        if present(inner, "frm_payload")
        else b""
    )
    receptions = _gateways(ctx, inner)
    best = best_gateway(receptions)
    if best.key is not None:
        extra["gateway_id"] = best.key
    if read_bool(ctx, inner, "confirmed", "uplink_message.confirmed"):
        extra["confirmed"] = True

    network_ids = read_mapping(ctx, inner, "network_ids", "uplink_message.network_ids")
    tenant_id = (
        read_str(ctx, network_ids, "tenant_id", "uplink_message.network_ids.tenant_id")
        if network_ids is not None
        else None
    )
    if application_id is not None and tenant_id is not None:
        # As in the MQTT topic and username: "{application id}@{tenant id}".
        application_id = f"{application_id}@{tenant_id}"

    version_ids = read_mapping(ctx, inner, "version_ids", "uplink_message.version_ids")
    model_hint = model_id_from_version_ids(version_ids) if version_ids is not None else None

    return [
        Uplink(
            network=NETWORK,
            dev_eui=dev_eui,
            kind=kind,
            f_port=f_port if f_port is not None else 0,
            f_cnt=f_cnt if f_cnt is not None else 0,
            payload=payload,
            decoded=decoded_object(inner.get("decoded_payload")),
            rssi=best.rssi,
            snr=best.snr,
            gateway_count=best.count,
            gateways=gateways_of(receptions),
            received_at=received_at,
            model_hint=model_hint,
            battery=_last_battery(inner),
            application_id=application_id,
            device_id=device_id,
            dedup_id=dedup_id,
            extra=extra,
        )
    ]


def _reception_time(
    ctx: Context, body: Mapping[str, Any], inner: Mapping[str, Any], message: str
) -> datetime:
    """When the uplink was received: by the network server, else by a gateway.

    ``uplink_message.received_at`` is the Network Server's time, the message's own
    ``received_at`` the Application Server's. Without both, the gateway's time of
    reception (``settings.time``, else the first ``rx_metadata[].time``); arrival here is
    the last resort.
    """
    if present(inner, "received_at"):
        return parse_time(ctx, inner["received_at"], f"{message}.received_at")
    if present(body, "received_at"):
        return parse_time(ctx, body["received_at"], "received_at")
    settings = inner.get("settings")
    if isinstance(settings, Mapping) and present(settings, "time"):
        return parse_time(ctx, settings["time"], f"{message}.settings.time")
    rx_metadata = inner.get("rx_metadata")
    if isinstance(rx_metadata, list):
        for index, item in enumerate(rx_metadata):
            if isinstance(item, Mapping) and present(item, "time"):
                return parse_time(ctx, item["time"], f"{message}.rx_metadata[{index}].time")
    return now_utc()


def _message_field(body: Mapping[str, Any], name: str | None, event: str | None) -> str | None:
    """The message field to parse (uplink_message or join_accept), or None to ignore."""
    if name is not None:
        if name in _IGNORED_EVENTS:
            return None
        field = _EVENTS.get(name)
        if field is None:
            raise EnvelopeError(
                f"tts message: unknown event {event!r}; expected up, join or a downlink, "
                "location or service event"
            )
        if not present(body, field):
            raise EnvelopeError(
                f"tts {name} event{_device_suffix(body)}: missing required field {field}"
            )
        return field
    handled = [field for field in (_UPLINK, _JOIN) if present(body, field)]
    if len(handled) > 1:
        raise EnvelopeError("tts message has both uplink_message and join_accept")
    if handled:
        return handled[0]
    if any(present(body, field) for field in _IGNORED_MESSAGES):
        return None
    raise EnvelopeError(
        "tts message: no uplink_message, join_accept or other known message field "
        f"(keys: {', '.join(sorted(map(str, body))) or 'none'})"
    )


def _device_suffix(body: Mapping[str, Any]) -> str:
    """" from device {DevEUI}" for an error message, when the body has a valid DevEUI."""
    ids = body.get("end_device_ids")
    if not isinstance(ids, Mapping):
        return ""
    try:
        return f" from device {normalize_dev_eui(ids.get('dev_eui'))}"
    except ValueError:
        return ""


def _gateways(ctx: Context, uplink: Mapping[str, Any]) -> list[GatewayReading]:
    settings = read_mapping(ctx, uplink, "settings", "uplink_message.settings")
    data_rate = (
        read_mapping(ctx, settings, "data_rate", "uplink_message.settings.data_rate")
        if settings is not None
        else None
    )
    is_lora = data_rate is not None and present(data_rate, "lora")
    readings = []
    rx_metadata = read_list(ctx, uplink, "rx_metadata", "uplink_message.rx_metadata")
    for index, item in enumerate(rx_metadata):
        path = f"uplink_message.rx_metadata[{index}]"
        if not isinstance(item, Mapping):
            raise ctx.error(f"{path} must be an object, not {json_kind(item)}")
        rssi = read_number(ctx, item, "rssi", f"{path}.rssi")
        if rssi is None:
            rssi = read_number(ctx, item, "channel_rssi", f"{path}.channel_rssi")
        snr = read_number(ctx, item, "snr", f"{path}.snr")
        if snr is None and is_lora:
            snr = 0.0  # omitted at its zero value
        latitude, longitude = gateway_location(item)
        readings.append(
            GatewayReading(
                key=_gateway_key(item), rssi=rssi, snr=snr, latitude=latitude, longitude=longitude
            )
        )
    return readings


def _gateway_key(item: Mapping[str, Any]) -> str | None:
    """Identify a receiving gateway; Packet Broker receptions by their forwarder gateway."""
    broker = item.get("packet_broker")
    if isinstance(broker, Mapping):
        for key in ("forwarder_gateway_eui", "forwarder_gateway_id"):
            value = broker.get(key)
            if isinstance(value, str) and value:
                return f"packetbroker:{value}"
    ids = item.get("gateway_ids")
    if isinstance(ids, Mapping):
        for key in ("gateway_id", "eui"):
            value = ids.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _uplink_correlation_id(ctx: Context, body: Mapping[str, Any]) -> str | None:
    """The Application Server's ``as:up:`` correlation id, or None when absent.

    There is one per uplink, the same over MQTT and webhooks.
    """
    for item in read_list(ctx, body, "correlation_ids", "correlation_ids"):
        if isinstance(item, str) and item.startswith("as:up:"):
            return item
    return None


def _last_battery(uplink: Mapping[str, Any]) -> float | None:
    """Battery level from ``last_battery_percentage.value``, if a number in 0..100.

    TTS attaches the device's last status answer to its uplinks.
    """
    last = uplink.get("last_battery_percentage")
    if not isinstance(last, Mapping):
        return None
    value = last.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # TTS omits the value at 0 %.
        return 0.0 if "value" not in last and last else None
    return float(value) if 0 <= value <= 100 else None
