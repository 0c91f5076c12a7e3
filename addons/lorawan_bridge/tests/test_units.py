"""Options, event inspection, downlink translation and the Supervisor lookup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web
import pytest

from conftest import chirpstack_up, free_port, tts_up
from lorawan_bridge.__main__ import main
from lorawan_bridge.downlink import translate
from lorawan_bridge.events import InvalidEvent, from_http, from_mqtt
from lorawan_bridge.options import OptionsError, load_options, parse_options
from lorawan_bridge.supervisor import SupervisorError, downstream_settings


def test_default_topics_per_network_and_shared_group() -> None:
    cs = parse_options({"network": "chirpstack", "upstream_host": "ns"})
    assert cs.upstream_topics() == ["application/+/device/+/event/+"]
    tts = parse_options({"network": "tts", "upstream_host": "eu1", "upstream_username": "ange@ttn"})
    assert tts.upstream_topics() == [
        "v3/ange@ttn/devices/+/up",
        "v3/ange@ttn/devices/+/join",
        "v3/ange@ttn/devices/+/down/+",
    ]
    shared = parse_options(
        {"upstream_host": "ns", "upstream_share_group": "ange", "upstream_topic": "a/#, b/+"}
    )
    assert shared.upstream_topics() == ["$share/ange/a/#", "$share/ange/b/+"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"network": "loriot", "upstream_host": "x"}, "network"),
        ({"http_port": 8080}, "http_secret"),
        ({"upstream_host": "x", "upstream_port": 0}, "upstream_port"),
        ({"upstream_host": "x", "upstream_tls": "yes"}, "upstream_tls"),
        ({"upstream_host": "x", "queue_max_mb": 0}, "queue_max_mb"),
        ({"upstream_host": "x", "upstream_share_group": "a/b"}, "upstream_share_group"),
    ],
)
def test_bad_options_name_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(OptionsError, match=message):
        parse_options(raw)


def test_options_file_problems(tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match="cannot read"):
        load_options(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    with pytest.raises(OptionsError, match="JSON object"):
        load_options(bad)


def test_the_command_exits_2_on_bad_options(tmp_path: Path) -> None:
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"network": "loriot"}))
    assert main(["--options", str(options), "--data", str(tmp_path / "d")]) == 2


def test_relative_ca_file_is_looked_up_in_ssl() -> None:
    options = parse_options({"upstream_host": "x", "upstream_ca_file": "operator-ca.pem"})
    assert options.ca_path == Path("/ssl/operator-ca.pem")


def test_event_keys() -> None:
    topic, body = chirpstack_up("0011223344556677", 9, dedup="abc")
    event = from_mqtt("chirpstack", topic, body)
    assert event.topic == "ange_iot/chirpstack/0011223344556677/up"
    assert event.body is body
    assert event.dedup_key == "chirpstack|0011223344556677|up|9|abc"
    tts_topic, tts_body = tts_up("70B3D57ED0000001", 0)
    assert from_mqtt("tts", tts_topic, tts_body).dedup_key == "tts|70b3d57ed0000001|up|0|"
    # ChirpStack's HTTP integration names the event; an uplink is recognised without it.
    assert from_http("chirpstack", None, body).event == "up"
    assert from_http("chirpstack", "status", body).event == "status"


@pytest.mark.parametrize(
    ("network", "topic", "payload", "reason"),
    [
        ("chirpstack", "application/a/device/0011223344556677/event/up", b"nope", "not_json"),
        ("chirpstack", "application/a/device/0011223344556677/event/up", b"1", "wrong_shape"),
        ("chirpstack", "application/a/device/0011223344556677/event/UP!", b"{}", "wrong_shape"),
        ("chirpstack", "application/a/device/0011223344556677", b"{}", "wrong_shape"),
        ("tts", "v3/a@t/devices/d/up", b'{"end_device_ids": {"dev_eui": "12"}}', "wrong_shape"),
        (
            "tts",
            "v3/a@t/devices/d/up",
            b'{"end_device_ids": {"dev_eui": "0011223344556677"}}',
            "wrong_shape",
        ),
        ("tts", "v3/a@t/up", b"{}", "wrong_shape"),
        ("tts", "v3/a@t/devices/d/up", b"x" * (1024 * 1024 + 1), "oversize"),
    ],
)
def test_invalid_events(network: str, topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent) as err:
        from_mqtt(network, topic, payload)
    assert err.value.reason == reason


def test_downlink_problems() -> None:
    topic = "ange_iot/chirpstack/0011223344556677/down"
    good = {"fPort": 1, "data": "AQ==", "applicationId": "app"}
    assert translate("chirpstack", topic, json.dumps(good).encode(), "").topic.endswith(
        "/command/down"
    )
    for bad in (
        good | {"fPort": 0},
        good | {"fPort": True},
        good | {"data": "not base64!"},
        good | {"confirmed": "yes"},
        good | {"devEui": "ffffffffffffffff"},
        {"fPort": 1, "data": "AQ=="},
    ):
        with pytest.raises(InvalidEvent):
            translate("chirpstack", topic, json.dumps(bad).encode(), "")
    with pytest.raises(InvalidEvent, match="deviceId"):
        translate("tts", topic.replace("chirpstack", "tts"), json.dumps(good).encode(), "a@t")
    with pytest.raises(InvalidEvent, match="downlink topic"):
        translate("chirpstack", "ange_iot/chirpstack/xyz/down", b"{}", "")


async def test_downstream_credentials_from_the_supervisor() -> None:
    seen: list[str] = []

    async def service(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response(
            {
                "result": "ok",
                "data": {
                    "host": "core-mosquitto",
                    "port": 1883,
                    "ssl": False,
                    "username": "addons",
                    "password": "pw",
                    "protocol": "3.1.1",
                },
            }
        )

    app = web.Application()
    app.router.add_get("/services/mqtt", service)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    try:
        options = parse_options({"upstream_host": "ns"})
        settings = await downstream_settings(options, "token-1", base)
        assert (settings.host, settings.port, settings.username, settings.password) == (
            "core-mosquitto",
            1883,
            "addons",
            "pw",
        )
        assert seen == ["Bearer token-1"]
        # The options' login overrides the service's, on the service's broker.
        override = parse_options(
            {"upstream_host": "ns", "downstream_username": "me", "downstream_password": "mine"}
        )
        settings = await downstream_settings(override, "token-1", base)
        assert (settings.host, settings.username, settings.password) == (
            "core-mosquitto",
            "me",
            "mine",
        )
        # A host in the options means the Supervisor is not asked at all.
        direct = parse_options({"upstream_host": "ns", "downstream_host": "10.0.0.5"})
        assert (await downstream_settings(direct, None, base)).host == "10.0.0.5"
        assert len(seen) == 2
        with pytest.raises(SupervisorError, match="SUPERVISOR_TOKEN"):
            await downstream_settings(options, None, base)
    finally:
        await runner.cleanup()
