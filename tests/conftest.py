"""Shared fixtures: a hub with devices, real network-server envelopes, vendor payloads."""

from __future__ import annotations

import base64
from collections.abc import Callable, Generator
import copy
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ange_iot.const import DOMAIN, SUBENTRY_DEVICE

FIXTURES = Path(__file__).parent / "fixtures"

WEBHOOK_ID = "ange_test_webhook"
SECRET = "test-secret-0123456789"

# DevEUIs of the test devices.
ERS_CO2 = "a81758fffe0312ab"
AM307 = "24e124707c481005"
ERS_EYE = "a81758fffe04c0de"
CARE_DOOR = "a81758fffe05d001"
UNKNOWN = "70b3d57ed0041234"

# Vendor payloads, from the vendors' published examples (see tests/lorawan for sources).
# TTN vendor/elsys/ers-co2-codec.yaml: 22.6 °C, 41 %, 39 lx, motion 6, CO2 776 ppm.
ERS_CO2_PAYLOAD = bytes.fromhex("0100E202290400270506060308")
# Milesight SensorDecoders am-series/am307 README example.
AM307_PAYLOAD = bytes.fromhex("0367ee0004687c05000106cb02077da803087d250009736627")
# Elsys payload spec, TYPE_EXT_DIGITAL (0x0D): on the EMS Door the reed switch, 0 = open.
EMS_DOOR_OPEN = bytes.fromhex("0D00")
EMS_DOOR_CLOSED = bytes.fromhex("0D01")


def load_fixture(name: str) -> dict[str, Any]:
    """A network-server envelope from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def device_subentry(dev_eui: str, model: str, name: str, **extra: Any) -> dict[str, Any]:
    """Subentry data of one device, as the device flow stores it."""
    return {
        "data": {"dev_eui": dev_eui, "model": model, "name": name, **extra},
        "subentry_type": SUBENTRY_DEVICE,
        "title": name,
        "unique_id": dev_eui,
    }


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    hass: HomeAssistant, enable_custom_integrations: None, tmp_path: Path
) -> None:
    """Load custom_components/ange_iot in every test, with a configuration folder of its own.

    The care audit log and the exports are files under the configuration folder; a shared
    one would chain one test's audit lines onto another's.
    """
    hass.config.config_dir = str(tmp_path)


class _DeprecationWatch(logging.Handler):
    """Collects Home Assistant's reports of deprecated API use by this integration."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "custom integration 'ange_iot'" in message or (
            DOMAIN in message and "will stop working" in message
        ):
            self.reports.append(message)


@pytest.fixture(autouse=True)
def no_deprecated_api_use() -> Generator[None]:
    """Fail any test during which HA reports that ange_iot uses an API it will remove.

    HA logs these once per call site ("Detected that custom integration 'ange_iot' ...
    This will stop working in ..."); on the current release they are the early warning
    that the next one breaks the integration.
    """
    watch = _DeprecationWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield
    finally:
        root.removeHandler(watch)
    assert not watch.reports, "deprecated Home Assistant API used:\n" + "\n".join(watch.reports)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities that are disabled by default, as HA core's fixture does."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def hub_data() -> dict[str, Any]:
    """Exactly the DESIGN.md contract keys of a ChirpStack webhook hub."""
    return {
        "network": "chirpstack",
        "transport": "webhook",
        "webhook_id": WEBHOOK_ID,
        "webhook_secret": SECRET,
    }


@pytest.fixture
def mock_entry(hub_data: dict[str, Any]) -> MockConfigEntry:
    """A hub with an ERS CO2 in a common room, an AM307 in a kitchen and a care door."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="ChirpStack v4",
        data=hub_data,
        unique_id=None,
        subentries_data=[
            device_subentry(ERS_CO2, "elsys_ers_co2", "Dagrum Solgården"),
            device_subentry(AM307, "milesight_am307", "Skolköket"),
            device_subentry(
                CARE_DOOR, "elsys_ems_door", "Ytterdörr", care_unit="SOL-2", room="R12"
            ),
        ],
    )


@pytest.fixture
async def setup_integration(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> MockConfigEntry:
    """The hub, set up and running."""
    mock_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    return mock_entry


@pytest.fixture
def chirpstack_up() -> Callable[..., dict[str, Any]]:
    """Build a ChirpStack v4 up event from the docs' example with our own device data."""
    template = load_fixture("chirpstack_up.json")

    def build(
        dev_eui: str,
        payload: bytes,
        f_cnt: int,
        *,
        f_port: int = 5,
        time: str | None = None,
        profile: str | None = None,
        rssi: int = -97,
    ) -> dict[str, Any]:
        body = copy.deepcopy(template)
        body["deviceInfo"]["devEui"] = dev_eui
        if profile is not None:
            body["deviceInfo"]["deviceProfileName"] = profile
        body["fCnt"] = f_cnt
        body["fPort"] = f_port
        body["data"] = base64.b64encode(payload).decode()
        body["rxInfo"][0]["rssi"] = rssi
        body["deduplicationId"] = f"dedup-{dev_eui}-{f_cnt}"
        if time is not None:
            body["time"] = time
        else:
            body.pop("time", None)
        return body

    return build


@pytest.fixture(autouse=True)
def check_flow_translations() -> Generator[None]:
    """Every step of our flows that a test drives must render: see tests/flow_translations.py."""
    from homeassistant.data_entry_flow import FlowManager

    from .flow_translations import check_flow_result

    handle_step = FlowManager._async_handle_step
    problems: list[str] = []

    async def checked(self: FlowManager[Any, Any, Any], flow: Any, *args: Any) -> Any:
        result = await handle_step(self, flow, *args)
        problems.extend(check_flow_result(self, flow, result))
        return result

    with patch.object(FlowManager, "_async_handle_step", checked):
        yield
    assert not problems, "flow texts that would not render:\n" + "\n".join(sorted(set(problems)))
